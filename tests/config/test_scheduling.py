"""Approving, scheduled publishing and review-by dates (practice/workflow.py,
config/scheduling.py): an editor approves for a UK date and time, nothing is public before
it, the sweep publishes it after, a missed run publishes at the next, and two editors
approving at once publish once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from config import roles
from config.scheduling import REVIEWABLE
from practice import workflow
from practice.models import WriteUp
from practice.publishing import Status, review_date
from search.forms import SearchFilters
from search.queries import search_run
from tests.conftest import make_person, make_writeup, signed_in
from tests.events.conftest import make_event, make_note

LONDON = ZoneInfo("Europe/London")
# A Tuesday in British Summer Time: 09:00 in London is 08:00 UTC.
NOW = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)


def _signed_in(username: str, role: str) -> tuple[Client, object]:
    user = make_person(username, role)
    return signed_in(user), user


def _found(title: str) -> bool:
    hits = search_run(raw_query=title, filters=SearchFilters(), log=False).hits
    return any(hit.title == title for hit in hits)


def _public(item) -> bool:
    return Client().get(item.get_absolute_url()).status_code == 200


def _sweep() -> str:
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_approved_for_tomorrow_is_public_nowhere_until_then_and_everywhere_after():
    editor, _ = _signed_in("ben", roles.EDITOR)
    item = make_writeup(title="Carers' walking group", status=Status.IN_REVIEW)
    with time_machine.travel(NOW, tick=False):
        response = editor.post(
            "/review/approve/",
            {
                "kind": "writeup",
                "pk": item.pk,
                "when": "later",
                "date": "2026-06-03",
                "time": "09:00",
            },
            follow=True,
        )
        assert "will be published on 3 June 2026 at 09:00 (UK time)" in response.content.decode()
        item.refresh_from_db()
        assert item.status == Status.SCHEDULED
        assert item.publish_at == datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
        queue = editor.get("/review/").content.decode()
        assert "Scheduled (1)" in queue and "3 June 2026, 09:00" in queue
        assert not _public(item) and not _found("Carers' walking group")
        assert "Carers&#x27; walking group" not in Client().get("/practice/").content.decode()
        _sweep()
        item.refresh_from_db()
        assert item.status == Status.SCHEDULED
    with time_machine.travel(datetime(2026, 6, 3, 7, 59, tzinfo=UTC), tick=False):
        _sweep()
        assert WriteUp.objects.get(pk=item.pk).status == Status.SCHEDULED
    with time_machine.travel(datetime(2026, 6, 3, 8, 0, 30, tzinfo=UTC), tick=False):
        assert "Published 1" in _sweep()
        item.refresh_from_db()
        assert item.is_published
        assert item.published_at == datetime(2026, 6, 3, 8, 0, 30, tzinfo=UTC)
        assert _public(item) and _found("Carers' walking group")
        # Two years on from publication, for an editor to check it again.
        assert item.review_by == date(2028, 6, 3)
    assert [(t.from_status, t.to_status) for t in workflow.history(item).order_by("pk")][-2:] == [
        (Status.IN_REVIEW, Status.SCHEDULED),
        (Status.SCHEDULED, Status.PUBLISHED),
    ]


@pytest.mark.django_db
def test_times_missed_while_nothing_ran_publish_at_the_next_run_of_every_type():
    _, editor = _signed_in("ben", roles.EDITOR)
    event = make_event(title="Carers' forum", status=Status.IN_REVIEW)
    items = [
        make_writeup(title="Missed write-up", status=Status.IN_REVIEW),
        event,
        make_note(
            event=make_event(title="Public meeting"), title="Missed notes", status=Status.IN_REVIEW
        ),
    ]
    kinds = {model: kind for kind, model in REVIEWABLE.items()}
    with time_machine.travel(NOW, tick=False):
        for hours, item in enumerate(items, start=1):
            workflow.approve(type(item), item.pk, editor, NOW + timedelta(hours=hours))
        assert {type(item).objects.get(pk=item.pk).status for item in items} == {Status.SCHEDULED}
    # The worker was down for three days: every missed time is published at the next run.
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        assert "Published 3" in _sweep()
    for item in items:
        assert type(item).objects.get(pk=item.pk).is_published, kinds[type(item)]
    assert _sweep() == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"when": "later", "date": "2026-06-01", "time": "09:00"}, "in the future"),
        ({"when": "later", "date": "", "time": "09:00"}, "Enter the date to publish it."),
        ({"when": "later", "date": "2026-06-03", "time": ""}, "Enter the time to publish it"),
        ({"when": "later", "date": "3rd of June", "time": "09:00"}, "Enter a valid date."),
        # The clocks go forward at 01:00 on 28 March 2027: 01:30 never happens in the UK.
        ({"when": "later", "date": "2027-03-28", "time": "01:30"}, "does not exist in the UK"),
        ({"when": "sometime"}, "Select a valid choice."),
    ],
)
def test_a_bad_time_is_refused_with_a_message_and_nothing_changes(data, message):
    editor, _ = _signed_in("ben", roles.EDITOR)
    item = make_writeup(status=Status.IN_REVIEW)
    with time_machine.travel(NOW, tick=False):
        response = editor.post(
            "/review/approve/", {"kind": "writeup", "pk": item.pk, **data}, follow=True
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert WriteUp.objects.get(pk=item.pk).status == Status.IN_REVIEW


@pytest.mark.django_db
def test_the_autumn_hour_that_happens_twice_is_the_first_one():
    editor, _ = _signed_in("ben", roles.EDITOR)
    item = make_writeup(status=Status.IN_REVIEW)
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=UTC), tick=False):
        editor.post(
            "/review/approve/",
            {
                "kind": "writeup",
                "pk": item.pk,
                "when": "later",
                "date": "2026-10-25",
                "time": "01:30",
            },
        )
    item.refresh_from_db()
    assert item.publish_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_cancelling_a_schedule_puts_it_back_in_review():
    editor, user = _signed_in("ben", roles.EDITOR)
    item = make_writeup(status=Status.IN_REVIEW)
    workflow.approve(WriteUp, item.pk, user, timezone.now() + timedelta(days=1))
    editor.post("/review/unschedule/", {"kind": "writeup", "pk": item.pk})
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and item.publish_at is None
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        _sweep()
    assert WriteUp.objects.get(pk=item.pk).status == Status.IN_REVIEW


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/review/approve/", "/review/unschedule/", "/review/reviewed/"])
def test_contributors_cannot_approve_schedule_or_review(path):
    contributor, user = _signed_in("asha", roles.CONTRIBUTOR)
    mine = make_writeup(status=Status.IN_REVIEW, author=user)
    data = {"kind": "writeup", "pk": mine.pk, "when": "now"}
    assert contributor.post(path, data).status_code == 403
    assert Client().post(path, data).status_code == 302
    assert WriteUp.objects.get(pk=mine.pk).status == Status.IN_REVIEW


@pytest.mark.django_db
def test_approving_enqueues_the_publication_for_its_time(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    editor, _ = _signed_in("ben", roles.EDITOR)
    item = make_writeup(status=Status.IN_REVIEW)
    with time_machine.travel(NOW, tick=False):
        editor.post(
            "/review/approve/",
            {
                "kind": "writeup",
                "pk": item.pk,
                "when": "later",
                "date": "2026-06-03",
                "time": "09:00",
            },
        )
    task = DBTaskResult.objects.get(task_path="config.scheduling.publish_scheduled")
    assert task.run_after == datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_editors_approving_at_once_publish_once():
    _, first = _signed_in("ben", roles.EDITOR)
    _, second = _signed_in("cara", roles.EDITOR)
    item = make_writeup(status=Status.IN_REVIEW)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(editor) -> None:
        try:
            barrier.wait()
            workflow.approve(WriteUp, item.pk, editor)
            outcomes.append("published")
        except workflow.NotInReview:
            outcomes.append("too late")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(editor,)) for editor in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published", "too late"]
    assert [t.to_status for t in workflow.history(item)].count(Status.PUBLISHED) == 1


@pytest.mark.django_db
def test_review_dates_queue_mark_reviewed_and_the_overdue_warning():
    editor, _ = _signed_in("ben", roles.EDITOR)
    with time_machine.travel(datetime(2024, 11, 20, 10, 0, tzinfo=UTC), tick=False):
        item = make_writeup(title="Peer support for dads", status=Status.DRAFT)
        item.publish()
        item.save()
    item.refresh_from_db()
    assert item.review_by == date(2026, 11, 20)
    with time_machine.travel(datetime(2026, 11, 1, 12, 0, tzinfo=UTC), tick=False):
        page = Client().get(item.get_absolute_url()).content.decode()
        assert "Last reviewed" in page and "20 November 2024" in page
        assert "This may be out of date" not in page
        queue = editor.get("/review/").content.decode()
        assert "Due for review (1)" in queue and "Peer support for dads" in queue
    with time_machine.travel(datetime(2026, 11, 21, 12, 0, tzinfo=UTC), tick=False):
        page = Client().get(item.get_absolute_url()).content.decode()
        assert "This may be out of date" in page
        assert "Overdue" in editor.get("/review/").content.decode()
        response = editor.post(
            "/review/reviewed/", {"kind": "writeup", "pk": item.pk, "review_by": ""}, follow=True
        )
        assert "next review by 21 November 2028" in response.content.decode()
        item.refresh_from_db()
        assert item.review_by == date(2028, 11, 21)
        assert item.last_reviewed_at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
        page = Client().get(item.get_absolute_url()).content.decode()
        assert "This may be out of date" not in page and "21 November 2026" in page
        assert "Due for review (0)" in editor.get("/review/").content.decode()
        # A chosen date must be after today.
        response = editor.post(
            "/review/reviewed/",
            {"kind": "writeup", "pk": item.pk, "review_by": "2026-11-01"},
            follow=True,
        )
        assert "Choose a next review date after today." in response.content.decode()
        assert WriteUp.objects.get(pk=item.pk).review_by == date(2028, 11, 21)


def test_review_date_of_a_leap_day_is_the_28th():
    assert review_date(date(2028, 2, 29)) == date(2030, 2, 28)
    assert review_date(date(2026, 12, 2)) == date(2028, 12, 2)


@pytest.mark.django_db
def test_my_work_lists_scheduled_and_due_for_review():
    contributor, user = _signed_in("asha", roles.CONTRIBUTOR)
    _, editor = _signed_in("ben", roles.EDITOR)
    scheduled = make_writeup(title="Going out soon", status=Status.IN_REVIEW, author=user)
    workflow.approve(WriteUp, scheduled.pk, editor, timezone.now() + timedelta(days=1))
    due = make_writeup(title="Needs a look", author=user)
    WriteUp.objects.filter(pk=due.pk).update(review_by=timezone.localdate() + timedelta(days=3))
    page = contributor.get("/my-work/").content.decode()
    assert "Scheduled (1)" in page and "Going out soon" in page
    assert "Due for review (1)" in page and "Needs a look" in page


@pytest.mark.django_db
def test_reviewing_approving_and_scheduled_publication_each_leave_a_revision():
    from reversion.models import Version

    editor, user = _signed_in("ben", roles.EDITOR)
    item = make_writeup(title="Dads' peer support", status=Status.IN_REVIEW)
    workflow.approve(WriteUp, item.pk, user, timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        _sweep()
        editor.post("/review/reviewed/", {"kind": "writeup", "pk": item.pk, "review_by": ""})
    comments = [v.revision.comment for v in Version.objects.get_for_object(item).order_by("pk")]
    assert comments == ["Approved", "Published as scheduled", "Reviewed"]
    history_page = editor.get(f"/history/writeup/{item.pk}/").content.decode()
    assert "Reviewed" in history_page and "Published as scheduled" in history_page
