"""Events and event notes in search: registered in events/search.py."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.models import EventNote, Status
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.events.test_views import _note_post
from tests.search.commit import on_commit_as_in_production  # noqa: F401 - the index commits

pytestmark = pytest.mark.django_db


def titles(client, q: str = "", **params) -> list[str]:
    html = client.get(reverse("search:results"), {"q": q, **params}).content.decode()
    return [
        unescape(t)
        for t in re.findall(
            r'<h2 class="nhsuk-card__heading nhsuk-heading-s">'
            r'<a class="nhsuk-card__link" href="[^"]*">([^<]*)</a>',
            html,
        )
    ]


def test_events_notes_and_writeups_are_found_together_and_filter_by_type(client):
    event = make_event(title="Respite round table", tags=("carers",))
    make_note(event=event, title="Notes on respite for carers", tags=("carers",))
    make_writeup(title="Respite vouchers for carers")
    # The event and its note are one thing to a reader: the note stands for both.
    assert sorted(titles(client, "respite")) == [
        "Notes on respite for carers",
        "Respite vouchers for carers",
    ]
    assert titles(client, "respite", type="event") == ["Respite round table"]
    assert titles(client, "respite", type="note") == ["Notes on respite for carers"]
    html = client.get(reverse("search:results"), {"q": "respite"}).content.decode()
    assert "Event note" in html
    assert ">Event<" in client.get(reverse("search:results"), {"q": "round table"}).content.decode()


def test_key_points_saved_through_the_form_are_searchable(staff_client):
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    staff_client.post(reverse("events:note_create", args=[event.slug]), _note_post())
    assert titles(staff_client, "scarce") == ["What we learned about respite"]


def test_unpublishing_an_event_hides_it_and_its_notes_at_once(client):
    event = make_event(title="Hoarding workshop")
    make_note(event=event, title="Hoarding workshop notes", tags=("hoarding",))
    make_note(event=event, title="Draft hoarding notes", status=Status.DRAFT, tags=("x",))
    assert titles(client, "hoarding") == ["Hoarding workshop notes"]
    assert titles(client, "hoarding", type="event") == ["Hoarding workshop"]
    event.status = Status.DRAFT
    event.save()
    assert titles(client, "hoarding") == []
    assert client.get(reverse("search:suggest"), {"q": "hoard"}).json() == {"suggestions": []}
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert titles(client, "hoarding") == []
    event.status = Status.PUBLISHED
    event.save()
    assert titles(client, "hoarding") == ["Hoarding workshop notes"]
    assert titles(client, "hoarding", type="event") == ["Hoarding workshop"]


def test_note_form_offers_similar_work_without_javascript(staff_client):
    make_writeup(title="Respite vouchers for young carers", summary="Carers chose breaks.")
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    response = staff_client.post(
        reverse("events:note_create", args=[event.slug]),
        _note_post(action="similar", **{"note-title": "Respite for young carers"}),
    )
    html = response.content.decode()
    assert "Has this been done before?" in html
    assert "Respite vouchers for young carers" in html
    assert 'value="Respite for young carers"' in html and "There is a problem" not in html
    assert not EventNote.objects.exists()


def test_note_page_shows_similar_items(client):
    make_writeup(title="Respite vouchers for young carers", summary="Carers chose breaks.")
    make_writeup(title="Hospital parking charges", summary="Parking.")
    note = make_note(
        event=make_event(), title="Respite for young carers", summary="Respite matters."
    )
    html = client.get(note.get_absolute_url()).content.decode()
    similar = html.split('id="similar-heading"')[1]
    assert "Respite vouchers for young carers" in similar
    assert "Hospital parking" not in similar


def test_a_note_is_dated_by_its_meeting_in_results(client):
    """Imported notes showed the day they were typed up instead of the meeting's date."""
    meeting = timezone.now() - timedelta(days=400)
    event = make_event(title="Dementia friendly towns", starts_at=meeting)
    make_note(event=event, title="Notes from dementia friendly towns", tags=("dementia",))
    html = client.get(reverse("search:results"), {"q": "dementia", "type": "note"}).content
    assert meeting.strftime("%Y") in html.decode()
    assert f"{meeting.day} {meeting:%B %Y}" in html.decode()


def test_an_event_and_its_note_are_never_twins(client):
    """Imported meetings give an event and a note with the same words: results, suggestions
    and "More like this" show one of them."""
    event = make_event(title="Befriending forum", description="Befriending in villages.")
    note = make_note(event=event, title="Befriending forum", summary="Befriending in villages.")
    other = make_writeup(title="Befriending forum ideas", summary="Befriending in villages.")
    assert titles(client, "befriending forum") == ["Befriending forum", "Befriending forum ideas"]
    html = client.get(reverse("search:results"), {"q": "befriending forum"}).content.decode()
    assert note.get_absolute_url() in html and f'href="{event.get_absolute_url()}"' not in html
    labels = [
        s["label"]
        for s in client.get(reverse("search:suggest"), {"q": "befriend"}).json()["suggestions"]
    ]
    assert labels.count("Befriending forum") == 1
    page = client.get(note.get_absolute_url()).content.decode()
    similar = page[page.find("More like this") :] if "More like this" in page else page
    assert f'href="{event.get_absolute_url()}"' not in similar
    assert other.get_absolute_url() in page
