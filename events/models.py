from __future__ import annotations

import uuid
from datetime import date, datetime
from urllib.parse import urlsplit

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager

from practice.markdown import render_markdown
from practice.models import Region, WriteUp
from practice.publishing import Publishable, PublishableQuerySet, Status, slug_url, unique_slug

# Event URLs live beside these fixed pages, so no event may take their slug.
RESERVED_SLUGS = {"past", "new", "series", "notes", "feed", "write-up"}


def event_slug(model: type[models.Model], title: str, *, exclude_pk: int | None) -> str:
    slug = unique_slug(model, title, exclude_pk=exclude_pk)
    if slug in RESERVED_SLUGS:
        slug = unique_slug(model, f"{title} meeting", exclude_pk=exclude_pk)
    return slug


class Series(models.Model):
    """Meetings that belong together, such as the two "Better leadership" round tables."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True, max_length=5_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="series_name_unique_ignoring_case",
                violation_error_message="A series with this name already exists "
                "(names are compared ignoring capitals): pick it instead of creating another.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = " ".join(self.name.split())
        if not self.slug:
            self.slug = unique_slug(Series, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return slug_url("events:series", self.slug)


class EventQuerySet(PublishableQuerySet):
    def not_cancelled(self) -> EventQuerySet:
        """For digests and reminders; lists and the feed keep cancelled events, marked."""
        return self.filter(is_cancelled=False)

    def in_future(self, now: datetime | None = None) -> EventQuerySet:
        """Not over yet (an event that has started but not ended still counts), soonest first."""
        now = now or timezone.now()
        return self.filter(
            Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)
        ).order_by("starts_at", "pk")

    def in_past(self, now: datetime | None = None) -> EventQuerySet:
        """Over, or never dated (imported notes of meetings whose date the text omits)."""
        now = now or timezone.now()
        return self.filter(
            Q(starts_at__isnull=True)
            | Q(ends_at__lt=now)
            | Q(ends_at__isnull=True, starts_at__lt=now)
        ).order_by(F("starts_at").desc(nulls_last=True), "-pk")

    def upcoming(self, now: datetime | None = None) -> EventQuerySet:
        """Published events that have not ended, soonest first."""
        return self.published().in_future(now)

    def past(self, now: datetime | None = None) -> EventQuerySet:
        """Published events that are over, newest first; undated ones last."""
        return self.published().in_past(now)

    def for_listing(self) -> EventQuerySet:
        return self.for_cards().with_tags()

    def for_cards(self) -> EventQuerySet:
        """What an event's card shows (no topics): a small list, such as the home page's."""
        return self.select_related("series").defer(*EVENT_LISTING_DEFERRED)


# What a card never shows: the long text, read only on the item's own page.
EVENT_LISTING_DEFERRED = ("description", "description_html")
NOTE_TEXT_DEFERRED = ("body", "body_html", "questions")
NOTE_LISTING_DEFERRED = (
    *NOTE_TEXT_DEFERRED,
    *(f"event__{name}" for name in EVENT_LISTING_DEFERRED),
)


# Changes to these fields change what a calendar app shows, so they bump SEQUENCE.
CALENDAR_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "time_recorded",
    "is_online",
    "venue",
    "address",
    "description",
    "booking_url",
    "is_cancelled",
    "status",
)


class Event(Publishable):
    """A meeting, round table or conference, listed before it happens and written up after."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty when the date was never recorded."
    )
    ends_at = models.DateTimeField(null=True, blank=True)
    time_recorded = models.BooleanField(
        default=True,
        help_text="Off when only the day is known: pages then show the date without a time.",
    )
    is_online = models.BooleanField("online event", default=False)
    venue = models.CharField(max_length=200, blank=True)
    # Text limits: README, "How content stays safe" (enforced by the forms and the admin).
    address = models.TextField(blank=True, max_length=500)
    organiser = models.CharField(
        max_length=200, blank=True, help_text="The organisation that runs the event."
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    series_position = models.PositiveSmallIntegerField(
        "meeting number in the series",
        null=True,
        blank=True,
        help_text="Optional: 1 for the first meeting, 2 for the second. Without it, meetings "
        "of a series are ordered by date.",
    )
    description = MarkdownxField(blank=True, max_length=20_000)
    # Derived from the limited description, never typed: no limit of its own.
    description_html = models.TextField(blank=True, editable=False)
    booking_url = models.URLField("booking link", max_length=500, blank=True)
    tags = TaggableManager(blank=True)
    region = models.CharField(max_length=32, choices=Region.choices, blank=True)
    is_cancelled = models.BooleanField("cancelled", default=False)
    # RFC 5545 SEQUENCE: calendar apps replace their copy only when this grows.
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = [F("starts_at").desc(nulls_last=True), "-pk"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=False, ends_at__gte=F("starts_at")),
                name="event_ends_after_it_starts",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = event_slug(Event, self.title, exclude_pk=self.pk)
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()  # before the calendar compares its fields
        if self._calendar_changed():
            self.sequence += 1
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)
        self._calendar_snapshot = self._calendar_values()

    def get_absolute_url(self) -> str:
        return slug_url("events:detail", self.slug)

    def get_ics_url(self) -> str:
        return reverse("events:ics", kwargs={"slug": self.slug})

    @property
    def booking_link(self) -> str:
        """The booking URL if it is a web address, else "". The form refuses any other
        scheme, but a link saved by code or the shell must not become a `javascript:` link
        on the page either."""
        scheme = urlsplit(self.booking_url.strip()).scheme.lower()
        return self.booking_url if scheme in ("http", "https") else ""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._calendar_snapshot = instance._calendar_values()
        return instance

    def _calendar_values(self) -> dict:
        # Only loaded fields: reading a deferred one here would query (and recurse).
        return {name: self.__dict__[name] for name in CALENDAR_FIELDS if name in self.__dict__}

    def _calendar_changed(self) -> bool:
        snapshot = getattr(self, "_calendar_snapshot", None)
        if snapshot is None:
            return False
        return any(self.__dict__.get(name) != value for name, value in snapshot.items())

    @property
    def shown_date(self) -> date | None:
        """The day of the meeting, for readers; None when it was never recorded (imported
        notes often give none). Never the day the event was published or imported."""
        return timezone.localdate(self.starts_at) if self.starts_at else None

    @property
    def finishes_at(self) -> datetime | None:
        return self.ends_at or self.starts_at

    @property
    def is_past(self) -> bool:
        return self.starts_at is None or self.finishes_at < timezone.now()

    @property
    def place(self) -> str:
        if self.is_online:
            return "Online"
        return ", ".join(part for part in (self.venue, " ".join(self.address.split())) if part)


class EventNoteQuerySet(PublishableQuerySet):
    def published(self) -> EventNoteQuerySet:
        """Published notes of published events: a note must not reveal a draft event."""
        return super().published().filter(event__status=Status.PUBLISHED)

    def for_listing(self) -> EventNoteQuerySet:
        return (
            self.select_related("event", "event__series").defer(*NOTE_LISTING_DEFERRED).with_tags()
        )

    def for_cards(self) -> EventNoteQuerySet:
        """What a note's card shows (no topics): a small list, such as the home page's."""
        return self.select_related("event").defer(*NOTE_LISTING_DEFERRED)


class EventNote(Publishable):
    """What happened at a meeting: who spoke, the key points, and questions to explore next."""

    # PROTECT: deleting an event must never silently take its notes with it.
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="notes")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(
        max_length=300, help_text="Plain text, at most 300 characters. Shown in lists."
    )
    # The largest demo notes are 8,066 characters; rendered HTML is derived, never typed.
    body = MarkdownxField(blank=True, max_length=50_000)
    body_html = models.TextField(blank=True, editable=False)
    questions = models.TextField(
        "questions to explore next",
        blank=True,
        max_length=5_000,
        help_text="One question per line.",
    )
    related_writeups = models.ManyToManyField(
        WriteUp, blank=True, related_name="event_notes", verbose_name="related write-ups"
    )
    related_notes = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="linked_from"
    )
    tags = TaggableManager(blank=True)

    objects = EventNoteQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(EventNote, self.title, exclude_pk=self.pk)
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return slug_url("events:note", self.slug)

    @property
    def organisation(self) -> str:
        """Who ran the meeting, for digests and search results that show an organisation."""
        return self.event.organiser

    @property
    def shown_date(self) -> date | None:
        """The date to show readers: notes are dated by their meeting (as search dates
        them), so the event's day; None when it was never recorded. Never the day the note
        was published or imported."""
        return self.event.shown_date

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class SpeakerRole(models.TextChoices):
    CHAIR = "chair", "Chair"
    SPEAKER = "speaker", "Speaker"
    THOUGHT_LEADER = "thought-leader", "Thought leader"
    PROVOCATEUR = "provocateur", "Provocateur"
    RESPONDENT = "respondent", "Respondent"
    PANELLIST = "panellist", "Panellist"
    OTHER = "other", "Another role"


class Speaker(models.Model):
    """Someone who spoke: listed on an event before it happens, or on the note afterwards."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="speakers"
    )
    note = models.ForeignKey(
        EventNote, on_delete=models.CASCADE, null=True, blank=True, related_name="speakers"
    )
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=SpeakerRole.choices, default="speaker")
    custom_role = models.CharField(
        "other role", max_length=80, blank=True, help_text="When the role is not in the list."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(event__isnull=True, note__isnull=False)
                | Q(event__isnull=False, note__isnull=True),
                name="speaker_belongs_to_event_or_note",
            ),
            models.CheckConstraint(
                condition=~Q(role=SpeakerRole.OTHER) | ~Q(custom_role=""),
                name="speaker_other_role_is_named",
                violation_error_message="Type the role when it is not in the list.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role_label})"

    @property
    def role_label(self) -> str:
        if self.role == SpeakerRole.OTHER:
            return self.custom_role
        return self.get_role_display()


class KeyPoint(models.Model):
    note = models.ForeignKey(EventNote, on_delete=models.CASCADE, related_name="key_points")
    # As long as the whole key points box of the note form, so any point typed there fits.
    text = models.TextField(max_length=10_000)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["note", "position"], name="keypoint_position_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="keypoint_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:80]
