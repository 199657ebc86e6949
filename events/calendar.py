"""iCalendar (RFC 5545) files: one per event, and a feed of upcoming events to subscribe to.

Each event keeps the same UID for life, so a calendar app that already holds it replaces its
copy when the event changes (SEQUENCE grows with every change a calendar would show) instead
of adding a second one. Cancelled events stay in the feed with STATUS:CANCELLED so that
subscribed calendars drop or strike them out. Times carry TZID=Europe/London with the
matching VTIMEZONE, so a meeting at 10:00 stays at 10:00 across the clock change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags

from events.models import Event

PRODID = "-//Wheelhouse//Events//EN"


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
    component.add("summary", event.title)
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
    if event.place:
        component.add("location", event.place)
    url = f"{settings.SITE_URL}{event.get_absolute_url()}"
    component.add("url", url)
    text = " ".join(strip_tags(event.description_html).split())
    component.add("description", f"{text}\n\n{url}".strip())
    if event.organiser:
        component.add("x-wheelhouse-organiser", event.organiser)
    tags = [tag.name for tag in event.tags.all()]
    if tags:
        component.add("categories", tags)
    component.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    component.add("transp", "OPAQUE")
    return component


def calendar_for(events: Iterable[Event], *, name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # Subscribed calendars poll the feed; every six hours is plenty for meetings.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    dated = [event for event in events if event.starts_at]
    for event in dated:
        calendar.add_component(event_component(event))
    if dated:
        first = min(event.starts_at for event in dated).date() - timedelta(days=366)
        last = max(event.finishes_at for event in dated).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
