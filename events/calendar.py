"""iCalendar (RFC 5545) files: one per event, and a feed of upcoming events to subscribe to.

Each event keeps the same UID for life, so a calendar app that already holds it replaces its
copy when the event changes (SEQUENCE grows with every change a calendar would show) instead
of adding a second one. Cancelled events stay in the feed with STATUS:CANCELLED so that
subscribed calendars drop or strike them out. Times carry TZID=Europe/London with the
matching VTIMEZONE, so a meeting at 10:00 stays at 10:00 across the clock change.

Text reaches these files from forms and from code (imports, the admin, the shell), so every
text property is made one line of printable text here, whatever was saved: RFC 5545 allows
no control character but tab in TEXT, and a line break ends a property. icalendar escapes
line breaks in standard TEXT properties (SUMMARY, LOCATION) but, since 7.2, writes the value
of a property it does not know (X-WR-CALNAME, X-WHEELHOUSE-ORGANISER) verbatim, and then
refuses its own output: an organiser saved as "Name\r\nSubject: hi" raised AssertionError
("Content line can not contain unescaped new line characters") in `to_ical()`, and the feed
and that event's file answered 500 for everyone. RFC 5545 makes TEXT the value type of X-
properties, so they are written as vText, escaped like SUMMARY.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags

from events.models import Event
from practice.plaintext import as_one_line

PRODID = "-//Wheelhouse//Events//EN"
_YEAR = timedelta(days=366)

logger = logging.getLogger(__name__)


def _text(value: str) -> icalendar.vText:
    return icalendar.vText(as_one_line(value))


def event_uid(event: Event) -> str:
    return f"{event.uid}@wheelhouse"


def _calendar_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """Local time with TZID, except in the hour that happens twice when the clocks go back:
    RFC 5545 reads such a local time as the first one, so the second is written in UTC."""
    local = moment.astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def event_component(event: Event) -> icalendar.Event:
    zone = ZoneInfo(settings.TIME_ZONE)
    component = icalendar.Event()
    component.add("uid", event_uid(event))
    component.add("dtstamp", timezone.now())
    component.add("created", event.created_at)
    component.add("last-modified", event.updated_at)
    component.add("sequence", event.sequence)
    component.add("summary", _text(event.title))
    start = event.starts_at.astimezone(zone)
    if event.time_recorded:
        component.add("dtstart", _calendar_time(event.starts_at, zone))
        if event.ends_at:
            component.add("dtend", _calendar_time(event.ends_at, zone))
    else:
        # Only the day is known: an all-day entry rather than an invented time.
        component.add("dtstart", start.date())
        end = event.ends_at.astimezone(zone).date() if event.ends_at else None
        component.add("dtend", end if end and end > start.date() else start.date() + timedelta(1))
    location = as_one_line(event.place)
    if location:
        component.add("location", icalendar.vText(location))
    url = f"{settings.SITE_URL}{event.get_absolute_url()}"
    component.add("url", url)
    text = as_one_line(strip_tags(event.description_html))
    # The one line break a description keeps is this one, which vText escapes as \n.
    component.add("description", icalendar.vText(f"{text}\n\n{url}".strip()))
    organiser = as_one_line(event.organiser)
    if organiser:
        # VALUE=TEXT, RFC 5545's default for X- properties, lets readers unescape it too.
        component.add(
            "x-wheelhouse-organiser", icalendar.vText(organiser), parameters={"VALUE": "TEXT"}
        )
    tags = [name for name in (as_one_line(tag.name) for tag in event.tags.all()) if name]
    if tags:
        component.add("categories", tags)
    component.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    component.add("transp", "OPAQUE")
    return component


def calendar_for(events: Iterable[Event], *, name: str) -> bytes:
    built = []
    for event in events:
        if not event.starts_at:
            continue
        try:
            built.append((event, event_component(event)))
        except Exception:
            logger.exception("Event %s left out of the calendar: it cannot be written", event.pk)
    try:
        return _calendar(built, name=name).to_ical()
    except Exception:
        # One event's content must never take the feed away from every subscriber: find what
        # cannot be written, leave it out, loudly, and serve the rest. (Writing each event on
        # its own every time would make every feed half as slow again.)
        writable = [(event, component) for event, component in built if _writable(event, component)]
        return _calendar(writable, name=name).to_ical()


def _writable(event: Event, component: icalendar.Event) -> bool:
    try:
        component.to_ical()
    except Exception:
        logger.exception("Event %s left out of the calendar: it cannot be written", event.pk)
        return False
    return True


def _calendar(built: list[tuple[Event, icalendar.Event]], *, name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(name))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # Subscribed calendars poll the feed; every six hours is plenty for meetings.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for _, component in built:
        calendar.add_component(component)
    if built:
        # A year either side for the clock changes, kept clear of the ends of the calendar
        # (icalendar adds offsets of its own: an event in 9999 overflowed).
        first = min(event.starts_at for event, _ in built).date()
        last = max(event.finishes_at for event, _ in built).date()
        calendar.add_missing_timezones(
            first_date=max(first, date.min + 3 * _YEAR) - _YEAR,
            last_date=min(last, date.max - 3 * _YEAR) + _YEAR,
        )
    return calendar
