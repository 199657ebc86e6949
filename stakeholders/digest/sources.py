"""What is new: each source reads one content type's items for a whole batch at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from events.models import Event, EventNote
from practice.models import Region, WriteUp
from stakeholders.links import absolute


@dataclass(frozen=True)
class DigestItem:
    kind: str
    title: str
    url: str
    summary: str
    organisation: str
    region: str
    region_label: str
    tag_names: tuple[str, ...]
    tag_slugs: frozenset[str]
    published_at: datetime
    when: datetime | None = None  # start time, for events
    time_known: bool = True


_REGION_LABELS = dict(Region.choices)


def digest_item(
    obj: models.Model, *, kind: str, region: str, organisation: str, **fields
) -> DigestItem:
    """One item of any content type, from an object with a title, tags (prefetched) and a
    page; `fields` holds what differs by type (summary, published_at, when...)."""
    tags = list(obj.tags.all())
    fields.setdefault("summary", getattr(obj, "summary", ""))
    fields.setdefault("published_at", obj.published_at)
    return DigestItem(
        kind=kind,
        title=obj.title,
        url=absolute(obj.get_absolute_url()),
        organisation=organisation,
        region=region,
        region_label=_REGION_LABELS.get(region, ""),
        tag_names=tuple(t.name for t in tags),
        tag_slugs=frozenset(t.slug for t in tags),
        **fields,
    )


def writeup_items(*, since: datetime, until: datetime) -> list[DigestItem]:
    writeups = (
        WriteUp.objects.published()
        .filter(published_at__gte=since, published_at__lt=until)
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )
    return [
        digest_item(w, kind="Write-up", region=w.region, organisation=w.organisation)
        for w in writeups
    ]


def event_note_items(*, since: datetime, until: datetime) -> list[DigestItem]:
    notes = (
        EventNote.objects.published()
        .filter(published_at__gte=since, published_at__lt=until)
        .select_related("event")
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )
    return [
        digest_item(n, kind="Event note", region=n.event.region, organisation=n.organisation)
        for n in notes
    ]


def upcoming_event_items(*, start: datetime, end: datetime) -> list[DigestItem]:
    """Published, not cancelled events that start within the window."""
    events = (
        Event.objects.upcoming(start)
        .not_cancelled()
        .filter(starts_at__lt=end)
        .prefetch_related("tags")
    )
    return [
        digest_item(
            e,
            kind="Event",
            region=e.region,
            organisation=e.organiser,
            summary="",
            published_at=e.published_at or start,
            when=e.starts_at,
            time_known=e.time_recorded,
        )
        for e in events
    ]


NewItemSource = Callable[..., list[DigestItem]]
UpcomingSource = Callable[..., list[DigestItem]]
# New content types join the digest by adding a source function here.
NEW_ITEM_SOURCES: list[NewItemSource] = [writeup_items, event_note_items]
UPCOMING_SOURCES: list[UpcomingSource] = [upcoming_event_items]


def new_items(*, since: datetime, until: datetime) -> list[DigestItem]:
    items = [item for source in NEW_ITEM_SOURCES for item in source(since=since, until=until)]
    return sorted(items, key=lambda item: item.published_at, reverse=True)


def upcoming_items(*, start: datetime, end: datetime) -> list[DigestItem]:
    items = [item for source in UPCOMING_SOURCES for item in source(start=start, end=end)]
    return sorted(items, key=lambda item: item.when or item.published_at)
