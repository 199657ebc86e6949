"""Reads that assemble stakeholder pages."""

from __future__ import annotations

from django.db.models import Count, F, Func, Q
from django.db.models.functions import Lower
from taggit.models import Tag

from config.pagecache import remember
from events.models import Event, EventNote
from practice.models import WriteUp
from practice.publishing import tags_on_published
from stakeholders.models import (
    Delivery,
    DeliveryStatus,
    DigestRun,
    Role,
    Subscriber,
    SubscriberStatus,
)

# With more topics than this, the most used come first in a group of their own.
GROUP_FROM = 12
MOST_USED = 8


def topic_choices(*, keep: list[str] | tuple[str, ...] = ()) -> list:
    """The topics fields' choices (see _topic_choices); without `keep` (sign-up), kept
    until content changes (config/pagecache.remember)."""
    if keep:
        return _topic_choices(keep=keep)
    return remember("topic-choices", _topic_choices)


def _topic_choices(*, keep: list[str] | tuple[str, ...] = ()) -> list:
    """Tags on published content, as (slug, name), for the topics fields; past GROUP_FROM
    of them, grouped: the MOST_USED most used, then every other topic, each group sorted
    case-insensitively (so "appointments" does not come after "JSNA" and "NHS"). `keep`
    holds a subscriber's existing topics so a tag that falls out of use stays visible (and
    removable) on their page."""

    published = tags_on_published((WriteUp, EventNote, Event))
    tags = list(
        Tag.objects.filter(published | Q(slug__in=list(keep)))
        .annotate(uses=Count("taggit_taggeditem_items", filter=published))
        .order_by(Lower("name"), "name")
        .values_list("slug", "name", "uses")
    )
    if len(tags) <= GROUP_FROM:
        return [(slug, name) for slug, name, _ in tags]
    most = {slug for slug, _, _ in sorted(tags, key=lambda tag: -tag[2])[:MOST_USED]}
    return [
        ("Most used", [(slug, name) for slug, name, _ in tags if slug in most]),
        ("Every other topic", [(slug, name) for slug, name, _ in tags if slug not in most]),
    ]


def subscriber_counts() -> dict:
    """Counts for the staff page: by status, by role (receiving only) and by topic."""
    by_status = dict(
        Subscriber.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    receiving = Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED)
    by_role = dict(
        receiving.order_by().values_list("role").annotate(n=Count("pk")).values_list("role", "n")
    )
    by_topic = list(
        receiving.filter(all_topics=False)
        .annotate(topic=Func(F("topics"), function="unnest"))
        .values("topic")
        .annotate(n=Count("pk"))
        .order_by("-n", "topic")
    )
    return {
        "status": [(label, by_status.get(value, 0)) for value, label in SubscriberStatus.choices],
        "role": [(label, by_role.get(value, 0)) for value, label in Role.choices],
        "everything": receiving.filter(all_topics=True).count(),
        "paused": receiving.filter(paused=True).count(),
        "topics": by_topic,
    }


def run_history(*, limit: int = 26):
    def count(status: str) -> Count:
        return Count("deliveries", filter=Q(deliveries__status=status))

    return DigestRun.objects.annotate(
        sent=count(DeliveryStatus.SENT),
        skipped=count(DeliveryStatus.SKIPPED),
        failed=count(DeliveryStatus.FAILED),
        retrying=count(DeliveryStatus.RETRY),
        in_doubt=count(DeliveryStatus.IN_DOUBT),
        waiting=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        ),
    ).order_by("-week")[:limit]


def in_doubt_deliveries(*, limit: int = 200):
    """Digests that may or may not have arrived (their worker stopped mid-send), newest
    first, for staff to check with the people concerned or the relay's logs."""
    return (
        Delivery.objects.filter(status=DeliveryStatus.IN_DOUBT)
        .select_related("run", "subscriber")
        .order_by("-claimed_at", "-pk")[:limit]
    )
