from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Status
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _feed(client) -> icalendar.Calendar:
    response = client.get(reverse("events:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def _events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(component["SUMMARY"]): component for component in calendar.walk("VEVENT")}


def test_feed_carries_only_published_upcoming_events_with_their_time_zone(client):
    soon = make_event(
        title="Carers round table",
        starts_at=datetime(2031, 4, 2, 10, 0, tzinfo=LONDON),
        venue="Leeds Civic Hall",
        address="Portland Crescent, Leeds",
        tags=("carers",),
    )
    make_event(title="Still a draft", status=Status.DRAFT)
    make_event(title="Already over", starts_at=timezone.now() - timedelta(days=3))
    make_event(title="Never dated", starts_at=None, hours=None)

    calendar = _feed(client)
    events = _events(calendar)
    assert set(events) == {"Carers round table"}
    entry = events["Carers round table"]
    assert entry["DTSTART"].params["TZID"] == "Europe/London"
    assert entry.decoded("DTSTART") == datetime(2031, 4, 2, 10, 0, tzinfo=LONDON)
    assert entry.decoded("DTEND").astimezone(UTC) == datetime(2031, 4, 2, 11, 0, tzinfo=UTC)
    assert str(entry["LOCATION"]) == "Leeds Civic Hall, Portland Crescent, Leeds"
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert str(entry["URL"]) == f"https://wheelhouse.example{soon.get_absolute_url()}"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_an_edited_event_keeps_its_uid_and_raises_its_sequence(client):
    event = make_event(title="Leadership round table")
    before = _events(_feed(client))["Leadership round table"]

    event = Event.objects.get(pk=event.pk)
    event.title = "Leadership round table (new room)"
    event.venue = "Room 2"
    event.save()
    after = _events(_feed(client))["Leadership round table (new room)"]

    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]


def test_a_cancelled_event_stays_in_the_feed_marked_cancelled(client):
    event = make_event(title="Cancelled meeting")
    event = Event.objects.get(pk=event.pk)
    event.is_cancelled = True
    event.save()
    entry = _events(_feed(client))["Cancelled meeting"]
    assert str(entry["STATUS"]) == "CANCELLED"
    assert entry["SEQUENCE"] == 1


def test_the_second_half_past_one_of_october_is_written_in_utc(client):
    """RFC 5545 reads an ambiguous local time as the first one, so the second needs UTC."""
    event = make_event(
        title="Night shift handover",
        starts_at=datetime(2031, 10, 26, 1, 30, tzinfo=LONDON).replace(fold=1),
        hours=0.5,
    )
    response = client.get(reverse("events:ics", args=[event.slug]))
    entry = _events(icalendar.Calendar.from_ical(response.content))["Night shift handover"]
    assert entry.decoded("DTSTART") == datetime(2031, 10, 26, 1, 30, tzinfo=UTC)
    assert b"DTSTART:20311026T013000Z" in response.content


def test_per_event_file_for_a_day_without_a_time_is_an_all_day_entry(client):
    day = datetime(2023, 5, 30, tzinfo=LONDON)
    event = make_event(title="Shifting power", starts_at=day, hours=24, time_recorded=False)
    response = client.get(event.get_ics_url())
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    entry = _events(icalendar.Calendar.from_ical(response.content))["Shifting power"]
    assert entry.decoded("DTSTART") == day.date()


def test_no_calendar_file_for_drafts_or_undated_events(client):
    draft = make_event(status=Status.DRAFT)
    undated = make_event(starts_at=None, hours=None)
    assert client.get(draft.get_ics_url()).status_code == 404
    assert client.get(undated.get_ics_url()).status_code == 404
