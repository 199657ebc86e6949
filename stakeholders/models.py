from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from practice.models import Region


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"
    COMMISSIONER = "commissioner", "Commissioner"
    LIVED_EXPERIENCE = "lived-experience", "Person with lived experience"
    FAMILY_CARER = "family-carer", "Family member or carer"
    RESEARCHER = "researcher", "Researcher"
    OTHER = "other", "Other"


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    UNDELIVERABLE = "undeliverable", "Undeliverable"
    ERASED = "erased", "Erased on request"


class SubscriberQuerySet(models.QuerySet):
    def receiving_digest(self) -> SubscriberQuerySet:
        """Confirmed, not paused, with an address that still accepts mail."""
        return self.filter(status=SubscriberStatus.CONFIRMED, paused=False)

    def purgeable(self, *, now=None) -> SubscriberQuerySet:
        """Sign-ups never confirmed within 30 days."""
        now = now or timezone.now()
        return self.filter(status=SubscriberStatus.PENDING, created_at__lt=now - timedelta(days=30))


class Subscriber(models.Model):
    """Someone who asked for the weekly digest. Erasure blanks the personal fields but keeps
    the row, so anonymous counts (role, topics, deliveries) survive."""

    email = models.EmailField(max_length=254, null=True, blank=True)
    name = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.OTHER)
    all_topics = models.BooleanField(default=False)
    topics = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    region = models.CharField(max_length=32, choices=Region.choices, blank=True)

    status = models.CharField(
        max_length=16, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    paused = models.BooleanField(default=False)
    # Every signed link names this key, not the row id: rotating it voids old links.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    consent_version = models.CharField(max_length=32)
    consent_text = models.TextField()
    consented_at = models.DateTimeField()

    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_unique_ci"),
            models.CheckConstraint(
                condition=Q(status=SubscriberStatus.ERASED) | Q(email__isnull=False),
                name="subscriber_has_email_unless_erased",
            ),
            models.CheckConstraint(
                condition=~Q(status=SubscriberStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="subscriber_confirmed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(all_topics=True) | Q(topics__len__gt=0),
                name="subscriber_follows_something",
            ),
        ]
        indexes = [models.Index(fields=["status", "paused"])]

    def __str__(self) -> str:
        return self.email or f"Erased subscriber {self.pk}"

    @property
    def topics_label(self) -> str:
        return "Everything" if self.all_topics else ", ".join(self.topics)


class RequestKind(models.TextChoices):
    SIGNUP = "signup", "Sign-up"
    LINK = "link", "Fresh link"


class RateLimitHit(models.Model):
    """One form submission counted against an address or an IP. Kept in the database (not
    the per-process cache) so limits hold across every web process. Keys are HMACs, so
    no address or IP is stored in the clear; rows older than a day are purged."""

    scope = models.CharField(max_length=8)  # "email" or "ip"
    key_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=RequestKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key_hash", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.scope} at {self.created_at:%Y-%m-%d %H:%M}"


class SpentFormToken(models.Model):
    """The random part of a sign-up form's anti-bot token, once a submission has used it:
    one token serves one submission. Rows over a day old are purged."""

    nonce = models.CharField(max_length=32, unique=True)
    spent_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Form token spent at {self.spent_at:%Y-%m-%d %H:%M}"


class DigestRun(models.Model):
    """One weekly digest. The unique week is what makes a second start in the same week a
    no-op that resumes the first."""

    week = models.DateField(unique=True, help_text="The Monday of the digest week.")
    cutoff = models.DateTimeField(help_text="Items published before this moment are included.")
    started_at = models.DateTimeField(default=timezone.now)
    batches_enqueued = models.PositiveIntegerField(default=0)
    # Set while the mail relay refuses or drops connections, cleared by the next message
    # it accepts; the staff page shows it.
    relay_problem = models.CharField(max_length=300, blank=True)
    relay_problem_since = models.DateTimeField(null=True, blank=True)
    # Only the newest watcher of a run re-arms itself (see stakeholders.tasks).
    watch_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"Digest for the week of {self.week:%d %B %Y}"

    @staticmethod
    def week_of(moment) -> date:
        local = timezone.localtime(moment).date()
        return local - timedelta(days=local.weekday())


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting to retry"
    DONE = "done", "Done"


class DigestBatch(models.Model):
    """The deliveries one task sends. A worker that runs it beats its heart here; a batch
    whose heart stopped belongs to a killed worker and is picked up again."""

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="batches")
    status = models.CharField(max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    # Relay failures in a row: the wait before the next try grows with them.
    relay_waits = models.PositiveSmallIntegerField(default=0)
    restarts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "digest batches"
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"Batch {self.pk} of {self.run}: {self.status}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped: nothing new"
    RETRY = "retry", "Failed, will retry"
    FAILED = "failed", "Failed for good"
    IN_DOUBT = "in-doubt", "In doubt: the worker stopped while sending"


FINISHED = [
    DeliveryStatus.SENT,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.FAILED,
    DeliveryStatus.IN_DOUBT,
]


class DeliveryQuerySet(models.QuerySet):
    def due(self, *, now=None) -> DeliveryQuerySet:
        now = now or timezone.now()
        return self.filter(
            Q(status=DeliveryStatus.PENDING)
            | Q(status=DeliveryStatus.RETRY, next_attempt_at__lte=now)
        )


class Delivery(models.Model):
    """The record of one subscriber's digest for one week: the unique pair is the
    guarantee that nobody is mailed twice for a week."""

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    batch = models.ForeignKey(
        DigestBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "subscriber"], name="delivery_once_per_week"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.RETRY) | Q(next_attempt_at__isnull=False),
                name="delivery_retry_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FINISHED) | Q(finished_at__isnull=False),
                name="delivery_finished_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "status"]),
            models.Index(fields=["batch", "status"]),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.run} to {self.subscriber_id}: {self.status}"
