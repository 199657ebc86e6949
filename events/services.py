"""Writes that span events, notes, speakers and key points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from events.importer import ImportedMeeting
from events.models import Event, EventNote, KeyPoint, Series, Speaker, Status
from practice.importer import ImportReport, not_yet_imported
from practice.models import WriteUp


@dataclass
class SpeakerData:
    name: str
    organisation: str = ""
    role: str = "speaker"
    custom_role: str = ""


def series_for_name(*, name: str) -> tuple[Series | None, bool]:
    """The series called `name`, ignoring capitals, or a new one; and whether it is new."""
    name = " ".join(name.split())
    if not name:
        return None, False
    existing = Series.objects.filter(name__iexact=name).first()
    if existing:
        return existing, False
    return Series.objects.create(name=name), True


def _replace_speakers(*, owner: Event | EventNote, speakers: Iterable[SpeakerData]) -> None:
    owner.speakers.all().delete()
    link = {"event": owner} if isinstance(owner, Event) else {"note": owner}
    Speaker.objects.bulk_create(
        Speaker(
            name=speaker.name,
            organisation=speaker.organisation,
            role=speaker.role,
            custom_role=speaker.custom_role,
            position=index,
            **link,
        )
        for index, speaker in enumerate(speakers)
    )


def _replace_key_points(*, note: EventNote, key_points: Iterable[str]) -> None:
    note.key_points.all().delete()
    KeyPoint.objects.bulk_create(
        KeyPoint(note=note, text=text, position=index)
        for index, text in enumerate(point for point in key_points if point.strip())
    )


def event_save(
    *, event: Event, tags: list[str], speakers: list[SpeakerData] | None = None
) -> Event:
    with transaction.atomic():
        event.save()
        event.tags.set(tags)
        if speakers is not None:
            _replace_speakers(owner=event, speakers=speakers)
    return event


def note_save(
    *,
    note: EventNote,
    tags: list[str],
    key_points: list[str],
    speakers: list[SpeakerData],
    related_writeups: list[WriteUp],
    related_notes: list[EventNote],
) -> EventNote:
    """Save a note with everything that hangs off it, all or nothing.

    Search indexes it once, after the commit, key points and tags included (search/signals.py).
    """
    with transaction.atomic():
        note.save()
        note.tags.set(tags)
        _replace_key_points(note=note, key_points=key_points)
        _replace_speakers(owner=note, speakers=speakers)
        note.related_writeups.set(related_writeups)
        note.related_notes.set([other for other in related_notes if other.pk != note.pk])
    return note


def meeting_save(
    *, event: Event, event_tags: list[str], note: EventNote, **note_fields
) -> EventNote:
    """An event and its notes in one go, for a meeting that was never listed; `note_fields`
    are `note_save`'s (tags, key_points, speakers, related_writeups, related_notes)."""
    with transaction.atomic():
        event_save(event=event, tags=event_tags)
        note.event = event
        return note_save(note=note, **note_fields)


# --- Import ------------------------------------------------------------------------------


@dataclass
class MeetingImportReport(ImportReport):
    undated: list[str] = field(default_factory=list)


def _whole_day(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in local time: the text gives a day but no time."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def meetings_import(
    *, meetings: list[ImportedMeeting], status: str = Status.PUBLISHED, dry_run: bool = False
) -> MeetingImportReport:
    """An event with one note per meeting not imported before; each in its own transaction."""
    report = MeetingImportReport()
    touched_series: set[int] = set()
    for meeting in not_yet_imported(Event.objects.all(), meetings, report):
        if meeting.date is None:
            report.undated.append(meeting.title)
        if dry_run:
            continue
        with transaction.atomic():
            series, _ = series_for_name(name=meeting.series_name)
            starts_at, ends_at = _whole_day(meeting.date) if meeting.date else (None, None)
            now = timezone.now()
            event = Event(
                title=meeting.title,
                starts_at=starts_at,
                ends_at=ends_at,
                time_recorded=False,
                organiser=meeting.organiser,
                series=series,
                series_position=meeting.series_position,
                # The event's own facts, not the note's summary (which the note shows).
                description=meeting.description,
                status=status,
                published_at=now if status == Status.PUBLISHED else None,
                source_key=meeting.source_key,
            )
            event_save(event=event, tags=meeting.tags)
            note = EventNote(
                event=event,
                title=meeting.title,
                summary=meeting.summary,
                body=meeting.body,
                questions="\n".join(meeting.questions),
                status=status,
                published_at=now if status == Status.PUBLISHED else None,
                source_key=f"{meeting.source_key}:note",
            )
            note_save(
                note=note,
                tags=meeting.tags,
                key_points=meeting.key_points,
                speakers=[
                    SpeakerData(s.name, s.organisation, s.role, s.custom_role)
                    for s in meeting.speakers
                ],
                related_writeups=[],
                related_notes=[],
            )
            if series:
                touched_series.add(series.pk)
    # Notes of one series point at each other, as the source pages did with "the note of
    # the first meeting is here".
    for series_id in touched_series:
        notes = list(EventNote.objects.filter(event__series_id=series_id))
        for note in notes:
            note.related_notes.add(*[other for other in notes if other.pk != note.pk])
    return report
