"""Choosing and rendering each subscriber's digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from stakeholders.digest.sources import DigestItem, new_items, upcoming_items
from stakeholders.links import manage_links, recipient
from stakeholders.mail import render_text
from stakeholders.mime import AlternativeEmail
from stakeholders.models import Delivery, DeliveryStatus, DigestRun, Subscriber

# Twenty items fill a phone screen many times over; the rest are a click away.
MAX_ITEMS_SHOWN = 20
FIRST_DIGEST_LOOKBACK = timedelta(days=7)
# A subscriber back from a long pause gets at most four weeks of news, not a year's.
LONGEST_LOOKBACK = timedelta(days=28)
UPCOMING_WINDOW = timedelta(weeks=4)


# --- Choosing what one subscriber gets ----------------------------------------------------


@dataclass(frozen=True)
class Interests:
    """Everything that decides a digest's items; subscribers who share it share the work."""

    since: datetime
    all_topics: bool
    topics: frozenset[str]
    region: str

    def wants(self, item: DigestItem) -> bool:
        return self.all_topics or bool(item.tag_slugs & self.topics)


@dataclass
class DigestContent:
    items: list[DigestItem]
    upcoming: list[DigestItem]
    total_new: int
    html_items: SafeString | str = ""
    text_items: str = ""
    html_upcoming: SafeString | str = ""
    text_upcoming: str = ""

    @property
    def is_empty(self) -> bool:
        return self.total_new == 0


def choose_items(
    interests: Interests, items: Sequence[DigestItem], upcoming: Sequence[DigestItem]
) -> DigestContent:
    chosen = [i for i in items if i.published_at >= interests.since and interests.wants(i)]
    # Stable sort: the subscriber's region first, newest first within each group.
    chosen.sort(key=lambda i: not (interests.region and i.region == interests.region))
    events = [e for e in upcoming if interests.wants(e)]
    events.sort(key=lambda e: not (interests.region and e.region == interests.region))
    return DigestContent(
        items=chosen[:MAX_ITEMS_SHOWN], upcoming=events[:10], total_new=len(chosen)
    )


def interests_for(subscriber: Subscriber, *, since: datetime) -> Interests:
    return Interests(
        since=since,
        all_topics=subscriber.all_topics,
        topics=frozenset(subscriber.topics),
        region=subscriber.region,
    )


def digest_since(*, previous_cutoff: datetime | None, cutoff: datetime) -> datetime:
    since = previous_cutoff or cutoff - FIRST_DIGEST_LOOKBACK
    return max(since, cutoff - LONGEST_LOOKBACK)


# --- Rendering ------------------------------------------------------------------------------


class ItemRenderer:
    """Renders each item once (plain and highlighted for its region) and joins the pieces
    per subscriber: across a batch, many people share each item but few share a whole list."""

    def __init__(self) -> None:
        self._cache: dict[tuple[DigestItem, bool, bool], tuple[str, str]] = {}

    def _piece(self, item: DigestItem, *, highlighted: bool, upcoming: bool) -> tuple[str, str]:
        key = (item, highlighted, upcoming)
        if key not in self._cache:
            name = "digest_event" if upcoming else "digest_item"
            context = {"item": item, "highlighted": highlighted}
            self._cache[key] = (
                render_to_string(f"emails/{name}.html", context),
                render_text(f"emails/{name}.txt", context),
            )
        return self._cache[key]

    def render(self, content: DigestContent, interests: Interests) -> None:
        def pieces(items: list[DigestItem], *, upcoming: bool) -> list[tuple[str, str]]:
            return [
                self._piece(
                    i,
                    highlighted=bool(interests.region) and i.region == interests.region,
                    upcoming=upcoming,
                )
                for i in items
            ]

        new = pieces(content.items, upcoming=False)
        soon = pieces(content.upcoming, upcoming=True)
        # Each HTML piece comes from an autoescaped template, so their join is safe HTML.
        content.html_items = mark_safe("".join(html for html, _ in new))  # noqa: S308
        content.text_items = "".join(text for _, text in new)
        content.html_upcoming = mark_safe("".join(html for html, _ in soon))  # noqa: S308
        content.text_upcoming = "".join(text for _, text in soon)


def digest_message(
    subscriber: Subscriber, content: DigestContent, *, week, connection=None
) -> AlternativeEmail:
    links = manage_links(subscriber)
    context = {
        "SITE_URL": settings.SITE_URL,
        "subscriber": subscriber,
        "content": content,
        "top": content.items[0] if content.items else None,
        "week": week,
        **links,
    }
    subject = " ".join(render_text("emails/digest.subject.txt", context).split())
    message = AlternativeEmail(
        subject=subject,
        body=render_text("emails/digest.txt", context),
        to=[recipient(subscriber)],
        connection=connection,
        headers={
            # RFC 8058: mail clients show an unsubscribe button that POSTs to the https URL.
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>, <{links['unsubscribe_mailto']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Wheelhouse weekly digest <digest.{settings.STAKEHOLDERS_MAIL_DOMAIN}>",
            "Auto-Submitted": "auto-generated",
            # The same id for the same week and person: a receiving server can drop a copy.
            "Message-ID": f"<digest-{week:%Y%m%d}-{subscriber.pk}@"
            f"{settings.STAKEHOLDERS_MAIL_DOMAIN}>",
        },
    )
    message.attach_alternative(render_to_string("emails/digest.html", context), "text/html")
    return message


def digest_preview(*, subscriber: Subscriber, now: datetime | None = None):
    """The digest `subscriber` would get if this week's run started now (for staff)."""
    now = now or timezone.now()
    previous = (
        Delivery.objects.filter(
            subscriber=subscriber,
            status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED],
            run__week__lt=DigestRun.week_of(now),
        )
        .aggregate(last=Max("run__cutoff"))
        .get("last")
    )
    interests = interests_for(subscriber, since=digest_since(previous_cutoff=previous, cutoff=now))
    content = choose_items(
        interests,
        new_items(since=interests.since, until=now),
        upcoming_items(start=now, end=now + UPCOMING_WINDOW),
    )
    if content.is_empty:
        return content, None
    ItemRenderer().render(content, interests)
    return content, digest_message(subscriber, content, week=DigestRun.week_of(now))
