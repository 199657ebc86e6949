"""Revision history (practice/history.py, config/history_views.py): who changed what and
when, readable diffs, and restore as a new draft revision that never publishes itself."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from config import roles
from events import services
from events.models import Event, EventNote
from practice import history
from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.events.test_one_line import _event_admin_post
from tests.practice.test_forms import VALID
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def _contributor(username: str):
    user = get_user_model().objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get_or_create(name=roles.CONTRIBUTOR)[0])
    return user


def _url(kind: str, item) -> str:
    return reverse("item_history", kwargs={"kind": kind, "pk": item.pk})


def _edit_twice(staff_client, writeup):
    edit = reverse("practice:edit", args=[writeup.slug])
    first = {**VALID, "title": "Drop-ins for carers", "body": "We met on Tuesdays."}
    assert staff_client.post(edit, {**first, "action": "publish"}).status_code == 302
    second = {**first, "title": "Weekly drop-ins for carers", "body": "We met on Thursdays."}
    second["tags"] = "carers, loneliness"
    assert staff_client.post(edit, {**second, "action": "publish"}).status_code == 302


def test_two_edits_make_two_revisions_with_author_and_diff(staff_client, staff_user):
    writeup = make_writeup(status=Status.DRAFT, author=staff_user)
    _edit_twice(staff_client, writeup)
    versions = Version.objects.get_for_object(writeup)
    assert versions.count() == 2
    assert {v.revision.user for v in versions} == {staff_user}
    html = staff_client.get(_url("writeup", writeup)).content.decode()
    assert "<del>Tuesdays.</del><ins>Thursdays.</ins>" in html
    assert "<del>Drop-ins</del><ins>Weekly drop-ins</ins>" in html
    assert "Added <ins>loneliness</ins>" in html
    assert 'content="noindex"' in html and "editor" in html


def test_note_key_points_and_tags_are_in_the_history(staff_client, staff_user):
    note = make_note(event=make_event(), key_points=("Old point",), author=staff_user)
    with history.revision(staff_user, "First"):
        services.note_save(
            note=note,
            tags=["carers"],
            key_points=["Old point"],
            speakers=[],
            related_writeups=[],
            related_notes=[],
        )
    with history.revision(staff_user, "Second"):
        note.title = "New title"
        services.note_save(
            note=note,
            tags=["dementia"],
            key_points=["New point"],
            speakers=[],
            related_writeups=[],
            related_notes=[],
        )
    html = staff_client.get(_url("note", note)).content.decode()
    assert "Added <ins>New point</ins>" in html and "Removed <del>Old point</del>" in html
    assert "Added <ins>dementia</ins>" in html and "Removed <del>carers</del>" in html
    assert "Second" in html

    oldest = Version.objects.get_for_object(note).order_by("pk").first()
    response = staff_client.post(
        reverse("history_restore", kwargs={"kind": "note", "pk": note.pk, "version_id": oldest.pk})
    )
    assert response.status_code == 302
    note = EventNote.objects.get(pk=note.pk)
    assert [k.text for k in note.key_points.all()] == ["Old point"]
    assert [t.name for t in note.tags.all()] == ["carers"]
    assert note.status == Status.DRAFT


def test_restore_brings_back_old_content_as_a_draft(staff_client, staff_user):
    writeup = make_writeup(status=Status.DRAFT, author=staff_user)
    _edit_twice(staff_client, writeup)
    oldest = Version.objects.get_for_object(writeup).order_by("pk").first()
    url = reverse(
        "history_restore", kwargs={"kind": "writeup", "pk": writeup.pk, "version_id": oldest.pk}
    )
    response = staff_client.post(url, follow=True)
    assert "Restored as a draft" in response.content.decode()
    writeup = WriteUp.objects.get(pk=writeup.pk)
    assert writeup.title == "Drop-ins for carers"
    assert writeup.body == "We met on Tuesdays." and "Tuesdays" in writeup.body_html
    assert sorted(t.name for t in writeup.tags.all()) == ["GP practices", "carers"]
    assert writeup.status == Status.DRAFT
    assert Version.objects.get_for_object(writeup).count() == 3
    anonymous = Client()
    assert anonymous.get(writeup.get_absolute_url()).status_code == 404
    assert "Drop-ins for carers" not in result_titles(search(anonymous, "drop-ins carers"))


def test_restore_needs_post(staff_client, staff_user):
    writeup = make_writeup(status=Status.DRAFT, author=staff_user)
    _edit_twice(staff_client, writeup)
    oldest = Version.objects.get_for_object(writeup).order_by("pk").first()
    url = reverse(
        "history_restore", kwargs={"kind": "writeup", "pk": writeup.pk, "version_id": oldest.pk}
    )
    assert staff_client.get(url).status_code == 405


def test_who_may_see_and_restore(staff_client, staff_user):
    writeup = make_writeup(status=Status.DRAFT, author=staff_user)
    _edit_twice(staff_client, writeup)
    version = Version.objects.get_for_object(writeup).first()
    restore = reverse(
        "history_restore", kwargs={"kind": "writeup", "pk": writeup.pk, "version_id": version.pk}
    )
    anonymous = Client()
    response = anonymous.get(_url("writeup", writeup))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert anonymous.post(restore).status_code == 302
    other = Client()
    other.force_login(_contributor("other"))
    assert other.get(_url("writeup", writeup)).status_code == 404
    assert other.post(restore).status_code == 404
    assert other.get("/history/nonsense/1/").status_code == 404
    # The author sees their own item's history.
    own = make_writeup(status=Status.DRAFT, author=_contributor("author"))
    author = Client()
    author.force_login(own.author)
    assert author.get(_url("writeup", own)).status_code == 200


def test_visitor_text_is_escaped_in_the_diff(staff_client, staff_user):
    writeup = make_writeup(status=Status.DRAFT, author=staff_user)
    edit = reverse("practice:edit", args=[writeup.slug])
    staff_client.post(edit, {**VALID, "action": "draft"})
    staff_client.post(edit, {**VALID, "context": "<script>alert(1)</script>", "action": "draft"})
    html = staff_client.get(_url("writeup", writeup)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_review_shows_what_changed_since_the_last_published_version():
    from practice import workflow

    editor_user = get_user_model().objects.create_user(username="eda", password="pw")
    editor_user.groups.add(Group.objects.get_or_create(name=roles.EDITOR)[0])
    editor = Client()
    editor.force_login(editor_user)
    item = make_writeup(title="Walking groups", summary="Carers walked every week.")
    with history.revision(editor_user, "Published"):
        item.save()
    item.summary = "Carers and their families walked every fortnight."
    item.status = Status.IN_REVIEW
    with history.revision(editor_user, "Submitted"):
        item.save()
    queue = editor.get("/review/").content.decode()
    assert f"/history/writeup/{item.pk}/" in queue
    page = editor.get(f"/history/writeup/{item.pk}/").content.decode()
    since = page.split("Changes since it was last published", 1)[1].split("</section>", 1)[0]
    assert "<del>" in since and "<ins>" in since
    assert "families" in since and "fortnight" in since
    workflow.approve(type(item), item.pk, editor_user)
    page = editor.get(f"/history/writeup/{item.pk}/").content.decode()
    assert "Changes since it was last published" not in page


def test_admin_saves_are_revisions_with_speakers_and_tags(admin_client):
    """An administrator's edits in Django's admin are in the history as the site's forms'
    are, inline speakers and tags included."""
    add = admin_client.post(reverse("admin:events_event_add"), _event_admin_post())
    assert add.status_code == 302
    event = Event.objects.get()
    change = reverse("admin:events_event_change", args=[event.pk])
    speaker = event.speakers.get()
    data = _event_admin_post(
        tags="carers, dementia",
        **{
            "speakers-INITIAL_FORMS": "1",
            "speakers-0-id": str(speaker.pk),
            "speakers-0-event": str(event.pk),
            "speakers-0-name": "Sam Okafor",
        },
    )
    assert admin_client.post(change, data).status_code == 302

    versions = Version.objects.get_for_object(event)
    assert [v.revision.get_comment() for v in versions] == [
        "Changed in the admin",
        "Added in the admin",
    ]
    html = admin_client.get(_url("event", event)).content.decode()
    assert "Added <ins>dementia</ins>" in html
    assert "Sam Okafor" in html and "Priya Shah" in html
