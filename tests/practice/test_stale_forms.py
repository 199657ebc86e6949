"""A stale form (the item was saved by someone else after the form was opened) shows what
they changed and keeps the person's own text, instead of overwriting (practice/stale.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from config import roles
from events.models import Event
from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_person, signed_in
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


def _editor(username: str) -> Client:
    return signed_in(make_person(username, roles.EDITOR))


def _loaded_at(page: str) -> str:
    return re.search(r'name="loaded_at" value="([^"]+)"', page).group(1)


WRITEUP = {
    "title": "Walking groups for carers",
    "summary": "Carers walked together every week.",
    "evidence_level": "2",
}


def test_a_second_editor_sees_what_changed_and_nothing_is_overwritten():
    ann, ben = _editor("ann"), _editor("ben")
    ann.post("/practice/new/", {**WRITEUP, "action": "draft"})
    item = WriteUp.objects.get()
    url = f"/practice/{item.slug}/edit/"
    ann_opened = _loaded_at(ann.get(url).content.decode())
    ben_opened = _loaded_at(ben.get(url).content.decode())
    assert ann_opened == ben_opened
    ann.post(
        url,
        {
            **WRITEUP,
            "summary": "Carers and families walked every fortnight.",
            "action": "draft",
            "loaded_at": ann_opened,
        },
    )
    response = ben.post(
        url,
        {
            **WRITEUP,
            "summary": "Ben's summary of the walks.",
            "action": "draft",
            "loaded_at": ben_opened,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this while you were editing" in page
    assert "ann saved it" in page and "fortnight" in page  # what Ann changed
    assert "Ben&#x27;s summary of the walks." in page  # Ben's text is still in the form
    item.refresh_from_db()
    assert item.summary == "Carers and families walked every fortnight."
    # Saving again, from the form as shown, replaces Ann's deliberately.
    response = ben.post(
        url,
        {
            **WRITEUP,
            "summary": "Ben's summary of the walks.",
            "action": "draft",
            "loaded_at": _loaded_at(page),
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.summary == "Ben's summary of the walks."


def test_events_are_protected_too():
    ben = _editor("ben")
    event = make_event(title="Carers' forum", status=Status.DRAFT)
    url = f"/events/{event.slug}/edit/"
    opened = _loaded_at(ben.get(url).content.decode())
    Event.objects.filter(pk=event.pk).update(title="Carers' forum, renamed")
    event.refresh_from_db()
    event.save()  # a save after Ben opened the form
    response = ben.post(url, {"title": "Ben's title", "action": "draft", "loaded_at": opened})
    assert "Someone else changed this while you were editing" in response.content.decode()
    assert Event.objects.get(pk=event.pk).title == "Carers' forum, renamed"
