from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods
from reversion.views import create_revision

from config import roles
from events import calendar, queries, services
from events.forms import (
    EventForm,
    EventNoteForm,
    SpeakerFormSet,
    speaker_initial,
)
from events.models import Event, EventNote, Status
from practice import queries as practice_queries
from practice import workflow
from practice.models import Region
from practice.permissions import editable_or_404, writer_required
from practice.stale import changed_since_opened
from search.similar import similar_items, similar_text


def _list(request: HttpRequest, *, when: str) -> HttpResponse:
    filters = queries.EventFilters.from_query(request.GET)
    page_for = queries.upcoming_page if when == "upcoming" else queries.past_page
    return render(
        request,
        "events/event_list.html",
        {
            "when": when,
            "page_obj": page_for(filters, request.GET.get("page")),
            "filters": filters,
            "filter_tag": practice_queries.shown_tag(filters.tag, request.user, (Event, EventNote)),
            "regions": Region.choices,
            "drafts": queries.staff_drafts(request.user) if when == "upcoming" else None,
        },
    )


def upcoming(request: HttpRequest) -> HttpResponse:
    return _list(request, when="upcoming")


def past(request: HttpRequest) -> HttpResponse:
    return _list(request, when="past")


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "events/event_detail.html", queries.event_page(request.user, slug))


def note_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "events/note_detail.html", queries.note_page(request.user, slug))


def series_detail(request: HttpRequest, slug: str) -> HttpResponse:
    context = queries.series_page(slug)
    if not context["meetings"] and not roles.is_editor(request.user):
        raise Http404("This series has no published meetings.")
    return render(request, "events/series_detail.html", context)


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.published().with_tags(), slug=slug, starts_at__isnull=False
    )
    return _calendar_response(calendar.calendar_for([event], name=event.title), f"{slug}.ics")


# Calendar apps poll the feed; it holds only published events, so shared caches may keep it.
@cache_control(public=True, max_age=900)
def feed_ics(request: HttpRequest) -> HttpResponse:
    # Cancelled events stay in the feed (as CANCELLED) so subscribed calendars update.
    events = Event.objects.upcoming().with_tags()[:500]
    response = _calendar_response(
        calendar.calendar_for(events, name="Wheelhouse events"), "wheelhouse-events.ics"
    )
    response["Content-Disposition"] = 'inline; filename="wheelhouse-events.ics"'
    return response


# --- Staff ---------------------------------------------------------------------------------


def _apply_action(request: HttpRequest, item: Event | EventNote) -> None:
    """The form's button, as practice.workflow.apply_action takes it (only editors publish;
    a contributor submits for review)."""
    workflow.apply_action(request.user, item, request.POST.get("action"))


def _saved_message(request: HttpRequest, item: Event | EventNote, what: str) -> None:
    messages.success(
        request,
        f"{what} published: it is now on the site."
        if item.status == Status.PUBLISHED
        else f"{what} sent for review: an editor will publish them or send them back."
        if item.status == Status.IN_REVIEW
        else f"{what} saved as a draft. "
        + (
            "Only staff can see it."
            if roles.is_editor(request.user)
            else "Only you and editors can see it."
        ),
    )


def _save_event_form(request: HttpRequest, form: EventForm) -> Event:
    event = form.build_event()
    _apply_action(request, event)
    with transaction.atomic():
        series, created = services.series_for_name(name=form.cleaned_data["series_name"])
        event.series = series
        services.event_save(event=event, tags=form.cleaned_data["tags"])
    if form.series_message:
        messages.info(request, form.series_message)
    elif created:
        messages.info(request, f"Started a new series, “{series.name}”.")
    return event


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def event_create(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = _save_event_form(request, form)
        _saved_message(request, event, "Event")
        return redirect(event)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = editable_or_404(request.user, Event.objects.select_related("series"), slug=slug)
    form = EventForm(request.POST or None, instance=event)
    stale = None
    if request.method == "POST" and form.is_valid():
        stale = changed_since_opened(request, event)
        if stale is None:
            event = _save_event_form(request, form)
            _saved_message(request, event, "Event")
            return redirect(event)
    return render(request, "events/event_form.html", {"form": form, "event": event, "stale": stale})


def _note_forms(request: HttpRequest, *, note: EventNote | None, event: Event | None):
    if request.method == "POST":
        return (
            EventNoteForm(request.POST, instance=note, prefix="note"),
            SpeakerFormSet(request.POST, prefix="speakers"),
        )
    if note is not None:
        initial_note, speakers = None, note.speakers.all()
    else:
        # Pre-filled from the event: its title, tags and speakers (or its other notes').
        tags = list(event.tags.all())
        initial_note = {"title": f"Notes: {event.title}", "tags": tags}
        speakers = list(event.speakers.all()) or [
            speaker for other in event.notes.all() for speaker in other.speakers.all()
        ]
    return (
        EventNoteForm(instance=note, initial=initial_note, prefix="note"),
        SpeakerFormSet(initial=speaker_initial(speakers), prefix="speakers"),
    )


def _save_note(
    request: HttpRequest, note: EventNote, form: EventNoteForm, speakers: SpeakerFormSet
) -> EventNote:
    _apply_action(request, note)
    if note.status == Status.PUBLISHED:
        note.publish()
    return services.note_save(note=note, **_note_fields(form, speakers))


def _note_fields(form: EventNoteForm, speakers: SpeakerFormSet) -> dict:
    """What `services.note_save` needs beside the note, from a valid note form."""
    return {
        "tags": form.cleaned_data["tags"],
        "key_points": form.cleaned_data["key_points_text"],
        "speakers": speakers.speakers(),
        "related_writeups": form.related["writeups"],
        "related_notes": form.related["notes"],
    }


def _note_similar_check(
    request: HttpRequest,
    form: EventNoteForm,
    speakers: SpeakerFormSet,
    *,
    event: Event,
    note: EventNote | None,
) -> HttpResponse:
    """The no-JavaScript "Check for similar work" button: the form again, as typed, with the
    similar-work panel filled in. Nothing is validated or saved."""
    form._errors = ErrorDict()  # showing "required" errors here would be noise
    title, summary = request.POST.get("note-title", ""), request.POST.get("note-summary", "")
    text = similar_text(title, summary)
    return render(
        request,
        "events/note_form.html",
        {
            "form": form,
            "speakers": speakers,
            "event": event,
            "note": note,
            "similar": similar_items(text=text, exclude=("note", note.pk) if note else None),
            "similar_checked": bool(text.strip()),
        },
    )


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def note_create(request: HttpRequest, slug: str) -> HttpResponse:
    event = (
        Event.objects.visible_to(request.user)
        .filter(slug=slug)
        .prefetch_related("speakers")
        .with_tags()
        .first()
    )
    if event is None:
        if request.method == "POST":
            # Deleted while someone was writing: keep every word and offer to save it with a
            # new event instead.
            messages.error(
                request,
                "The event these notes were for has been deleted, so nothing is saved yet. "
                "Everything you typed is below: add the meeting’s details and save both "
                "together.",
            )
            return _meeting_form(request, keep_note_only=True)
        raise Http404("This event does not exist, or was deleted.")
    form, speakers = _note_forms(request, note=None, event=event)
    if request.POST.get("action") == "similar":
        return _note_similar_check(request, form, speakers, event=event, note=None)
    if request.method == "POST" and form.is_valid() and speakers.is_valid():
        note = form.save(commit=False)
        note.event = event
        note = _save_note(request, note, form, speakers)
        _saved_message(request, note, "Notes")
        return redirect(event if note.is_published else note)
    return render(
        request,
        "events/note_form.html",
        {"form": form, "speakers": speakers, "event": event, "note": None},
    )


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def note_edit(request: HttpRequest, slug: str) -> HttpResponse:
    note = editable_or_404(request.user, EventNote.objects.select_related("event"), slug=slug)
    form, speakers = _note_forms(request, note=note, event=note.event)
    if request.POST.get("action") == "similar":
        return _note_similar_check(request, form, speakers, event=note.event, note=note)
    stale = None
    if request.method == "POST" and form.is_valid() and speakers.is_valid():
        stale = changed_since_opened(request, note)
        if stale is None:
            note = _save_note(request, form.save(commit=False), form, speakers)
            _saved_message(request, note, "Notes")
            return redirect(note)
    return render(
        request,
        "events/note_form.html",
        {"form": form, "speakers": speakers, "event": note.event, "note": note, "stale": stale},
    )


def _meeting_form(request: HttpRequest, *, keep_note_only: bool = False) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    event_form = EventForm(None if keep_note_only else post, prefix="event")
    note_form = EventNoteForm(post, prefix="note")
    speakers = SpeakerFormSet(post, prefix="speakers")
    if post is not None and not keep_note_only:
        valid = [form.is_valid() for form in (event_form, note_form, speakers)]
        if all(valid):
            event = event_form.build_event()
            note = note_form.save(commit=False)
            _apply_action(request, event)
            _apply_action(request, note)
            with transaction.atomic():
                series, _ = services.series_for_name(name=event_form.cleaned_data["series_name"])
                event.series = series
                note = services.meeting_save(
                    event=event,
                    event_tags=event_form.cleaned_data["tags"],
                    note=note,
                    **_note_fields(note_form, speakers),
                )
            if event_form.series_message:
                messages.info(request, event_form.series_message)
            _saved_message(request, note, "Event and notes")
            return redirect(note)
    return render(
        request,
        "events/meeting_form.html",
        {"event_form": event_form, "form": note_form, "speakers": speakers},
    )


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def meeting_create(request: HttpRequest) -> HttpResponse:
    return _meeting_form(request)
