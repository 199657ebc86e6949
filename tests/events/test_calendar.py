from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from events import calendar as event_calendar
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


def _parsed_entry(content: bytes) -> icalendar.Event:
    (entry,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    return entry


def _written_safely(content: bytes) -> bool:
    """Every line ends CRLF, and no other control character is in the file."""
    lines = content.split(b"\r\n")
    return all(not any(byte < 32 and byte != 9 or byte == 127 for byte in line) for line in lines)


def test_line_breaks_and_control_characters_saved_by_code_never_break_a_calendar(client):
    """An organiser saved as "Name\\r\\nSubject: hi" made the feed and the event's .ics 500."""
    event = make_event(
        title="Carers\r\nround table\x1b[2J",
        organiser="Name\r\nSubject: hi",
        venue="Civic\rHall\x07",
        address="Portland Crescent\r\nLeeds\x0b",
        tags=("carers\r\nDTSTART:20000101",),
    )

    for response in (client.get(reverse("events:feed")), client.get(event.get_ics_url())):
        assert response.status_code == 200
        assert _written_safely(response.content)
        entry = _parsed_entry(response.content)
        assert str(entry["SUMMARY"]) == "Carers round table[2J"
        assert str(entry["X-WHEELHOUSE-ORGANISER"]) == "Name Subject: hi"
        assert str(entry["LOCATION"]) == "Civic Hall, Portland Crescent Leeds"
        assert [str(tag) for tag in entry["CATEGORIES"].cats] == ["carers DTSTART:20000101"]
    calendar = icalendar.Calendar.from_ical(client.get(event.get_ics_url()).content)
    assert str(calendar["X-WR-CALNAME"]) == "Carers round table[2J"

    for url in (event.get_absolute_url(), reverse("events:upcoming"), reverse("home")):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("failure", ["when written", "when built"])
def test_an_event_that_cannot_be_written_is_left_out_and_the_rest_are_served(
    client, monkeypatch, caplog, failure
):
    """One event's content stopped the feed for every subscriber."""
    make_event(title="Good meeting")
    bad = make_event(title="Bad meeting")
    original = event_calendar.event_component

    def component(event):
        built = original(event)
        if event.pk == bad.pk and failure == "when built":
            raise ValueError("something no rule foresaw")
        if event.pk == bad.pk:
            # Something no rule foresaw: a value icalendar refuses to write.
            built.add("x-unforeseen", "a\nb")
        return built

    monkeypatch.setattr(event_calendar, "event_component", component)

    assert set(_events(_feed(client))) == {"Good meeting"}
    assert f"Event {bad.pk} left out of the calendar" in caplog.text
    own_file = client.get(bad.get_ics_url())
    assert own_file.status_code == 200
    assert icalendar.Calendar.from_ical(own_file.content).walk("VEVENT") == []


def test_text_properties_are_escaped_as_text(client):
    """The organiser, escaped as TEXT now, must still read back as typed (VALUE=TEXT)."""
    make_event(title="Round table; part 1, the start", organiser="Carers, Leeds; and York")
    entry = _events(_feed(client))["Round table; part 1, the start"]
    assert str(entry["X-WHEELHOUSE-ORGANISER"]) == "Carers, Leeds; and York"
