"""Every role against every writing view and POST (config/roles.py): checked on the server,
whatever the page shows. Items a user may not know about are 404, not 403."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from config import roles
from config.models import AuditEntry
from events.models import Event, EventNote
from practice import history
from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_person, make_writeup, signed_in
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "contributor", "other contributor", "editor", "administrator")


ROLE_OF = {
    "contributor": roles.CONTRIBUTOR,
    "other contributor": roles.CONTRIBUTOR,
    "editor": roles.EDITOR,
    "administrator": roles.ADMINISTRATOR,
}


def _person(name: str) -> Client:
    if name == "anonymous":
        return Client()
    admin = name == "administrator"
    return signed_in(
        make_person(name.replace(" ", "-"), ROLE_OF[name], is_staff=admin, is_superuser=admin)
    )


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
    "/people/": (LOGIN, REFUSED, REFUSED, REFUSED, OK),
    "/audit/": (LOGIN, REFUSED, REFUSED, REFUSED, OK),
    # The history of an item a person may not know about is as missing as the item.
    "/history/writeup/{draft write-up pk}/": (LOGIN, OK, MISSING, OK, OK),
    "/history/writeup/{published write-up pk}/": (LOGIN, OK, MISSING, OK, OK),
    "/history/event/{draft event pk}/": (LOGIN, OK, MISSING, OK, OK),
    "/history/note/{draft note pk}/": (LOGIN, OK, MISSING, OK, OK),
}


def _fill(path: str, items) -> str:
    slugs = {name: item.slug for name, item in items.items()}
    return path.format(**slugs, **{f"{name} pk": item.pk for name, item in items.items()})


@pytest.mark.parametrize("path", GETS)
def test_every_role_against_every_page(people, items, path):
    url = _fill(path, items)
    got = tuple(people[name].get(url).status_code for name in PEOPLE)
    assert got == GETS[path], dict(zip(PEOPLE, got, strict=True))


# --- Every POST that changes something, by every role ------------------------------------
# Each row: the URL, the form it posts, and what must be true afterwards when it worked.
# Anyone refused leaves everything as it was.

DONE = "done"  # redirected back to the page it came from, with a message


@pytest.fixture
def targets(people, items):
    """What the POSTs act on: the contributor's submissions, a published item with a
    revision to restore, and accounts for the administrator's forms."""
    author = get_user_model().objects.get(username="contributor")
    published = items["published write-up"]
    with history.revision(author, "First words"):
        published.save()
    pending = make_person("invitee", roles.CONTRIBUTOR, email="invitee@example.org")
    pending.is_active = False
    pending.set_unusable_password()
    pending.save()
    return {
        "in review": make_writeup(title="Waiting", status=Status.IN_REVIEW, author=author),
        "scheduled": make_writeup(
            title="Soon",
            status=Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(days=1),
            author=author,
        ),
        "published": published,
        "version": Version.objects.get_for_object(published).first(),
        "colleague": get_user_model().objects.get(username="other-contributor"),
        "left": make_person("left", roles.CONTRIBUTOR, is_active=False),
        "pending": pending,
    }


def _status(item) -> str:
    return type(item).objects.get(pk=item.pk).status


POSTS = {
    "request changes": (
        lambda t: "/review/changes/",
        lambda t: {"kind": "writeup", "pk": t["in review"].pk, "comment": "Say who it was for."},
        lambda t: _status(t["in review"]) == Status.CHANGES_REQUESTED,
        (LOGIN, REFUSED, REFUSED, DONE, DONE),
    ),
    "approve": (
        lambda t: "/review/approve/",
        lambda t: {"kind": "writeup", "pk": t["in review"].pk, "when": "now"},
        lambda t: _status(t["in review"]) == Status.PUBLISHED,
        (LOGIN, REFUSED, REFUSED, DONE, DONE),
    ),
    "unschedule": (
        lambda t: "/review/unschedule/",
        lambda t: {"kind": "writeup", "pk": t["scheduled"].pk},
        lambda t: _status(t["scheduled"]) == Status.IN_REVIEW,
        (LOGIN, REFUSED, REFUSED, DONE, DONE),
    ),
    "mark reviewed": (
        lambda t: "/review/reviewed/",
        lambda t: {"kind": "writeup", "pk": t["published"].pk},
        lambda t: WriteUp.objects.get(pk=t["published"].pk).last_reviewed_at is not None,
        (LOGIN, REFUSED, REFUSED, DONE, DONE),
    ),
    # Restoring a published item's earlier version is editing it: editors only. The author
    # (who may read its history) is refused as missing, like anyone else.
    "restore": (
        lambda t: f"/history/writeup/{t['published'].pk}/restore/{t['version'].pk}/",
        lambda t: {},
        lambda t: Version.objects.get_for_object(t["published"]).count() > 1,
        (LOGIN, MISSING, MISSING, DONE, DONE),
    ),
    "invite": (
        lambda t: "/people/",
        lambda t: {"email": "new@example.org", "role": roles.CONTRIBUTOR, "name": "New"},
        lambda t: get_user_model().objects.filter(email="new@example.org").exists(),
        (LOGIN, REFUSED, REFUSED, REFUSED, DONE),
    ),
    "change role": (
        lambda t: f"/people/{t['colleague'].pk}/role/",
        lambda t: {"role": roles.EDITOR},
        lambda t: roles.is_editor(get_user_model().objects.get(pk=t["colleague"].pk)),
        (LOGIN, REFUSED, REFUSED, REFUSED, DONE),
    ),
    "deactivate": (
        lambda t: f"/people/{t['colleague'].pk}/deactivate/",
        lambda t: {},
        lambda t: not get_user_model().objects.get(pk=t["colleague"].pk).is_active,
        (LOGIN, REFUSED, REFUSED, REFUSED, DONE),
    ),
    "reactivate": (
        lambda t: f"/people/{t['left'].pk}/reactivate/",
        lambda t: {},
        lambda t: get_user_model().objects.get(pk=t["left"].pk).is_active,
        (LOGIN, REFUSED, REFUSED, REFUSED, DONE),
    ),
    "invite again": (
        lambda t: f"/people/{t['pending'].pk}/invite-again/",
        lambda t: {},
        lambda t: AuditEntry.objects.filter(action=AuditEntry.Action.INVITED).exists(),
        (LOGIN, REFUSED, REFUSED, REFUSED, DONE),
    ),
    "cancel invitation": (
        lambda t: f"/people/{t['pending'].pk}/cancel-invitation/",
        lambda t: {},
        lambda t: not get_user_model().objects.filter(pk=t["pending"].pk).exists(),
        (LOGIN, REFUSED, REFUSED, REFUSED, DONE),
    ),
}


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("action", POSTS)
def test_every_role_against_every_post(people, targets, action, name):
    url, data, happened, expected = POSTS[action]
    want = expected[PEOPLE.index(name)]
    response = people[name].post(url(targets), data(targets))
    if want in (DONE, LOGIN):
        assert response.status_code == 302
        assert response.url.startswith("/sign-in/") is (want == LOGIN)
    else:
        assert response.status_code == want
    assert happened(targets) is (want == DONE)


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
