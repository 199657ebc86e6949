"""Components kept per process for the values they show (config/memo.py): a card is rendered
afresh whenever anything it shows changes, however it changed (here by QuerySet.update(),
which sends no signal, so no invalidation could have caught it), and never kept when it read
something its values did not carry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe
from taggit.models import Tag

from config import memo
from events.models import Event, EventNote
from practice.models import WriteUp
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load wheelhouse %}" + source).render(Context(context))


def listed(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_card_shows_an_edit_made_without_any_signal(client):
    writeup = make_writeup(title="Carers cafe", organisation="Camden Carers", tags=("carers",))
    assert "Carers cafe" in listed(client, "/practice/")
    WriteUp.objects.filter(pk=writeup.pk).update(
        title="Carers drop-in", organisation="Bristol Mind"
    )
    html = listed(client, "/practice/")
    assert "Carers drop-in" in html and "Bristol Mind" in html
    assert "Carers cafe" not in html and "Camden Carers" not in html


def test_a_card_shows_a_renamed_topic(client):
    make_writeup(title="Carers cafe", tags=("carers",))
    assert ">carers</a>" in listed(client, "/practice/")
    Tag.objects.filter(name="carers").update(name="unpaid carers")
    html = listed(client, "/practice/")
    assert ">unpaid carers</a>" in html and ">carers</a>" not in html


def test_a_note_card_shows_its_events_new_place(client):
    event = make_event(venue="Leeds", starts_at=timezone.now() - timedelta(days=3))
    make_note(event=event, title="Notes of the Leeds meeting")
    assert "<li>Leeds</li>" in listed(client, "/")
    Event.objects.filter(pk=event.pk).update(venue="Wakefield")
    html = listed(client, "/")
    assert "<li>Wakefield</li>" in html and "<li>Leeds</li>" not in html


def test_a_card_that_read_what_its_values_did_not_carry_is_not_kept():
    """A note fetched without its event: the card reads the event, so its HTML is not a
    function of the note's values and must not be kept under them."""
    event = make_event(venue="Leeds", starts_at=timezone.now() - timedelta(days=3))
    note = make_note(event=event)
    source = '{% component "card/event_note.html" note=n %}'
    assert "<li>Leeds</li>" in render(source, n=EventNote.objects.get(pk=note.pk))
    Event.objects.filter(pk=event.pk).update(venue="Wakefield")
    assert "<li>Wakefield</li>" in render(source, n=EventNote.objects.get(pk=note.pk))


def test_a_card_is_kept_for_the_same_values(django_assert_num_queries):
    writeup = make_writeup(title="Carers cafe", tags=("carers",))
    item = WriteUp.objects.for_listing().get(pk=writeup.pk)
    source = '{% component "card/writeup.html" writeup=w %}'
    first = render(source, w=item)
    calls = []
    with django_assert_num_queries(0):
        assert memo.rendered("card/writeup.html", {"writeup": item}, lambda: calls.append(1))
    assert not calls, "the kept card was rendered again"
    assert render(source, w=item) == first


def test_safe_and_plain_text_are_different_values():
    """What a visitor typed ("<b>") and markup already escaped are the same characters but
    not the same value: one must never be served for the other."""
    assert memo.value_key("<b>") != memo.value_key(mark_safe("<b>"))  # noqa: S308
    assert memo.value_key(1) != memo.value_key(True)
    assert memo.value_key([1.0]) != memo.value_key([1])
    # Nor inside an instance, whose plain attributes are compared as they are.
    with_text, with_safe, with_one, with_true = (WriteUp(pk=1) for _ in range(4))
    with_text.title, with_safe.title = "<b>", mark_safe("<b>")  # noqa: S308
    with_one.flag, with_true.flag = 1, True
    assert memo.value_key(with_text) != memo.value_key(with_safe)
    assert memo.value_key(with_one) != memo.value_key(with_true)
    again = WriteUp(pk=1)
    again.flag = 1
    assert memo.value_key(with_one) == memo.value_key(again)


def test_with_debug_nothing_is_kept(settings):
    """`make run` serves with DEBUG: a template edited there shows on the next request."""
    settings.DEBUG = True
    calls = []
    for _ in range(2):
        memo.rendered("footer.html", {}, lambda: calls.append(1) or "html")
    assert len(calls) == 2
