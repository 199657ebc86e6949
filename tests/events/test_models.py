from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from events.models import Event, Series, Status
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def london(*args, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=LONDON).replace(fold=fold)


@time_machine.travel(london(2025, 6, 4, 12, 0), tick=False)
def test_upcoming_and_past_split_around_now():
    ended = make_event(title="Ended yesterday", starts_at=london(2025, 6, 3, 10, 0))
    running = make_event(title="Running now", starts_at=london(2025, 6, 4, 11, 0))
    tomorrow = make_event(title="Tomorrow", starts_at=london(2025, 6, 5, 9, 30))
    next_week = make_event(title="Next week", starts_at=london(2025, 6, 11, 9, 30))
    undated = make_event(title="Undated", starts_at=None, hours=None)
    last_month = make_event(title="Last month", starts_at=london(2025, 5, 1, 10, 0))
    make_event(title="Draft tomorrow", starts_at=london(2025, 6, 5, 9, 0), status=Status.DRAFT)

    assert list(Event.objects.upcoming()) == [running, tomorrow, next_week]
    assert list(Event.objects.past()) == [ended, last_month, undated]

    Event.objects.filter(pk=tomorrow.pk).update(is_cancelled=True)
    assert list(Event.objects.upcoming().not_cancelled()) == [running, next_week]


def test_an_event_at_half_past_one_on_the_night_the_clocks_go_back(client):
    """01:30 happens twice on 26 October 2025: first in BST (00:30 UTC), then in GMT."""
    first = make_event(
        title="First half past one", starts_at=london(2025, 10, 26, 1, 30), hours=0.25
    )
    second = make_event(
        title="Second half past one", starts_at=london(2025, 10, 26, 1, 30, fold=1), hours=0.25
    )
    utc = ZoneInfo("UTC")
    assert first.starts_at.astimezone(utc) == datetime(2025, 10, 26, 0, 30, tzinfo=utc)
    assert second.starts_at.astimezone(utc) == datetime(2025, 10, 26, 1, 30, tzinfo=utc)

    with time_machine.travel(datetime(2025, 10, 26, 1, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        assert list(Event.objects.upcoming()) == [second]
        assert first in Event.objects.past()

    # Both read as the local time people were told, an hour apart in reality.
    for event in (first, second):
        page = client.get(event.get_absolute_url()).content.decode()
        assert "Sunday 26 October 2025, 01:30 to 01:45" in page


def test_local_times_stay_put_across_the_spring_clock_change(client):
    before = make_event(title="Friday before", starts_at=london(2025, 3, 28, 10, 0))
    after = make_event(title="Monday after", starts_at=london(2025, 3, 31, 10, 0))
    assert before.starts_at.astimezone(ZoneInfo("UTC")).hour == 10
    assert Event.objects.get(pk=after.pk).starts_at.astimezone(ZoneInfo("UTC")).hour == 9
    assert (
        "Monday 31 March 2025, 10:00 to 12:00"
        in client.get(after.get_absolute_url()).content.decode()
    )
    assert (
        "Friday 28 March 2025, 10:00 to 12:00"
        in client.get(before.get_absolute_url()).content.decode()
    )


def test_a_time_skipped_by_the_spring_clock_change_is_refused_clearly(staff_client):
    response = staff_client.post(
        reverse("events:create"),
        {
            "title": "Half past one that never happens",
            "starts_at": "2025-03-30T01:30",
            "action": "publish",
        },
    )
    assert response.status_code == 200
    assert "couldn’t be interpreted in time zone Europe/London" in response.content.decode()
    assert not Event.objects.exists()


def test_the_database_refuses_an_end_before_the_start():
    event = make_event(starts_at=london(2025, 6, 1, 10, 0))
    event.ends_at = london(2025, 6, 1, 9, 0)
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_series_names_are_unique_ignoring_capitals():
    Series.objects.create(name="Better leadership for health and care")
    with pytest.raises(IntegrityError), transaction.atomic():
        Series.objects.create(name="better LEADERSHIP for health and care")


def test_sequence_grows_only_when_what_a_calendar_shows_changes():
    event = make_event(starts_at=london(2025, 6, 1, 10, 0))
    uid = event.uid
    event = Event.objects.get(pk=event.pk)
    event.save()
    assert event.sequence == 0
    event.title = "Round table (moved)"
    event.starts_at = london(2025, 6, 2, 10, 0)
    event.ends_at = london(2025, 6, 2, 12, 0)
    event.save()
    event.refresh_from_db()
    assert (event.sequence, event.uid) == (1, uid)
    event = Event.objects.get(pk=event.pk)
    event.is_cancelled = True
    event.save()
    assert Event.objects.get(pk=event.pk).sequence == 2


def test_event_slugs_never_take_the_fixed_pages():
    event = make_event(title="Past")
    assert event.slug != "past"
    assert event.get_absolute_url() != reverse("events:past")
