"""Every role against every writing view and POST (config/roles.py): checked on the server,
whatever the page shows. Items a user may not know about are 404, not 403."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from config import roles
from events.models import Event, EventNote
from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "contributor", "other contributor", "editor", "administrator")


def _person(name: str) -> Client:
    client = Client()
    if name == "anonymous":
        return client
    role = {"contributor": roles.CONTRIBUTOR, "other contributor": roles.CONTRIBUTOR}.get(
        name, roles.EDITOR if name == "editor" else roles.ADMINISTRATOR
    )
    user = get_user_model().objects.create_user(
        username=name.replace(" ", "-"),
        password="pw",
        is_staff=role == roles.ADMINISTRATOR,
        is_superuser=role == roles.ADMINISTRATOR,
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client.force_login(user)
    return client


@pytest.fixture
def people() -> dict[str, Client]:
    return {name: _person(name) for name in PEOPLE}


@pytest.fixture
def items(people):
    """The contributor's draft of each type, and published ones by the contributor."""
    author = get_user_model().objects.get(username="contributor")
    event = make_event(title="Contributor's draft event", status=Status.DRAFT, author=author)
    return {
        "draft write-up": make_writeup(title="A draft", status=Status.DRAFT, author=author),
        "published write-up": make_writeup(title="Out there", author=author),
        "draft event": event,
        "draft note": make_note(
            event=make_event(title="Public meeting"),
            title="Draft notes",
            status=Status.DRAFT,
            author=author,
        ),
    }


LOGIN, OK, REFUSED, MISSING = 302, 200, 403, 404

# path (formatted with the items' slugs) -> expected status for each person, in PEOPLE order.
GETS = {
    "/practice/new/": (LOGIN, OK, OK, OK, OK),
    "/events/new/": (LOGIN, OK, OK, OK, OK),
    "/events/write-up/": (LOGIN, OK, OK, OK, OK),
    "/practice/{draft write-up}/": (MISSING, OK, MISSING, OK, OK),
    "/practice/{draft write-up}/edit/": (LOGIN, OK, MISSING, OK, OK),
    "/practice/{published write-up}/edit/": (LOGIN, REFUSED, REFUSED, OK, OK),
    "/events/{draft event}/": (MISSING, OK, MISSING, OK, OK),
    "/events/{draft event}/edit/": (LOGIN, OK, MISSING, OK, OK),
    "/events/{draft event}/notes/new/": (LOGIN, OK, MISSING, OK, OK),
    "/events/notes/{draft note}/": (MISSING, OK, MISSING, OK, OK),
    "/events/notes/{draft note}/edit/": (LOGIN, OK, MISSING, OK, OK),
    "/updates/staff/": (LOGIN, REFUSED, REFUSED, OK, OK),
    "/search/gaps/": (LOGIN, REFUSED, REFUSED, OK, OK),
    "/review/": (LOGIN, REFUSED, REFUSED, OK, OK),
    "/my-work/": (LOGIN, OK, OK, OK, OK),
}


@pytest.mark.parametrize("path", GETS)
def test_every_role_against_every_page(people, items, path):
    url = path.format(**{name: item.slug for name, item in items.items()})
    got = tuple(people[name].get(url).status_code for name in PEOPLE)
    assert got == GETS[path], dict(zip(PEOPLE, got, strict=True))


def _writeup_post(**changes) -> dict:
    data = {
        "title": "Walking groups for carers",
        "summary": "Carers walked together every week.",
        "evidence_level": "2",
        "action": "publish",
    }
    return {**data, **changes}


@pytest.mark.parametrize(("name", "published"), [("contributor", False), ("editor", True)])
def test_only_editors_publish_whatever_the_post_says(people, name, published):
    response = people[name].post("/practice/new/", _writeup_post())
    assert response.status_code == 302
    writeup = WriteUp.objects.get(title="Walking groups for carers")
    assert writeup.is_published is published
    assert writeup.author.username == name
    if not published:
        assert Client().get(writeup.get_absolute_url()).status_code == 404


def test_a_contributor_cannot_change_anothers_draft_by_post(people, items):
    draft = items["draft write-up"]
    response = people["other contributor"].post(
        f"/practice/{draft.slug}/edit/", _writeup_post(title="Taken over")
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.title == "A draft" and draft.status == Status.DRAFT
    # Nor publish their own draft by editing it.
    response = people["contributor"].post(f"/practice/{draft.slug}/edit/", _writeup_post())
    draft.refresh_from_db()
    assert response.status_code == 302 and draft.status == Status.DRAFT
    # An editor can.
    people["editor"].post(f"/practice/{draft.slug}/edit/", _writeup_post())
    draft.refresh_from_db()
    assert draft.is_published


def test_events_and_notes_follow_the_same_rules(people, items):
    event, note = items["draft event"], items["draft note"]
    event_post = {"title": "Taken over", "action": "publish"}
    assert (
        people["other contributor"].post(f"/events/{event.slug}/edit/", event_post).status_code
        == 404
    )
    assert Event.objects.get(pk=event.pk).title == "Contributor's draft event"
    note_post = {"note-title": "Taken over", "action": "publish"}
    assert (
        people["other contributor"].post(f"/events/notes/{note.slug}/edit/", note_post).status_code
        == 404
    )
    assert EventNote.objects.get(pk=note.pk).title == "Draft notes"


def test_the_header_offers_what_each_role_may_do(people):
    pages = {name: people[name].get("/practice/").content.decode() for name in PEOPLE}
    share, gaps, admin = 'href="/practice/new/"', 'href="/search/gaps/"', 'href="/admin/"'
    assert share not in pages["anonymous"]
    assert share in pages["contributor"] and gaps not in pages["contributor"]
    assert gaps in pages["editor"] and admin not in pages["editor"]
    assert admin in pages["administrator"]


def test_demo_accounts_one_per_role_with_their_logins_printed(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("ensure_demo_staff", stdout=out)
    printed = out.getvalue()
    for username, role in (
        ("demo-contributor", roles.CONTRIBUTOR),
        ("demo-editor", roles.EDITOR),
        ("demo", roles.ADMINISTRATOR),
    ):
        user = get_user_model().objects.get(username=username)
        assert roles.roles(user) >= {role}
        password = (tmp_path / f"demo-login-{username}.txt").read_text().strip()
        assert f"username '{username}', password '{password}'" in printed
        assert user.check_password(password)
    # Run again: the same logins.
    again = StringIO()
    call_command("ensure_demo_staff", stdout=again)
    assert again.getvalue() == printed
