"""The review workflow (practice/workflow.py): a contributor submits, an editor sends it back
with comments, the contributor revises and resubmits, the editor publishes; every change of
status is recorded, and nothing in review is public."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from config import roles
from events.models import EventNote
from practice import workflow
from practice.models import WriteUp
from practice.publishing import Status
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


def _signed_in(username: str, role: str) -> Client:
    user = get_user_model().objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def contributor() -> Client:
    return _signed_in("asha", roles.CONTRIBUTOR)


@pytest.fixture
def editor() -> Client:
    return _signed_in("ben", roles.EDITOR)


WRITEUP = {
    "title": "Walking groups for carers",
    "summary": "Carers walked together every week.",
    "evidence_level": "2",
}


def test_submit_request_changes_revise_and_publish(contributor, editor):
    page = contributor.get("/practice/new/").content.decode()
    assert 'value="submit">Submit for review<' in page and 'value="publish"' not in page
    contributor.post("/practice/new/", {**WRITEUP, "action": "submit"})
    writeup = WriteUp.objects.get()
    assert writeup.status == Status.IN_REVIEW
    assert Client().get(writeup.get_absolute_url()).status_code == 404
    assert "Walking groups" not in Client().get("/search/", {"q": "walking"}).content.decode()

    queue = editor.get("/review/").content.decode()
    assert "Review (1<" in queue and "Walking groups for carers" in queue
    response = editor.post(
        "/review/changes/",
        {"kind": "writeup", "pk": writeup.pk, "comment": "Say how many carers took part."},
        follow=True,
    )
    assert "Sent “Walking groups for carers” back" in response.content.decode()
    writeup.refresh_from_db()
    assert writeup.status == Status.CHANGES_REQUESTED

    # The author sees why, on the edit page, and resubmits.
    page = contributor.get(f"/practice/{writeup.slug}/edit/").content.decode()
    assert "Changes requested" in page and "Say how many carers took part." in page
    contributor.post(
        f"/practice/{writeup.slug}/edit/",
        {**WRITEUP, "summary": "Twelve carers walked together every week.", "action": "submit"},
    )
    writeup.refresh_from_db()
    assert writeup.status == Status.IN_REVIEW

    editor.post(f"/practice/{writeup.slug}/edit/", {**WRITEUP, "action": "publish"})
    writeup.refresh_from_db()
    assert writeup.is_published
    assert Client().get(writeup.get_absolute_url()).status_code == 200
    assert "Review (0<" in editor.get("/review/").content.decode()

    steps = [
        (t.from_status, t.to_status, t.user.username, t.comment) for t in workflow.history(writeup)
    ]
    assert steps == [
        ("", Status.IN_REVIEW, "asha", ""),
        (Status.IN_REVIEW, Status.CHANGES_REQUESTED, "ben", "Say how many carers took part."),
        (Status.CHANGES_REQUESTED, Status.IN_REVIEW, "asha", ""),
        (Status.IN_REVIEW, Status.PUBLISHED, "ben", ""),
    ]


def test_two_editors_sending_back_at_once_send_back_once(contributor, editor):
    contributor.post("/practice/new/", {**WRITEUP, "action": "submit"})
    writeup = WriteUp.objects.get()
    other = _signed_in("cara", roles.EDITOR)
    for client in (editor, other):
        client.post(
            "/review/changes/", {"kind": "writeup", "pk": writeup.pk, "comment": "More detail."}
        )
    assert [t.to_status for t in workflow.history(writeup)] == [
        Status.IN_REVIEW,
        Status.CHANGES_REQUESTED,
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": ""}, "Say what needs to change"),
        ({"comment": "x" * 2001}, "Say what needs to change"),
    ],
)
def test_a_comment_is_needed_and_nothing_changes_without_one(contributor, editor, data, message):
    contributor.post("/practice/new/", {**WRITEUP, "action": "submit"})
    writeup = WriteUp.objects.get()
    response = editor.post(
        "/review/changes/", {"kind": "writeup", "pk": writeup.pk, **data}, follow=True
    )
    assert message in response.content.decode()
    writeup.refresh_from_db()
    assert writeup.status == Status.IN_REVIEW


def test_only_editors_review(contributor):
    assert contributor.get("/review/").status_code == 403
    assert contributor.post("/review/changes/", {"kind": "writeup", "pk": "1"}).status_code == 403
    assert Client().get("/review/").status_code == 302


def test_notes_go_through_review_too(contributor, editor):
    event = make_event(title="Carers forum")
    contributor.post(
        f"/events/{event.slug}/notes/new/",
        {
            "note-title": "What carers said",
            "note-summary": "Carers asked for evening sessions.",
            "speakers-TOTAL_FORMS": "0",
            "speakers-INITIAL_FORMS": "0",
            "action": "submit",
        },
    )
    note = EventNote.objects.get()
    assert note.status == Status.IN_REVIEW
    assert "What carers said" in editor.get("/review/").content.decode()


def test_my_work_lists_what_i_wrote_by_where_it_stands(contributor, editor):
    contributor.post("/practice/new/", {**WRITEUP, "title": "Still a draft", "action": "draft"})
    contributor.post("/practice/new/", {**WRITEUP, "title": "Sent to review", "action": "submit"})
    editor.post("/practice/new/", {**WRITEUP, "title": "Not mine", "action": "publish"})
    page = contributor.get("/my-work/").content.decode()
    drafts = page.split("Drafts (")[1].split("<h2")[0]
    review = page.split("In review (")[1].split("<h2")[0]
    assert drafts.startswith("1)") and "Still a draft" in drafts
    assert review.startswith("1)") and "Sent to review" in review
    assert "Not mine" not in page and "Published (0)" in page
    assert 'href="/my-work/"' in page
    assert Client().get("/my-work/").status_code == 302
