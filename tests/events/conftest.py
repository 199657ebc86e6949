"""Factories for events and notes, shared by the events tests and the browser journey."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from events.models import Event, EventNote, KeyPoint, Speaker, Status

_counter = itertools.count(1)
_NEXT_WEEK = object()


def make_event(
    *,
    starts_at: datetime | None | object = _NEXT_WEEK,
    hours: float | None = 2,
    tags: tuple[str, ...] = (),
    status: str = Status.PUBLISHED,
    **fields,
) -> Event:
    """A saved event; by default published, starting in a week and lasting two hours.
    `starts_at=None` makes an undated one."""
    n = next(_counter)
    fields.setdefault("title", f"Round table number {n}")
    fields.setdefault("organiser", "A Better Way")
    if starts_at is _NEXT_WEEK:
        starts_at = timezone.now() + timedelta(days=7)
    if starts_at is not None and hours is not None:
        # In UTC: Python adds to a zoned time on the wall clock and drops `fold`.
        fields.setdefault("ends_at", starts_at.astimezone(UTC) + timedelta(hours=hours))
    event = Event.objects.create(starts_at=starts_at, status=status, **fields)
    if tags:
        event.tags.set(list(tags))
    return event


def make_note(
    *,
    event: Event,
    key_points: tuple[str, ...] = ("First point", "Second point"),
    speakers: tuple[tuple[str, str], ...] = (("Jen Wallace", "speaker"),),
    tags: tuple[str, ...] = (),
    status: str = Status.PUBLISHED,
    **fields,
) -> EventNote:
    n = next(_counter)
    fields.setdefault("title", f"Notes number {n}")
    fields.setdefault("summary", f"What meeting {n} was about and what came out of it.")
    fields.setdefault("body", "Some **notes**.")
    note = EventNote.objects.create(event=event, status=status, **fields)
    KeyPoint.objects.bulk_create(
        KeyPoint(note=note, text=text, position=i) for i, text in enumerate(key_points)
    )
    Speaker.objects.bulk_create(
        Speaker(note=note, name=name, role=role, position=i)
        for i, (name, role) in enumerate(speakers)
    )
    if tags:
        note.tags.set(list(tags))
    return note
