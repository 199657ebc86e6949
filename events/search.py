"""Events and event notes in search: how each becomes a search entry.

Found by SearchConfig.ready(), as the admin finds admin.py; see search/registry.py.
"""

from __future__ import annotations

from events.models import Event, EventNote, Status
from search.registry import SearchDocument, register
from search.text import html_to_text


def event_document(event: Event) -> SearchDocument | None:
    if event.status != Status.PUBLISHED or event.published_at is None:
        return None
    return SearchDocument.of(
        event,
        summary=html_to_text(event.description_html)[:300],
        # Undated imported meetings sort by when they were published, but have no date.
        date=event.starts_at or event.published_at,
        date_known=event.shown_date is not None,
        organisation=event.organiser,
        region=event.region,
        sections=[event.place],
        body=html_to_text(event.description_html),
        family=f"event:{event.pk}",
    )


def note_document(note: EventNote) -> SearchDocument | None:
    # A published note of a draft event must stay hidden, like everywhere else (as
    # EventNote.objects.published() says), decided from the note and its event in memory:
    # a rebuild reads them for thousands of notes at once.
    event = note.event
    if note.status != Status.PUBLISHED or note.published_at is None:
        return None
    if event.status != Status.PUBLISHED:
        return None
    return SearchDocument.of(
        note,
        summary=note.summary,
        # Readers date notes by their meeting, not by when they were typed up.
        date=event.starts_at or note.published_at,
        date_known=note.shown_date is not None,
        organisation=event.organiser,
        region=event.region,
        sections=[point.text for point in note.key_points.all()] + note.question_list,
        body=html_to_text(note.body_html),
        family=f"event:{event.pk}",
    )


register(
    Event,
    kind="event",
    label="Event",
    document=event_document,
    published=lambda: Event.objects.published().prefetch_related("tags"),
    # Publishing or unpublishing an event shows or hides its notes.
    dependents=lambda event: event.notes.all(),
)
register(
    EventNote,
    kind="note",
    label="Event note",
    document=note_document,
    published=lambda: (
        EventNote.objects.published().select_related("event").prefetch_related("tags", "key_points")
    ),
)
