"""Every text field has a limit the form explains, and the search index takes any size."""

from __future__ import annotations

import itertools
import string
from datetime import timedelta

import pytest
from django import forms
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.forms import EventForm, EventNoteForm
from events.models import Event, EventNote
from practice.forms import WriteUpForm
from practice.models import WriteUp
from practice.plaintext import LengthValidator
from search import index
from search.models import SearchEntry, Synonym
from tests.conftest import make_writeup
from tests.events.conftest import make_event
from tests.events.test_views import _event_post, _note_post

pytestmark = pytest.mark.django_db


def _message(limit: int, count: int) -> str:
    return f"Keep this to at most {limit:,} characters (it has {count:,})."


def _error_beside(page: str, field_id: str, message: str) -> bool:
    """The message in the field's own error line (templates/includes/field.html)."""
    return (
        f'<p class="nhsuk-error-message field__error" id="{field_id}_error">'
        f'<span class="nhsuk-u-visually-hidden">Error:</span> {message}</p>'
    ) in page


def _words(count: int) -> list[str]:
    """`count` distinct lowercase words: "baaa", "baab", ..."""
    letters = itertools.product(string.ascii_lowercase, repeat=4)
    return ["b" + "".join(next(letters)) for _ in range(count)]


def _text_of_length(length: int, *, lines: bool = True) -> str:
    """Prose-like text of exactly `length` characters, on several lines unless `lines` is off."""
    line = "Carers told us what helped and what did not, week after week."
    line += "\n" if lines else " "
    # Ending in a full stop: a form strips the whitespace around a value.
    return (line * (length // len(line) + 1))[: length - 1] + "."


def _writeup_post(**overrides) -> dict:
    return {
        "title": "Weekly drop-ins for carers",
        "summary": "What we tried, for whom, and what happened.",
        "body": "The **story**.",
        "evidence_level": "2",
        "organisation": "Leeds Carers",
        "tags": "carers",
        "action": "publish",
        **overrides,
    }


def test_a_huge_write_up_body_is_refused_beside_the_field_and_kept(staff_client):
    """A body of 100,000 distinct words answered 500 "string is too long for tsvector"."""
    body = " ".join(f"w{i:06d}x" for i in range(100_000))
    response = staff_client.post(reverse("practice:create"), _writeup_post(body=body))

    assert response.status_code == 200
    form = response.context["form"]
    message = _message(50_000, len(body))
    assert form.errors == {"body": [message]}
    page = response.content.decode()
    assert _error_beside(page, "id_body", message)
    assert form["body"].value() == body
    assert "w099999x" in page and 'value="Weekly drop-ins for carers"' in page
    assert not WriteUp.objects.exists()


# (form page, the form in its context, the field's name, its POST key, the limit)
LIMITS = [
    *(
        ("writeup", "form", section, section, 10_000)
        for section in ("context", "what_we_did", "who_for", "outcomes", "lessons", "resources")
    ),
    ("writeup", "form", "body", "body", 50_000),
    ("writeup", "form", "title", "title", 200),
    ("event", "form", "description", "description", 20_000),
    ("event", "form", "address", "address", 500),
    ("note", "form", "body", "note-body", 50_000),
    ("note", "form", "questions", "note-questions", 5_000),
    ("note", "form", "key_points_text", "note-key_points_text", 10_000),
    ("note", "form", "related_links", "note-related_links", 5_000),
]


def _post_page(staff_client, page: str, key: str, value: str):
    if page == "writeup":
        return staff_client.post(reverse("practice:create"), _writeup_post(**{key: value}))
    if page == "event":
        return staff_client.post(reverse("events:create"), _event_post(**{key: value}))
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    return staff_client.post(
        reverse("events:note_create", args=[event.slug]), _note_post(**{key: value})
    )


@pytest.mark.parametrize(("page", "form_name", "field", "key", "limit"), LIMITS)
def test_every_text_field_refuses_text_over_its_limit_and_keeps_it(
    staff_client, page, form_name, field, key, limit
):
    """The body and the structured sections had no limit at all."""
    typed = _text_of_length(limit + 1, lines=field != "title")
    response = _post_page(staff_client, page, key, typed)

    assert response.status_code == 200
    form = response.context[form_name]
    message = _message(limit, limit + 1)
    assert form.errors[field] == [message]
    assert _error_beside(response.content.decode(), form[field].auto_id, message)
    assert form[field].value().replace("\r\n", "\n") == typed
    assert not WriteUp.objects.exists() and not EventNote.objects.exists()
    if page == "event":
        assert not Event.objects.exists()


@pytest.mark.parametrize(("page", "form_name", "field", "key", "limit"), LIMITS)
def test_text_at_its_limit_is_accepted(staff_client, page, form_name, field, key, limit):
    response = _post_page(staff_client, page, key, _text_of_length(limit, lines=field != "title"))
    if response.status_code == 200:  # refused for another reason (not links, a title of lines)
        assert not any("Keep this" in e for e in response.context[form_name].errors.get(field, []))


def test_textareas_do_not_cut_a_paste_silently(staff_client):
    """A browser's maxlength cuts a pasted text without a word; the message says by how much."""
    form = WriteUpForm()
    assert "maxlength" not in form.fields["body"].widget.attrs
    assert "maxlength" not in form.fields["context"].widget.attrs
    assert form.fields["title"].widget.attrs["maxlength"] == "200"


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="boss", password="x"))
    return client


def test_the_admin_enforces_the_same_limits(superuser_client):
    """The admin's write-up form took a body of any size, as the site's form did."""
    body = _text_of_length(50_001)
    data = {
        "title": "Big one",
        "slug": "big-one",
        "summary": "A summary.",
        "body": body,
        "evidence_level": "2",
        "status": "draft",
        "tags": "",
    }
    response = superuser_client.post(reverse("admin:practice_writeup_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["body"] == [_message(50_000, 50_001)]
    assert _message(50_000, 50_001) in response.content.decode()
    assert form["body"].value().replace("\r\n", "\n") == body
    assert not WriteUp.objects.exists()

    terms = "LD, " + ", ".join(["learning disability"] * 60)
    synonyms = Synonym.objects.count()
    response = superuser_client.post(
        reverse("admin:search_synonym_add"), {"terms": terms, "kind": "acronym"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["terms"] == [_message(1_000, len(terms))]
    assert Synonym.objects.count() == synonyms


def _length_errors(form: forms.BaseForm) -> list[str]:
    """What the form's length rules would say about its current values."""
    found = []
    for bound in form:
        value = bound.value()
        if isinstance(value, str):
            for validator in bound.field.validators:
                if isinstance(validator, LengthValidator):
                    try:
                        validator(value)
                    except forms.ValidationError as error:
                        found.append(f"{form.__class__.__name__}.{bound.name}: {error.messages}")
    return found


def test_every_imported_demo_item_can_be_saved_again_from_its_form():
    """An editor must be able to re-save any imported item without trimming it first."""
    call_command("import_content", verbosity=0)
    writeups, events, notes = WriteUp.objects.all(), Event.objects.all(), EventNote.objects.all()
    assert writeups.count() >= 10 and events.count() >= 5 and notes.count() >= 5
    problems = [
        problem
        for form in (
            *(WriteUpForm(instance=item) for item in writeups),
            *(EventForm(instance=item) for item in events),
            *(EventNoteForm(instance=item) for item in notes),
        )
        for problem in _length_errors(form)
    ]
    assert problems == []


def test_a_saved_write_up_with_a_huge_body_is_indexed_and_found(client):
    """Saving a 1 MB body of distinct words through code failed: the vector was too long."""
    words = _words(200_000)
    body = " ".join(words)
    assert len(body) >= 1_000_000
    writeup = make_writeup(title="An enormous notebook", body=body)

    assert SearchEntry.objects.filter(kind="writeup", object_id=writeup.pk).exists()
    page = client.get(reverse("search:results"), {"q": words[100]}).content.decode()
    assert "An enormous notebook" in page

    assert index.index_rebuild() == 1
    page = client.get(reverse("search:results"), {"q": words[200]}).content.decode()
    assert "An enormous notebook" in page


def test_text_made_to_overflow_the_vector_even_when_cut_is_still_indexed(client, monkeypatch):
    """Text can cost 7 bytes of vector a character: over 1 MB even from the capped parts."""
    shortened = []

    def spy(row, error):
        shortened.append(row["object_id"])
        return original(row, error)

    original = index._shortened
    monkeypatch.setattr(index, "_shortened", spy)
    # Distinct hyphenated pairs of four-byte letters, and their closed forms: cut to the
    # caps, 1,061,000 bytes of lexemes and positions.
    letters = [chr(code) for code in range(0x20000, 0x20000 + 400)]  # four bytes each
    pairs = [f"{a}-{b}" for a, b in itertools.product(letters, repeat=2)]
    body = " ".join(pairs[:30_000])[:100_000]
    sections = {
        name: " ".join(pairs[30_000 + 2_500 * i : 32_500 + 2_500 * i])[:10_000]
        for i, name in enumerate(("context", "what_we_did", "who_for", "outcomes", "lessons"))
    }
    sections["resources"] = " ".join(pairs[45_000:47_500])[:10_000]
    writeup = make_writeup(title="Unreadable but indexed", body=body, **sections)

    assert shortened == [writeup.pk]
    assert SearchEntry.objects.filter(kind="writeup", object_id=writeup.pk).exists()
    page = client.get(reverse("search:results"), {"q": "unreadable"}).content.decode()
    assert "Unreadable but indexed" in page

    second = make_writeup(title="A second one", body=body, **sections)
    shortened.clear()
    assert index.index_rebuild() == 2
    assert sorted(shortened) == sorted([writeup.pk, second.pk])
