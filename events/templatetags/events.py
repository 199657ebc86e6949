from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from events.models import Event

register = template.Library()

_DAY = "l j F Y"
_TIME = "H:i"


@register.filter
def event_when(event: Event) -> str:
    """The time in UK time, e.g. "Tuesday 30 May 2023, 10:00 to 12:00", or "Date not recorded"."""
    if event.starts_at is None:
        return "Date not recorded"
    start = timezone.localtime(event.starts_at)
    if not event.time_recorded:
        return date_format(start, _DAY)
    text = f"{date_format(start, _DAY)}, {date_format(start, _TIME)}"
    if event.ends_at:
        end = timezone.localtime(event.ends_at)
        if end.date() == start.date():
            text += f" to {date_format(end, _TIME)}"
        else:
            text += f" to {date_format(end, _DAY)}, {date_format(end, _TIME)}"
    return text
