"""Writes that change a subscription or send mail about it.

Replies never depend on whether an address is already known: the caller shows the same
page either way, and only the mailbox's owner learns anything (from the email they get).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from stakeholders.consent import current_consent
from stakeholders.mail import LinkReason
from stakeholders.models import RateLimitHit, SpentFormToken, Subscriber, SubscriberStatus
from stakeholders.tasks import send_subscription_mail
from stakeholders.tokens import Purpose, TokenError, TokenProblem, subscriber_from_token

# Per address: enough for a typo and a retry; per IP: an office or a shared network.
LIMITS = {"email": (3, timedelta(hours=1)), "ip": (10, timedelta(hours=1))}


@dataclass(frozen=True)
class Choices:
    name: str
    organisation: str
    role: str
    all_topics: bool
    topics: list[str]
    region: str


def _hash(value: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), value.lower().encode(), hashlib.sha256
    ).hexdigest()


def rate_limit_hit(*, email: str, ip: str, kind: str, now: datetime | None = None) -> str:
    """Count one request; return a message if this address or IP has asked too often."""
    now = now or timezone.now()
    keys = {"email": _hash(email), "ip": _hash(ip or "unknown")}
    for scope, key in keys.items():
        limit, window = LIMITS[scope]
        recent = RateLimitHit.objects.filter(
            scope=scope, key_hash=key, created_at__gte=now - window
        ).count()
        if recent >= limit:
            who = "this email address" if scope == "email" else "your network"
            return (
                f"We have had too many requests from {who} in the last hour. "
                "Please wait an hour and try again."
            )
    RateLimitHit.objects.bulk_create(
        [RateLimitHit(scope=s, key_hash=k, kind=kind, created_at=now) for s, k in keys.items()]
    )
    return ""


def _mail_later(subscriber_id: int | None, reason: LinkReason) -> None:
    """Queue the mail for the task worker: the web process never waits for (or fails with)
    the relay. Called after the sign-up's transaction has committed, so the worker always
    finds the row and a rolled-back sign-up never sends a link."""
    send_subscription_mail.enqueue(subscriber_id, reason.value)


def form_token_spend(*, nonce: str, now: datetime | None = None) -> bool:
    """Record that a sign-up form's anti-bot token was used; False if it already was, so
    one token serves one submission."""
    try:
        with transaction.atomic():
            SpentFormToken.objects.create(nonce=nonce, spent_at=now or timezone.now())
    except IntegrityError:
        return False
    return True


def _apply_choices(subscriber: Subscriber, choices: Choices) -> None:
    subscriber.name = choices.name
    subscriber.organisation = choices.organisation
    subscriber.role = choices.role
    subscriber.all_topics = choices.all_topics
    subscriber.topics = [] if choices.all_topics else sorted(set(choices.topics))
    subscriber.region = choices.region


def subscriber_signup(*, email: str, choices: Choices, now: datetime | None = None) -> None:
    """Record a sign-up and enqueue the right email. A new or lapsed address gets a
    confirmation link; a confirmed one gets its preferences link and keeps its choices,
    because whoever typed the address may not own it."""
    now = now or timezone.now()
    version, wording = current_consent()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        already = subscriber is not None and subscriber.status == SubscriberStatus.CONFIRMED
        if not already:
            if subscriber is None:
                subscriber = Subscriber(email=email, created_at=now)
            _apply_choices(subscriber, choices)
            subscriber.status = SubscriberStatus.PENDING
            subscriber.paused = False
            subscriber.consent_version = version
            subscriber.consent_text = wording
            subscriber.consented_at = now
            subscriber.save()
    _mail_later(subscriber.pk, LinkReason.SIGNUP)


class ConfirmOutcome:
    CONFIRMED = "confirmed"
    ALREADY = "already"


def subscriber_confirm(*, token: str, now: datetime | None = None) -> tuple[str, Subscriber]:
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = subscriber_from_token(token, Purpose.CONFIRM, for_update=True)
        if subscriber.status == SubscriberStatus.CONFIRMED:
            return ConfirmOutcome.ALREADY, subscriber
        if subscriber.status != SubscriberStatus.PENDING:
            # Unsubscribed since the link was sent: an old confirmation must not undo that.
            raise TokenError(TokenProblem.UNKNOWN)
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["status", "confirmed_at"])
    return ConfirmOutcome.CONFIRMED, subscriber


def subscriber_update_preferences(*, subscriber: Subscriber, choices: Choices) -> None:
    _apply_choices(subscriber, choices)
    subscriber.save(
        update_fields=["name", "organisation", "role", "all_topics", "topics", "region"]
    )


def subscriber_set_paused(*, subscriber: Subscriber, paused: bool) -> None:
    subscriber.paused = paused
    subscriber.save(update_fields=["paused"])


def subscriber_unsubscribe(*, subscriber: Subscriber, now: datetime | None = None) -> None:
    if subscriber.status in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.ERASED):
        return
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = now or timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at"])


def subscriber_resubscribe(*, subscriber: Subscriber) -> None:
    """Undo an unsubscribe from the preferences page: the owner of the link confirmed
    the address once already, so no second opt-in is needed."""
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED or subscriber.confirmed_at is None:
        return
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.unsubscribed_at = None
    subscriber.save(update_fields=["status", "unsubscribed_at"])


def subscriber_erase(*, subscriber: Subscriber, now: datetime | None = None) -> None:
    """Blank every personal field and void every link; role, topics, region and the
    delivery history stay as anonymous counts."""
    subscriber.email = None
    subscriber.name = ""
    subscriber.organisation = ""
    subscriber.status = SubscriberStatus.ERASED
    subscriber.paused = False
    subscriber.key = uuid.uuid4()
    subscriber.consent_text = ""
    subscriber.erased_at = now or timezone.now()
    subscriber.save()


def subscriber_export(*, subscriber: Subscriber) -> dict:
    deliveries = subscriber.deliveries.select_related("run").order_by("run__week")
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "organisation": subscriber.organisation,
        "role": subscriber.get_role_display(),
        "topics": "everything" if subscriber.all_topics else subscriber.topics,
        "region": subscriber.get_region_display() if subscriber.region else "",
        "status": subscriber.get_status_display(),
        "paused": subscriber.paused,
        "signed_up_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "consent": {
            "version": subscriber.consent_version,
            "wording": subscriber.consent_text,
            "agreed_at": subscriber.consented_at.isoformat(),
        },
        "digests": [
            {
                "week": d.run.week.isoformat(),
                "status": d.get_status_display(),
                "items": d.item_count,
                "finished_at": d.finished_at.isoformat() if d.finished_at else None,
            }
            for d in deliveries
        ],
    }


def preferences_link_request(*, email: str) -> None:
    """Enqueue a fresh preferences link for the address, which the worker sends if it is
    known (someone who never confirmed gets the confirmation link again). The same query
    and the same enqueue happen for an unknown address, so the reply takes the same time
    and says nothing about who subscribes."""
    subscriber_id = (
        Subscriber.objects.filter(email__iexact=email)
        .exclude(status=SubscriberStatus.ERASED)
        .values_list("pk", flat=True)
        .first()
    )
    _mail_later(subscriber_id, LinkReason.LINK)
