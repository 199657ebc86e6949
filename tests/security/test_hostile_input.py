"""Hostile text in every field of every form and every query parameter of every page.

Whatever is typed: no server error; a refused form leaves the database as it was, with a
message and the typed text kept; an accepted one saves the whole item; input comes back only
escaped; no control character is stored (tab, CR and LF only in multi-line columns).

Each example runs inside a savepoint that is rolled back, so every example starts from the
same site (the `world` fixture: content already full of payloads). `HYPOTHESIS_EXAMPLES`
sets how many examples each test tries (see strategies.py).
"""

from __future__ import annotations

import json
import re
import traceback
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test import Client, TestCase
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from events.models import Event, EventNote, Speaker
from practice.models import WriteUp
from stakeholders.forms import form_started_token
from stakeholders.models import RateLimitHit, Subscriber, SubscriberStatus
from tests.conftest import make_writeup
from tests.events.conftest import make_event
from tests.security.conftest import FAILED_TASKS
from tests.security.strategies import (
    CONTROL_CHARACTERS,
    IMG_ONERROR,
    NUMBERS,
    SCRIPT,
    control_characters_stored,
    hostile_email,
    hostile_examples,
    hostile_or,
    hostile_param,
    hostile_text,
    markup_problems,
    model_named,
    squash,
    typed_text_shown,
    without_controls,
)
from tests.stakeholders.conftest import link_in, make_subscriber, path_of, signup_data

pytestmark = pytest.mark.django_db

TRACKED_APPS = {"practice", "events", "search", "stakeholders", "taggit", "auth", "axes", "admin"}
# Sign-in failures are meant to leave a trace (django-axes counts them).
LOGGING_APPS = {"axes"}
encodings = st.sampled_from(["urlencoded", "multipart"])


# --- Helpers ---------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


@contextmanager
def fresh_state():
    """Run one example in a savepoint and undo everything it wrote."""
    mail.outbox = []
    FAILED_TASKS.clear()
    try:
        with transaction.atomic():
            yield
            assert not FAILED_TASKS, f"background work failed: {FAILED_TASKS}"
            raise _Rollback
    except _Rollback:
        pass


def tracked_models():
    # Only models with a table: one added while its migration is still being written would
    # otherwise fail every test here for a reason that has nothing to do with input.
    tables = set(connection.introspection.table_names())
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in TRACKED_APPS and model._meta.db_table in tables
    ]


def row_counts(*, ignore: set[str] = frozenset()) -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in tracked_models()
        if model._meta.app_label not in ignore
    }


def count_changes(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def server_error(response) -> str:
    if response.exc_info:
        return "".join(traceback.format_exception_only(response.exc_info[1])).strip()
    return response.content[:300].decode(errors="replace")


@contextmanager
def committed():
    """What runs once a request's transaction commits (search indexing) runs here too, as it
    would in production; the test's own transaction never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def post(client: Client, path: str, data: dict, encoding: str = "urlencoded"):
    data = {key: value for key, value in data.items() if value is not None}
    with committed():
        if encoding == "urlencoded":
            body = urlencode(data, doseq=True)
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(path, data)
    assert response.status_code < 500, f"POST {path} answered {response.status_code}"
    return response


def get(client: Client, path: str, params=None):
    with committed():
        response = client.get(path, params or {})
    assert response.status_code < 500, f"GET {path} answered {response.status_code}"
    return response


def ics_problems(body: str) -> list[str]:
    """Lines of an iCalendar file that are not properties or folded continuations: how a
    line break in a value turns into an injected property."""
    problems = []
    if re.search(r"\r(?!\n)|(?<!\r)\n", body):
        problems.append("a bare CR or LF")
    for line in body.split("\r\n"):
        if line and line[0] not in " \t" and not re.match(r"[A-Za-z0-9-]+[;:]", line):
            problems.append(f"not a property: {line[:80]!r}")
        if re.search("[\x00-\x08\x0a-\x1f\x7f]", line):
            problems.append(f"control character in {line[:80]!r}")
    return problems


def assert_safe_response(response, what: str = "") -> None:
    """The response shows nothing unescaped, whatever kind of document it is."""
    content_type = response.get("Content-Type", "")
    if response.streaming:
        body = b"".join(response.streaming_content).decode()
    else:
        body = response.content.decode()
    if "text/html" in content_type:
        problems = markup_problems(body)
        assert not problems, f"{what} shows input unescaped: {problems[:5]}"
    elif "text/calendar" in content_type:
        problems = ics_problems(body)
        assert not problems, f"{what} calendar is broken: {problems[:5]}"
    elif "json" in content_type:
        json.loads(body)


def assert_no_control_characters() -> None:
    found = control_characters_stored(tracked_models())
    assert not found, "control characters stored:\n" + "\n".join(found[:10])


def assert_refused_properly(response, *, typed: dict[str, str], before: dict, ignore=frozenset()):
    """Nothing saved, a message shown, and every typed text field still there to fix."""
    html = response.content.decode()
    changes = count_changes(before, row_counts(ignore=ignore))
    assert not changes, f"a refused form changed the database: {changes}"
    if response.status_code == 400:
        return  # too big to read at all (DATA_UPLOAD_MAX_MEMORY_SIZE): nothing to re-show
    assert response.status_code == 200, response.status_code
    assert 'field__error"' in html or 'class="nhsuk-error-summary"' in html, (
        "the form was refused without saying why"
    )
    lost = [name for name, value in typed.items() if not typed_text_shown(html, value)]
    assert not lost, f"the re-shown form lost what was typed in {lost}"


def assert_saved_as_typed(item, typed: dict[str, str], fields) -> None:
    """Each saved field holds all of what was typed (tidied, never cut short or mangled)."""
    for name in fields:
        stored, sent = squash(str(getattr(item, name))), squash(typed[name])
        assert stored == sent, (
            f"{type(item).__name__}.{name} saved {stored[:80]!r}… from {sent[:80]!r}…"
        )


def assert_lines_from(lines: list[str], typed: str, what: str) -> None:
    sent = squash(typed)
    for line in lines:
        assert squash(line) in sent, f"{what} saved {line[:80]!r}, which was not typed"
        assert line.strip(), f"{what} saved an empty line"


def assert_email_within_rfc_limits(address: str) -> None:
    local, _, domain = address.rpartition("@")
    assert len(local) <= 64, f"accepted a {len(local)}-character local part: {address[:80]!r}"
    assert len(address) <= 254, f"accepted a {len(address)}-character address"


def follow(client: Client, response, what: str) -> None:
    page = get(client, response["Location"])
    assert_safe_response(page, what)


# Inputs every run tries first, whatever it generates: each once reached a fault.
LINE_BREAK = "Name\r\nSubject: hi"
ALL_CONTROLS = "".join(CONTROL_CHARACTERS)
MARKUP = f"{SCRIPT} {IMG_ONERROR}"
TSQUERY_AND_SQL = "a & b | !c <-> d:* ( ) ' \" '; DROP TABLE x; --"


def everywhere(valid: dict, names, value: str) -> dict:
    return {**valid, **dict.fromkeys(names, value)}


# --- Write-ups --------------------------------------------------------------------------------

WRITEUP_TEXT = [
    "title",
    "summary",
    "context",
    "what_we_did",
    "who_for",
    "outcomes",
    "lessons",
    "resources",
    "body",
    "organisation",
    "contact",
]
writeup_posts = st.fixed_dictionaries(
    {
        **dict.fromkeys(WRITEUP_TEXT, hostile_text),
        "tags": hostile_or("carers, respite", ""),
        "evidence_level": hostile_or("1", "3", "5"),
        "region": hostile_or("", "london", "uk-wide"),
        "action": hostile_or("publish", "draft", "similar"),
    }
)


WRITEUP_VALID = {
    **dict.fromkeys(WRITEUP_TEXT, ""),
    "title": "Weekly drop-ins for carers",
    "summary": "What we tried, for whom, and what happened.",
    "body": "Some **Markdown**.",
    "organisation": "Leeds Carers",
    "contact": "team@example.org",
    "tags": "carers",
    "evidence_level": "2",
    "region": "london",
    "action": "publish",
}


@hostile_examples
@given(data=writeup_posts, editing=st.booleans(), encoding=encodings)
@example(data={**WRITEUP_VALID, "organisation": LINE_BREAK}, editing=False, encoding="urlencoded")
@example(data={**WRITEUP_VALID, "contact": "a\tb"}, editing=True, encoding="multipart")
@example(
    data={**everywhere(WRITEUP_VALID, WRITEUP_TEXT, MARKUP), "title": f"Carers {MARKUP}"},
    editing=False,
    encoding="urlencoded",
)
@example(
    data={**everywhere(WRITEUP_VALID, WRITEUP_TEXT[1:], f"a{ALL_CONTROLS}b")},
    editing=False,
    encoding="multipart",
)
def test_writeup_form(staff_client, world, data, editing, encoding):
    path = f"/practice/{world.writeup.slug}/edit/" if editing else "/practice/new/"
    typed = {name: data[name] for name in [*WRITEUP_TEXT, "tags"]}
    with fresh_state():
        before, original = row_counts(), model_to_dict(world.writeup)
        response = post(staff_client, path, data, encoding)
        assert_safe_response(response, path)
        if response.status_code == 302:
            assert data["action"] != "similar"
            pk = world.writeup.pk if editing else WriteUp.objects.order_by("pk").last().pk
            writeup = WriteUp.objects.get(pk=pk)
            expected = before["practice.WriteUp"] + (0 if editing else 1)
            assert WriteUp.objects.count() == expected
            assert_saved_as_typed(writeup, data, WRITEUP_TEXT)
            assert writeup.tags.count() <= 12
            if writeup.is_published:
                entries = model_named("SearchEntry").objects.filter(object_id=writeup.pk)
                assert entries.filter(kind="writeup").exists(), "published but not searchable"
            follow(staff_client, response, "the saved write-up")
            assert_safe_response(get(staff_client, "/practice/"), "the write-up list")
        elif data["action"] == "similar":
            assert not count_changes(before, row_counts()), "checking for similar work saved"
            if response.status_code != 400:  # too big to read at all: nothing to re-show
                assert all(typed_text_shown(response.content.decode(), v) for v in typed.values())
        else:
            assert_refused_properly(response, typed=typed, before=before)
            assert model_to_dict(WriteUp.objects.get(pk=world.writeup.pk)) == original
        assert_no_control_characters()


# --- Events, notes and meetings --------------------------------------------------------------

EVENT_TEXT = ["title", "venue", "address", "organiser", "description"]


def event_fields(prefix: str = "") -> dict:
    return {
        **{f"{prefix}{name}": hostile_text for name in EVENT_TEXT},
        f"{prefix}booking_url": hostile_or("", "https://example.org/book"),
        f"{prefix}series_name": hostile_or("", "Better leadership"),
        f"{prefix}tags": hostile_or("", "carers, leadership"),
        f"{prefix}starts_at": hostile_or(*DATES),
        f"{prefix}ends_at": hostile_or(*DATES),
        f"{prefix}is_online": hostile_or("", "on"),
        f"{prefix}is_cancelled": hostile_or("", "on"),
        f"{prefix}region": hostile_or("", "london"),
        f"{prefix}series_position": hostile_or("", "2"),
    }


# Ordinary dates, the ends of the calendar, and a time the clocks skip and one they repeat.
DATES = [
    "2031-06-03T10:00",
    "2031-06-03T12:30",
    "2020-01-01T10:00",
    "",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2031-03-30T01:30",
    "2031-10-26T01:30",
]
NOTE_TEXT = ["title", "summary", "body"]
NOTE_LINES = ["key_points_text", "questions"]


def note_fields() -> dict:
    fields = {
        **{f"note-{name}": hostile_text for name in NOTE_TEXT + NOTE_LINES},
        "note-related_links": hostile_or("", "/practice/hostile-write-up/"),
        "note-tags": hostile_or("", "carers, respite"),
        "speakers-TOTAL_FORMS": st.just("2"),
        "speakers-INITIAL_FORMS": st.just("0"),
        "speakers-MIN_NUM_FORMS": st.just("0"),
        "speakers-MAX_NUM_FORMS": st.just("30"),
    }
    for row in range(2):
        fields[f"speakers-{row}-name"] = hostile_text
        fields[f"speakers-{row}-organisation"] = hostile_text
        fields[f"speakers-{row}-role"] = hostile_or("speaker", "chair", "other")
        fields[f"speakers-{row}-custom_role"] = hostile_text
    return fields


def typed_fields(data: dict, names) -> dict[str, str]:
    return {name: data[name] for name in names}


def _speaker_typed(data: dict) -> list[str]:
    names = []
    for row in range(2):
        names += [f"speakers-{row}-name", f"speakers-{row}-organisation"]
        names.append(f"speakers-{row}-custom_role")
    return names


def check_event_saved(client: Client, event: Event, data: dict, prefix: str = "") -> None:
    assert_saved_as_typed(event, {n: data[f"{prefix}{n}"] for n in EVENT_TEXT}, EVENT_TEXT)
    assert_safe_response(get(client, event.get_absolute_url()), "the saved event")
    if event.status == "published" and event.starts_at:
        assert_safe_response(get(client, event.get_ics_url()), "the event's calendar file")
    assert_safe_response(get(client, "/events/feed.ics"), "the calendar feed")


def check_note_saved(note: EventNote, data: dict) -> None:
    assert_saved_as_typed(note, {n: data[f"note-{n}"] for n in NOTE_TEXT}, NOTE_TEXT)
    points = [point.text for point in note.key_points.all()]
    assert_lines_from(points, data["note-key_points_text"], "key points")
    if squash(data["note-key_points_text"].replace("-", "").replace("*", "")):
        assert points, "the note was saved without its key points"
    assert_lines_from(note.questions.splitlines(), data["note-questions"], "questions")
    typed_names = [
        data[f"speakers-{row}-name"]
        for row in range(2)
        if " ".join(data[f"speakers-{row}-name"].split())
    ]
    saved_names = [speaker.name for speaker in Speaker.objects.filter(note=note)]
    for name in saved_names:
        assert any(squash(name) == squash(typed) for typed in typed_names), name
    assert len(saved_names) <= len(typed_names)


EVENT_VALID = {
    "title": "Carers round table",
    "venue": "Leeds Civic Hall",
    "address": "Portland Crescent",
    "organiser": "Leeds Carers",
    "description": "Bring *questions*.",
    "booking_url": "https://example.org/book",
    "series_name": "",
    "tags": "carers",
    "starts_at": "2031-06-03T10:00",
    "ends_at": "2031-06-03T12:30",
    "is_online": "",
    "is_cancelled": "",
    "region": "london",
    "series_position": "",
}


@hostile_examples
@given(data=st.fixed_dictionaries(event_fields()), action=hostile_or("publish", "draft"))
@example(data={**EVENT_VALID, "organiser": LINE_BREAK}, action="publish")
@example(
    data={**EVENT_VALID, "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:59"},
    action="publish",
)
@example(data={**EVENT_VALID, "venue": "Civic\tHall", "series_name": LINE_BREAK}, action="draft")
@example(data=everywhere(EVENT_VALID, EVENT_TEXT, f"Carers {MARKUP}"), action="publish")
def test_event_form(staff_client, world, data, action):
    with fresh_state():
        before = row_counts()
        response = post(staff_client, "/events/new/", {**data, "action": action})
        assert_safe_response(response, "/events/new/")
        if response.status_code == 302:
            assert Event.objects.count() == before["events.Event"] + 1
            event = Event.objects.order_by("pk").last()
            check_event_saved(staff_client, event, data)
        else:
            typed = typed_fields(data, [*EVENT_TEXT, "booking_url", "series_name", "tags"])
            assert_refused_properly(response, typed=typed, before=before)
        assert_no_control_characters()


NOTE_VALID = {
    "note-title": "What we learned about respite",
    "note-summary": "Carers and councils on what makes respite work.",
    "note-key_points_text": "Carers need breaks\n• Respite is scarce",
    "note-body": "Longer **notes**.",
    "note-questions": "Who pays?",
    "note-related_links": "",
    "note-tags": "carers, respite",
    "speakers-TOTAL_FORMS": "2",
    "speakers-INITIAL_FORMS": "0",
    "speakers-MIN_NUM_FORMS": "0",
    "speakers-MAX_NUM_FORMS": "30",
    "speakers-0-name": "Priya Shah",
    "speakers-0-organisation": "Leeds Carers",
    "speakers-0-role": "chair",
    "speakers-0-custom_role": "",
    "speakers-1-name": "",
    "speakers-1-organisation": "",
    "speakers-1-role": "speaker",
    "speakers-1-custom_role": "",
}
NOTE_TYPED = [f"note-{n}" for n in NOTE_TEXT + NOTE_LINES] + [
    "speakers-0-name",
    "speakers-0-organisation",
]


@hostile_examples
@given(
    data=st.fixed_dictionaries(note_fields()),
    action=hostile_or("publish", "draft", "similar"),
    editing=st.booleans(),
    encoding=encodings,
)
@example(
    data={**NOTE_VALID, "speakers-0-name": LINE_BREAK, "speakers-0-organisation": "a\tb"},
    action="publish",
    editing=False,
    encoding="urlencoded",
)
@example(
    data={**NOTE_VALID, "note-key_points_text": f"one{ALL_CONTROLS}\ntwo"},
    action="draft",
    editing=True,
    encoding="multipart",
)
@example(
    data=everywhere(NOTE_VALID, NOTE_TYPED, f"Carers {MARKUP}"),
    action="publish",
    editing=False,
    encoding="urlencoded",
)
def test_event_note_form(staff_client, world, data, action, editing, encoding):
    if editing:
        path = f"/events/notes/{world.note.slug}/edit/"
    else:
        path = f"/events/{world.past_event.slug}/notes/new/"
    typed = typed_fields(
        data, [f"note-{n}" for n in NOTE_TEXT + NOTE_LINES] + ["note-related_links", "note-tags"]
    )
    typed.update(typed_fields(data, _speaker_typed(data)))
    with fresh_state():
        before, original = row_counts(), model_to_dict(world.note)
        response = post(staff_client, path, {**data, "action": action}, encoding)
        assert_safe_response(response, path)
        if response.status_code == 302:
            assert action != "similar"
            if editing:
                note = EventNote.objects.get(pk=world.note.pk)
            else:
                assert EventNote.objects.count() == before["events.EventNote"] + 1
                note = EventNote.objects.order_by("pk").last()
            check_note_saved(note, data)
            follow(staff_client, response, "the saved note")
            assert_safe_response(get(staff_client, note.get_absolute_url()), "the note page")
        elif action == "similar":
            assert not count_changes(before, row_counts()), "checking for similar work saved"
        else:
            assert_refused_properly(response, typed=typed, before=before)
            assert model_to_dict(EventNote.objects.get(pk=world.note.pk)) == original
        assert_no_control_characters()


MEETING_VALID = {**{f"event-{k}": v for k, v in EVENT_VALID.items()}, **NOTE_VALID}


@hostile_examples
@given(
    data=st.fixed_dictionaries({**event_fields("event-"), **note_fields()}),
    action=hostile_or("publish", "draft"),
)
@example(data={**MEETING_VALID, "event-organiser": LINE_BREAK}, action="publish")
@example(data={**MEETING_VALID, "note-summary": f"a{ALL_CONTROLS}b"}, action="publish")
def test_meeting_form(staff_client, world, data, action):
    typed = typed_fields(
        data,
        [f"event-{n}" for n in [*EVENT_TEXT, "booking_url", "series_name", "tags"]]
        + [f"note-{n}" for n in NOTE_TEXT + NOTE_LINES]
        + ["note-related_links", "note-tags", *_speaker_typed(data)],
    )
    with fresh_state():
        before = row_counts()
        response = post(staff_client, "/events/write-up/", {**data, "action": action})
        assert_safe_response(response, "/events/write-up/")
        if response.status_code == 302:
            assert Event.objects.count() == before["events.Event"] + 1
            assert EventNote.objects.count() == before["events.EventNote"] + 1
            note = EventNote.objects.order_by("pk").last()
            assert note.event == Event.objects.order_by("pk").last()
            check_event_saved(staff_client, note.event, data, prefix="event-")
            check_note_saved(note, data)
            follow(staff_client, response, "the saved meeting")
        else:
            assert_refused_properly(response, typed=typed, before=before)
        assert_no_control_characters()


@hostile_examples
@given(content=hostile_text)
@example(content=f"{MARKUP} [x](javascript:alert(1)) <a href='javascript:alert(1)'>x</a>")
def test_markdown_preview(staff_client, world, content):
    with fresh_state():
        response = post(staff_client, "/staff/markdown/preview/", {"content": content})
        assert_safe_response(response, "the Markdown preview")


# --- Stakeholders ---------------------------------------------------------------------------

VALID_STARTED = "(a freshly signed token)"


def mostly(value: str, otherwise: st.SearchStrategy[str], one_in: int = 5):
    return st.integers(0, one_in - 1).flatmap(
        lambda n: otherwise if n == one_in - 1 else st.just(value)
    )


topic_lists = st.lists(hostile_or("carers", "carers", ""), max_size=3)
choices_fields = {
    "name": hostile_text,
    "organisation": hostile_text,
    "role": hostile_or("practitioner", "commissioner", "other", ""),
    "all_topics": hostile_or("", "on"),
    "topics": topic_lists,
    "region": hostile_or("", "london"),
}
signup_posts = st.fixed_dictionaries(
    {
        **choices_fields,
        "email": hostile_email,
        "consent": hostile_or("on", ""),
        "website": mostly("", hostile_text),
        "started": mostly(VALID_STARTED, hostile_text),
    }
)


@pytest.fixture
def staff_reviewer(staff_user) -> Client:
    reviewer = Client()
    reviewer.force_login(staff_user)
    return reviewer


SIGNUP_VALID = {
    "email": "asha@example.org",
    "name": "Asha",
    "organisation": "Leeds Carers",
    "role": "practitioner",
    "all_topics": "",
    "topics": ["carers"],
    "region": "london",
    "consent": "on",
    "website": "",
    "started": VALID_STARTED,
}


@hostile_examples
@given(data=signup_posts, encoding=encodings)
@example(data={**SIGNUP_VALID, "name": SCRIPT}, encoding="urlencoded")
@example(data={**SIGNUP_VALID, "email": "a" * 91 + "@example.org"}, encoding="urlencoded")
@example(data={**SIGNUP_VALID, "email": "asha@exämple.org"}, encoding="multipart")
@example(data={**SIGNUP_VALID, "organisation": LINE_BREAK}, encoding="urlencoded")
def test_signup_form(visitor, staff_reviewer, world, data, encoding):
    looks_human = data["started"] == VALID_STARTED and not data["website"]
    if data["started"] == VALID_STARTED:
        data["started"] = form_started_token()
    typed = typed_fields(data, ["email", "name", "organisation"])
    with fresh_state():
        before = row_counts()
        response = post(visitor, "/updates/", data, encoding)
        assert_safe_response(response, "the sign-up page")
        if response.status_code == 302:
            new = Subscriber.objects.exclude(pk=world.subscriber.pk)
            if not new.exists():
                # Only a bot's reply is quietly dropped.
                assert not looks_human, "an accepted sign-up saved nothing"
                assert not count_changes(before, row_counts())
            else:
                [subscriber] = new
                assert subscriber.status == SubscriberStatus.PENDING
                assert_saved_as_typed(subscriber, data, ["name", "organisation"])
                # The domain may be stored in its ASCII (punycode) form; the local part as typed.
                local = subscriber.email.rpartition("@")[0]
                assert squash(local) == squash(data["email"].rpartition("@")[0])
                assert_email_within_rfc_limits(subscriber.email)
                assert len(mail.outbox) == 1, (
                    f"the accepted sign-up sent no confirmation; failed tasks: {FAILED_TASKS}"
                )
                [message] = mail.outbox
                message.message()  # headers are built here: no injected line survives
                confirm = get(visitor, path_of(link_in(message, "/confirm/")))
                assert_safe_response(confirm, "the confirmation page")
                # What staff see of this person once confirmed.
                Subscriber.objects.filter(pk=subscriber.pk).update(
                    status=SubscriberStatus.CONFIRMED, confirmed_at=timezone.now()
                )
                for path in staff_preview_paths():
                    page = get(staff_reviewer, path, {"email": subscriber.email})
                    assert_safe_response(page, f"{path} for the new subscriber")
                assert_safe_response(get(staff_reviewer, "/updates/staff/"), "the dashboard")
        else:
            assert_refused_properly(response, typed=typed, before=before)
        assert_no_control_characters()


def staff_preview_paths() -> list[str]:
    paths = ["/updates/staff/preview/"]
    # Where the e-mail's HTML is served on its own, for the preview page to frame.
    with suppress(NoReverseMatch):
        paths.append(reverse("stakeholders:staff_preview_html"))
    return paths


PREFERENCES_VALID = {key: value for key, value in SIGNUP_VALID.items() if key in choices_fields}


@hostile_examples
@given(
    data=st.fixed_dictionaries(choices_fields),
    action=hostile_or("pause", "resume", "unsubscribe", "resubscribe"),
    encoding=encodings,
)
@example(data={**PREFERENCES_VALID, "name": LINE_BREAK}, action=SCRIPT, encoding="urlencoded")
@example(
    data={**PREFERENCES_VALID, "organisation": "Leeds\x80Carers", "name": SCRIPT},
    action="pause",
    encoding="multipart",
)
# An action too big to read (3 MB): refused with a 400, nothing changed.
@example(data=PREFERENCES_VALID, action="\u202e" * 1_000_000, encoding="urlencoded")
def test_preferences_form(visitor, world, data, action, encoding):
    path = f"/updates/preferences/{world.manage_token}/"
    with fresh_state():
        before, original = row_counts(), model_to_dict(world.subscriber)
        response = post(visitor, path, data, encoding)
        assert_safe_response(response, "the preferences page")
        html = response.content.decode()
        if "Your choices are saved" in html:
            subscriber = Subscriber.objects.get(pk=world.subscriber.pk)
            assert_saved_as_typed(subscriber, data, ["name", "organisation"])
            assert not count_changes(before, row_counts())
        else:
            assert_refused_properly(
                response, typed=typed_fields(data, ["name", "organisation"]), before=before
            )
            assert model_to_dict(Subscriber.objects.get(pk=world.subscriber.pk)) == original
        before = model_to_dict(Subscriber.objects.get(pk=world.subscriber.pk))
        done = post(visitor, f"{path}action/", {"action": action})
        if done.status_code == 400:
            # Too big to read at all (DATA_UPLOAD_MAX_MEMORY_SIZE): nothing changed.
            assert_safe_response(done, "the refusal of an unreadable action")
            assert model_to_dict(Subscriber.objects.get(pk=world.subscriber.pk)) == before
        else:
            assert done.status_code == 302, done.status_code
            follow(visitor, done, "the preferences page after an action")
        export = get(visitor, f"{path}my-data.json")
        json.loads(export.content)
        assert_no_control_characters()


@hostile_examples
@given(email=hostile_email, encoding=encodings)
@example(email="a" * 91 + "@example.org", encoding="urlencoded")
@example(email="person@example.org\r\nBcc: victim@example.org", encoding="urlencoded")
def test_fresh_link_form(visitor, world, email, encoding):
    with fresh_state():
        before = row_counts()
        response = post(visitor, "/updates/link/", {"email": email}, encoding)
        assert_safe_response(response, "the fresh-link page")
        if response.status_code == 302:
            assert_email_within_rfc_limits(without_controls(email).strip())
            for message in mail.outbox:
                message.message()
        else:
            assert_refused_properly(response, typed={"email": email}, before=before)
        assert_no_control_characters()


# --- Signing in -----------------------------------------------------------------------------


def assert_stays_on_site(location: str) -> None:
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https"), location
    assert parts.netloc in ("", "testserver"), f"redirected off the site to {location!r}"
    assert not location.startswith(("//", "/\\", "\\")), location


@hostile_examples
@given(
    username=hostile_or("editor"),
    password=hostile_or("correct horse battery"),
    next_url=hostile_or("", "/practice/", "//evil.example/", "https://evil.example/"),
    encoding=encodings,
)
@example(username=LINE_BREAK, password="x", next_url=SCRIPT, encoding="urlencoded")
@example(
    username="editor",
    password="correct horse battery",
    next_url="//evil.example/",
    encoding="multipart",
)
def test_sign_in_form(visitor, staff_user, world, username, password, next_url, encoding):
    data = {"username": username, "password": password, "next": next_url}
    with fresh_state():
        before = row_counts(ignore=LOGGING_APPS)
        shown = get(visitor, "/sign-in/", {"next": next_url})
        assert_safe_response(shown, "the sign-in page")
        response = post(visitor, "/sign-in/", data, encoding)
        assert_safe_response(response, "the sign-in page")
        if response.status_code == 302:
            assert_stays_on_site(response["Location"])
        elif response.status_code == 200:
            assert_refused_properly(
                response, typed={"username": username}, before=before, ignore=LOGGING_APPS
            )
        else:
            assert response.status_code in (400, 403, 429), response.status_code
        visitor.cookies.clear()
        assert_no_control_characters()


# --- Query parameters of every page -----------------------------------------------------------

# Each page with the parameters it reads (every page reads `page` for its canonical link) and
# some valid values, so that hostile ones meet working filters.
PUBLIC_PAGES = {
    "/": {"page": ["2"]},
    "/about/": {"page": ["1"]},
    "/practice/": {
        "tag": ["carers"],
        "region": ["london"],
        "evidence": ["2"],
        "page": ["2"],
        "q": ["carers"],
    },
    "/practice/hostile-write-up/": {"page": ["1"]},
    "/search/": {
        "q": ["carers", '"drop-in" OR respite -dementia'],
        "type": ["writeup", "event", "note"],
        "tag": ["carers"],
        "region": ["london"],
        "evidence": ["2"],
        "year": ["2026"],
        "sort": ["newest", "relevance"],
        "page": ["2"],
    },
    "/search/suggest/": {"q": ["car", "carers"]},
    "/search/similar/": {
        "title": ["Carers drop-in"],
        "summary": ["carers"],
        "exclude": ["writeup:1", "note:1", "note:²", "writeup:" + "9" * 5000, "note:-1"],
    },
    "/events/": {"tag": ["carers"], "region": ["london"], "page": ["2"]},
    "/events/past/": {"tag": ["carers"], "region": ["london"], "page": ["2"]},
    "/events/hostile-event/": {"page": ["1"]},
    "/events/hostile-event/event.ics": {},
    "/events/feed.ics": {},
    "/events/notes/hostile-notes/": {"page": ["1"]},
    "/events/series/hostile-series/": {"page": ["1"]},
    "/tags/carers/": {"page": ["2"]},
    "/updates/": {"topic": ["carers"]},
    "/updates/link/": {},
    "/updates/check-your-email/": {},
    "/sign-in/": {"next": ["/practice/"]},
    "/sitemap.xml": {"p": ["1", "2"]},
    "/robots.txt": {},
}
STAFF_PAGES = {
    "/updates/staff/": {},
    "/updates/staff/preview/": {"email": ["person@example.org", "PERSON@example.org"]},
    "/updates/staff/subscribers.csv": {},
    "/search/gaps/": {},
    "/practice/": {"tag": ["carers"], "page": ["2"]},
    "/events/": {"tag": ["carers"]},
    "/practice/new/": {},
    "/events/new/": {},
    "/events/write-up/": {},
    "/events/hostile-past-event/notes/new/": {},
    "/practice/hostile-write-up/edit/": {},
}


def query_strategy(known: dict[str, list[str]]) -> st.SearchStrategy[dict]:
    """Each parameter the page reads, repeated or not, plus a few it has never heard of."""
    params = {
        name: st.lists(
            st.one_of(st.sampled_from(values), st.sampled_from(NUMBERS), hostile_param),
            max_size=3,
        )
        for name, values in {**known, "page": known.get("page", ["1"])}.items()
    }
    return st.tuples(
        st.fixed_dictionaries(params),
        st.dictionaries(hostile_param, hostile_param, max_size=2),
    ).map(lambda both: {**both[1], **both[0]})


def with_known_queries(test, known: dict[str, list[str]]):
    """Every parameter at once set to each input that once reached a fault."""
    names = [*known, "page"]
    for value in ("\x00", MARKUP, LINE_BREAK, TSQUERY_AND_SQL, ALL_CONTROLS, "²", "9" * 5000):
        test = example(params={name: [value] for name in names})(test)
    return test


def _check_get(client: Client, path: str, params: dict) -> None:
    with fresh_state():
        response = get(client, path, params)
        assert_safe_response(response, path)
        assert_no_control_characters()


@pytest.mark.parametrize("path", list(PUBLIC_PAGES))
def test_public_page_parameters(visitor, world, path):
    def check(params):
        _check_get(visitor, path, params)

    known = PUBLIC_PAGES[path]
    hostile_examples(given(params=query_strategy(known))(with_known_queries(check, known)))()


@pytest.mark.parametrize("path", list(STAFF_PAGES))
def test_staff_page_parameters(staff_client, world, path):
    def check(params):
        _check_get(staff_client, path, params)

    known = STAFF_PAGES[path]
    hostile_examples(given(params=query_strategy(known))(with_known_queries(check, known)))()


@hostile_examples
@given(params=query_strategy({"email": ["person@example.org"]}))
@example(params={"email": ["\x00"]})
@example(params={"email": [" PERSON@example.org\x00"]})
def test_staff_digest_email_parameters(staff_client, world, params):
    for path in staff_preview_paths():
        _check_get(staff_client, path, params)


@hostile_examples
@given(params=query_strategy({"done": ["pause", "unsubscribe"]}))
@example(params={"done": [MARKUP], "page": ["\x00"]})
def test_preferences_page_parameters(visitor, world, params):
    _check_get(visitor, f"/updates/preferences/{world.manage_token}/", params)


@hostile_examples
@given(queries=st.lists(hostile_param, min_size=1, max_size=3))
@example(queries=[MARKUP, MARKUP, f"carers{ALL_CONTROLS}", TSQUERY_AND_SQL])
def test_searches_logged_then_listed_as_gaps(visitor, staff_client, world, queries):
    """What people search for is logged, then shown to staff as gaps: escaped both times."""
    with fresh_state():
        for query in queries:
            assert_safe_response(get(visitor, "/search/", {"q": query}), "search results")
            assert_safe_response(get(visitor, "/search/suggest/", {"q": query}), "suggestions")
        assert_safe_response(get(staff_client, "/search/gaps/"), "the search gaps page")
        assert_no_control_characters()


# --- Hostile links and paths ----------------------------------------------------------------

TOKEN_PATHS = [
    "/updates/confirm/{}/",
    "/updates/preferences/{}/",
    "/updates/preferences/{}/my-data.json",
    "/updates/preferences/{}/delete/",
    "/updates/unsubscribe/{}/",
]
PATH_PREFIXES = ["/", "/practice/", "/events/", "/events/notes/", "/tags/", "/search/", "/admin/"]


@hostile_examples
@given(token=hostile_param, method=st.sampled_from(["get", "post"]))
@example(token=f"{MARKUP}\x00", method="get")
@example(token="x" * 300, method="post")
def test_hostile_tokens_in_links(visitor, world, token, method):
    with fresh_state():
        before = row_counts()
        for pattern in TOKEN_PATHS:
            path = pattern.format(quote(token, safe=""))
            response = getattr(visitor, method)(path)
            assert response.status_code < 500, f"{method.upper()} {path[:80]}"
            assert_safe_response(response, path[:80])
        assert not count_changes(before, row_counts()), "a forged link changed something"
        if method == "post":
            done = visitor.post(f"/updates/preferences/{quote(token, safe='')}/action/")
            assert done.status_code < 500


@hostile_examples
@given(prefix=st.sampled_from(PATH_PREFIXES), segment=hostile_param)
@example(prefix="/practice/", segment=f"{MARKUP}\x00")
def test_hostile_paths(visitor, staff_client, world, prefix, segment):
    for client in (visitor, staff_client):
        response = client.get(prefix + quote(segment, safe="/"))
        assert response.status_code < 500
        assert_safe_response(response, prefix)


# --- The admin ------------------------------------------------------------------------------


def admin_changelists() -> list[tuple[str, dict[str, list[str]]]]:
    """Each registered model's change list with the parameters it reads: search, ordering,
    page, and each list filter."""
    pages = []
    for model, model_admin in django_admin.site._registry.items():
        meta = model._meta
        params = {"q": ["carers"], "o": ["1", "-2.1"], "p": ["1"], "e": ["1"], "all": [""]}
        for name in model_admin.list_filter:
            if isinstance(name, str):
                params[f"{name}__exact"] = ["1"]
        pages.append((f"admin:{meta.app_label}_{meta.model_name}_changelist", params))
    return pages


@pytest.mark.parametrize(
    ("view_name", "known"), admin_changelists(), ids=[name for name, _ in admin_changelists()]
)
def test_admin_change_list_parameters(admin_client, world, view_name, known):
    path = reverse(view_name)

    def check(params):
        _check_get(admin_client, path, params)

    hostile_examples(given(params=query_strategy(known))(with_known_queries(check, known)))()


# Keyed by model name: the admin URL follows wherever the model lives.
ADMIN_ADD_FORMS = {
    "Series": {
        "name": hostile_text,
        "slug": hostile_or("leadership", ""),
        "description": hostile_text,
    },
    "Synonym": {
        "terms": hostile_or("A&E, accident and emergency"),
        "kind": hostile_or("acronym", "other"),
    },
    "Tag": {"name": hostile_text, "slug": hostile_or("carers-2", "")},
}


@pytest.mark.parametrize("model_name", list(ADMIN_ADD_FORMS))
def test_admin_add_forms(admin_client, world, model_name):
    meta = model_named(model_name)._meta
    path = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")

    @hostile_examples
    @given(data=st.fixed_dictionaries(ADMIN_ADD_FORMS[model_name]))
    def check(data):
        with fresh_state():
            before = row_counts()
            response = post(admin_client, path, {**data, "_save": "Save"})
            assert_safe_response(response, path)
            if response.status_code == 200:
                html = response.content.decode()
                assert not count_changes(before, row_counts()), "a refused form saved"
                assert 'class="errornote"' in html or "errorlist" in html
                typed = {name: value for name, value in data.items() if name != "kind"}
                lost = [name for name, value in typed.items() if not typed_text_shown(html, value)]
                assert not lost, f"the re-shown form lost what was typed in {lost}"
            elif response.status_code == 400:
                # Too big to read at all (DATA_UPLOAD_MAX_MEMORY_SIZE): nothing saved.
                assert not count_changes(before, row_counts()), "an unreadable form saved"
            else:
                assert response.status_code == 302, response.status_code
                follow(admin_client, response, f"the change list after {path}")
                # A new synonym changes every search it expands.
                assert_safe_response(get(admin_client, "/search/", {"q": "carers"}), "search")
            assert_no_control_characters()

    check()


# --- Known faults, reproduced exactly -------------------------------------------------------


@pytest.fixture
def quiet_client() -> Client:
    """Answers with the 500 page instead of raising, to assert on the status."""
    return Client(raise_request_exception=False)


@pytest.fixture
def quiet_staff_client(quiet_client, staff_user) -> Client:
    quiet_client.force_login(staff_user)
    return quiet_client


def test_nul_in_writeup_list_tag_filter(quiet_client, world):
    """Bug: GET /practice/?tag=%00 sent the NUL to PostgreSQL, which refuses it: a 500."""
    response = quiet_client.get("/practice/?tag=%00")
    assert response.status_code < 500, server_error(response)
    assert_safe_response(response)


def test_nul_in_staff_digest_preview_email(quiet_staff_client, world):
    """Bug: GET /updates/staff/preview/?email=%00 sent the NUL to PostgreSQL: a 500."""
    response = quiet_staff_client.get("/updates/staff/preview/?email=%00")
    assert response.status_code < 500, server_error(response)


EVENT_WITH_LINE_BREAK = {
    "title": "Carers round table",
    "starts_at": "2031-06-03T10:00",
    "ends_at": "2031-06-03T12:30",
    "venue": "Leeds Civic Hall",
    "address": "",
    "organiser": "Name\r\nSubject: hi",
    "description": "Bring questions.",
    "booking_url": "",
    "region": "",
    "tags": "carers",
    "series_name": "",
    "series_position": "",
    "action": "publish",
}


def test_event_organiser_line_break_is_refused_and_calendars_keep_working(quiet_staff_client):
    """Bug: an organiser of "Name\\r\\nSubject: hi" published through /events/new/ made
    /events/feed.ics and the event's .ics answer 500."""
    response = quiet_staff_client.post("/events/new/", EVENT_WITH_LINE_BREAK)
    assert response.status_code < 500, server_error(response)
    for event in Event.objects.all():
        ics = quiet_staff_client.get(event.get_ics_url())
        assert ics.status_code == 200, server_error(ics)
    feed = quiet_staff_client.get("/events/feed.ics")
    assert feed.status_code == 200, server_error(feed)
    assert response.status_code == 200, "the line break was accepted"
    assert 'id="id_organiser_error"' in response.content.decode(), "no message by the field"
    assert not Event.objects.exists()


def test_event_organiser_line_break_saved_directly_does_not_break_calendars(quiet_client):
    """Bug: an event whose organiser holds CR LF (saved through the ORM, as an import or a
    shell could) made /events/feed.ics and its .ics answer 500."""
    event = make_event(organiser="Name\r\nSubject: hi")
    for path in [event.get_ics_url(), "/events/feed.ics"]:
        response = quiet_client.get(path)
        assert response.status_code == 200, f"{path}: {server_error(response)}"
        body = response.content.decode()
        assert not ics_problems(body), ics_problems(body)
        assert "\r\nSubject: hi" not in body


def _distinct_words(count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = []
    for n in range(count):
        word = ""
        for _ in range(5):
            n, digit = divmod(n, 26)
            word += letters[digit]
        words.append(f"zq{word}")
    return words


def test_writeup_body_of_100000_distinct_words(quiet_staff_client):
    """Bug: a write-up body of 100,000 distinct words (~800 KB) made /practice/new/ answer
    500 (its search vector is over PostgreSQL's 1 MB limit)."""
    words = _distinct_words(100_000)
    body = " ".join(words)
    assert 750_000 < len(body) < 850_000
    data = {
        "title": "Weekly drop-ins for carers",
        "summary": "What we tried.",
        "body": body,
        "evidence_level": "2",
        "action": "publish",
    }
    response = quiet_staff_client.post("/practice/new/", data)
    assert response.status_code < 500, server_error(response)
    html = response.content.decode()
    assert response.status_code == 200, "the body was accepted"
    assert 'id="id_body_error"' in html, "no message by the field"
    assert body in html, "the typed body is not kept in the re-shown form"
    assert not WriteUp.objects.exists()


def test_signup_name_with_script_is_escaped_in_staff_digest_preview(
    quiet_client, quiet_staff_client, staff_user
):
    """Bug: a sign-up named <script>alert(1)</script> ran as script in the plain-text part of
    the staff digest preview."""
    make_writeup(title="Carers café", tags=("carers",))
    visitor = Client()
    response = visitor.post("/updates/", signup_data(name=SCRIPT, topics=["carers"]))
    assert response.status_code == 302
    [message] = mail.outbox
    visitor.post(path_of(link_in(message, "/confirm/")))
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED
    page = quiet_staff_client.get("/updates/staff/preview/", {"email": "asha@example.org"})
    assert page.status_code == 200, server_error(page)
    html = page.content.decode()
    assert "Carers café" in html, "the preview shows no digest"
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("path", ["/updates/", "/updates/link/"])
@pytest.mark.parametrize(
    ("address", "accepted"),
    [
        ("a" * 91 + "@example.org", False),
        ("a" * 65 + "@example.org", False),
        ("a" * 64 + "@example.org", True),
        ("a" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 56 + ".org", True),
        ("a" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 58 + ".org", False),
    ],
)
def test_email_address_length_limits(quiet_client, path, address, accepted):
    """Bug: an email address with a 91-character local part was accepted; RFC 5321 allows
    64 characters before the @ and 254 in all."""
    make_writeup(tags=("carers",))
    data = signup_data(email=address) if path == "/updates/" else {"email": address}
    response = quiet_client.post(path, data)
    assert response.status_code < 500, server_error(response)
    if accepted:
        assert response.status_code == 302, f"refused a valid {len(address)}-character address"
        return
    assert response.status_code == 200, f"accepted {address[:20]}… ({len(address)} characters)"
    assert 'id="id_email_error"' in response.content.decode(), "no message by the field"
    assert not Subscriber.objects.exists()
    assert not RateLimitHit.objects.exists()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/practice/", {"evidence": "²"}),
        ("/practice/", {"evidence": "9" * 5000}),
        ("/search/", {"q": "carers", "year": "²"}),
        ("/search/", {"q": "carers", "year": "9" * 5000}),
        ("/search/", {"q": "carers", "evidence": "①"}),
        ("/search/", {"q": "carers", "page": "²"}),
        ("/search/similar/", {"title": "carers drop-in", "exclude": "note:²"}),
        ("/search/similar/", {"title": "carers drop-in", "exclude": "writeup:" + "9" * 5000}),
    ],
)
def test_numbers_that_int_refuses(quiet_client, world, path, params):
    """Bug: str.isdigit() is true of "²" and "①", which int() refuses, and int() refuses more
    than 4,300 digits: the numeric filters and page numbers answered 500 (ValueError)."""
    response = quiet_client.get(path, params)
    assert response.status_code < 500, server_error(response)
    assert_safe_response(response, path)


def test_event_at_the_end_of_the_calendar_keeps_calendars_working(quiet_staff_client):
    """Bug: an event on 31 December 9999, which /events/new/ accepts, made its .ics and the
    feed answer 500 (OverflowError: date value out of range)."""
    data = {**EVENT_VALID, "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:59"}
    response = quiet_staff_client.post("/events/new/", {**data, "action": "publish"})
    assert response.status_code < 500, server_error(response)
    if response.status_code == 200:
        assert 'field__error"' in response.content.decode(), "refused without a message"
    # Saved directly (an import, the shell) the date must not break the calendars either.
    make_event(starts_at=datetime(9999, 12, 31, 22, tzinfo=UTC), hours=1)
    make_event(starts_at=datetime(1, 1, 2, tzinfo=UTC), hours=1)
    for event in Event.objects.all():
        ics = quiet_staff_client.get(event.get_ics_url())
        assert ics.status_code == 200, f"{event.starts_at:%Y-%m-%d}: {server_error(ics)}"
    feed = quiet_staff_client.get("/events/feed.ics")
    assert feed.status_code == 200, server_error(feed)


def test_address_with_a_non_ascii_domain_and_a_name(quiet_client, quiet_staff_client):
    """Bug: an address with a non-ASCII domain and a name made formataddr raise: no
    confirmation mail, a 500 on the staff digest preview, and a failed digest batch that left
    everyone in it unsent."""
    make_writeup(title="Carers café", tags=("carers",))
    response = quiet_client.post("/updates/", signup_data(email="asha@exämple.org", name="Asha"))
    assert response.status_code < 500, server_error(response)
    if response.status_code == 200:
        assert 'id="id_email_error"' in response.content.decode(), "refused without a message"
    else:
        assert len(mail.outbox) == 1, f"no confirmation was sent; failed tasks: {FAILED_TASKS}"
    # Saved another way (the admin, an import), such an address must not break the digest.
    FAILED_TASKS.clear()
    Subscriber.objects.all().delete()
    make_subscriber(email="asha@exämple.org", name="Asha", topics=("carers",))
    make_subscriber(email="bob@example.org", name="Bob", topics=("carers",))
    for path in staff_preview_paths():
        preview = quiet_staff_client.get(path, {"email": "asha@exämple.org"})
        assert preview.status_code < 500, f"{path}: {server_error(preview)}"
    mail.outbox = []
    call_command("send_weekly_digest")
    assert ["Bob <bob@example.org>"] in [message.to for message in mail.outbox], FAILED_TASKS
    assert not FAILED_TASKS, FAILED_TASKS
