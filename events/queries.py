"""Reads that assemble event pages. Each runs a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from config import pagecache, roles
from events.models import NOTE_TEXT_DEFERRED, Event, EventNote, Series, Status
from practice.models import WriteUp
from practice.queries import PAGE_SIZE
from search.forms import FilterForm, RegionField


class _EventFilterForm(FilterForm):
    region = RegionField()


@dataclass(frozen=True)
class EventFilters:
    """Tag and region from the query string; unknown values are ignored."""

    tag: str = ""
    region: str = ""

    @classmethod
    def from_query(cls, params) -> EventFilters:
        # People type topic names ("Health inequalities"); tags are matched by slug.
        return cls(
            tag=slugify(params.get("tag", "")[:100]),
            region=_EventFilterForm(params).value("region", ""),
        )

    @property
    def active(self) -> bool:
        return bool(self.active_count)

    @property
    def active_count(self) -> int:
        return sum(map(bool, (self.tag, self.region)))

    def apply(self, events):
        if self.tag:
            events = events.filter(tags__slug=self.tag)
        if self.region:
            events = events.filter(region=self.region)
        return events


def _published_notes() -> Prefetch:
    return Prefetch(
        "notes",
        queryset=EventNote.objects.published()
        .defer(*NOTE_TEXT_DEFERRED)
        .order_by("published_at", "pk"),
        to_attr="published_notes",
    )


def upcoming_page(filters: EventFilters, page_number) -> Page:
    # No .distinct(): the one join a filter makes (a tag, by its unique slug) matches at
    # most one row per event.
    now = timezone.now()
    events = filters.apply(Event.objects.upcoming(now)).for_listing()
    return Paginator(events.compiled("upcoming", filters, now=now), PAGE_SIZE).get_page(page_number)


def past_page(filters: EventFilters, page_number) -> Page:
    now = timezone.now()
    events = (
        filters.apply(Event.objects.past(now)).for_listing().prefetch_related(_published_notes())
    )
    return Paginator(events.compiled("past", filters, now=now), PAGE_SIZE).get_page(page_number)


def staff_drafts(user) -> dict | None:
    """Drafts for staff to finish; nobody else learns that they exist."""
    if not roles.is_editor(user):
        return None
    return {
        "events": list(Event.objects.exclude(status=Status.PUBLISHED).order_by("-updated_at")[:20]),
        "notes": list(
            EventNote.objects.exclude(status=Status.PUBLISHED)
            .select_related("event")
            .order_by("-updated_at")[:20]
        ),
    }


def related_writeups(tags: list[Tag], *, limit: int = 4):
    tag_ids = [tag.pk for tag in tags]
    return (
        WriteUp.objects.published()
        .filter(tags__in=tag_ids)
        .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids)))
        .order_by("-shared_tags", "-published_at", "-pk")
        .with_tags()[:limit]
    )


def event_page(user, slug: str) -> dict:
    event = get_object_or_404(
        Event.objects.visible_to(user)
        .select_related("series")
        .prefetch_related("speakers")
        .with_tags(),
        slug=slug,
    )
    notes = list(
        EventNote.objects.visible_to(user)
        .filter(event=event)
        .order_by("published_at", "pk")
        .prefetch_related("speakers", "key_points")
        .with_tags()
    )
    speakers = list(event.speakers.all())
    if not speakers:
        seen: set[str] = set()
        for note in notes:
            for speaker in note.speakers.all():
                if speaker.name.lower() not in seen:
                    seen.add(speaker.name.lower())
                    speakers.append(speaker)
    return {
        "event": event,
        "notes": notes,
        "speakers": speakers,
        "related": related_writeups(list(event.tags.all())),
    }


def series_meetings(series_id: int):
    return (
        Event.objects.published()
        .filter(series_id=series_id)
        .order_by(
            F("series_position").asc(nulls_last=True), F("starts_at").asc(nulls_last=True), "pk"
        )
    )


def note_page(user, slug: str) -> dict:
    note = get_object_or_404(
        EventNote.objects.visible_to(user)
        .select_related("event", "event__series", "author")
        .with_tags()
        .prefetch_related(
            "speakers",
            "key_points",
            # As cards: their long text is read only on their own pages.
            Prefetch("related_writeups", queryset=WriteUp.objects.published().for_listing()),
            Prefetch("related_notes", queryset=EventNote.objects.published().for_cards()),
        ),
        slug=slug,
    )
    previous_meeting = next_meeting = None
    if note.event.series_id:
        meetings = list(series_meetings(note.event.series_id).only("pk", "title", "slug"))
        index = next((i for i, m in enumerate(meetings) if m.pk == note.event_id), None)
        if index is not None:
            previous_meeting = meetings[index - 1] if index > 0 else None
            next_meeting = meetings[index + 1] if index + 1 < len(meetings) else None
        neighbours = [m for m in (previous_meeting, next_meeting) if m]
        if neighbours:
            first_notes: dict[int, EventNote] = {}
            for other in (
                EventNote.objects.published()
                .filter(event__in=neighbours)
                .order_by("published_at", "pk")
                .only("pk", "slug", "title", "event_id")
            ):
                first_notes.setdefault(other.event_id, other)
            for meeting in neighbours:
                meeting.first_note = first_notes.get(meeting.pk)
    tags = " ".join(tag.name for tag in note.tags.all())
    return {
        "note": note,
        "event": note.event,
        "previous_meeting": previous_meeting,
        "next_meeting": next_meeting,
        # The same measure as the "Has this been done before?" panel.
        "similar": pagecache.related_items(
            kind="note", pk=note.pk, text=f"{note.title} {note.summary} {tags}", limit=4
        ),
    }


def series_page(slug: str) -> dict:
    series = get_object_or_404(Series, slug=slug)
    meetings = list(
        series_meetings(series.pk)
        .select_related("series")
        .prefetch_related(_published_notes())
        .with_tags()
    )
    return {"series": series, "meetings": meetings}


def tagged(tag: Tag, *, limit: int = 10) -> dict:
    """Published events and notes with `tag`, for the tag page: two queries."""
    return {
        "events": list(
            Event.objects.published()
            .filter(tags=tag)
            .for_cards()
            .order_by(F("starts_at").desc(nulls_last=True), "-pk")
            .compiled("tagged", tag.pk)[:limit]
        ),
        "notes": list(
            EventNote.objects.published()
            .filter(tags=tag)
            .for_cards()
            .compiled("tagged", tag.pk)[:limit]
        ),
    }


def home_panels() -> dict:
    now = timezone.now()
    return {
        "upcoming_events": list(
            Event.objects.upcoming(now).for_cards().compiled("home", now=now)[:3]
        ),
        "latest_notes": list(EventNote.objects.published().for_cards().compiled("home")[:3]),
    }
