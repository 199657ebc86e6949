"""Components rendered once per process for what they show: a list's cards are the same
HTML for the same item until the item (or anything of it that the card shows) changes.

A {% component %} gets only the values passed to it (as {% include ... only %} does), so its
HTML is a function of those values and of what is fixed for the process (its templates, URLs
and settings). `rendered()` keeps the HTML under a key made of every value the component
received, compared by value: a model instance by every attribute it holds (its loaded fields,
the related objects and prefetched lists it carries, recursively); a string with its type
(a SafeString is not a str), and so on. An edit changes the key, so an item's card is
rendered afresh the first time it is shown after any change, with no invalidation to forget;
the cards of other items are kept, so a publish (which empties the page cache) costs the next
page only the cards that changed.

Nothing is kept that the key might not hold: a component that ran a query while rendering
(it read something its values did not carry, such as a related object not fetched with
them) is never kept, nor one given a value of a type not listed here. The store is each
process's own and bounded (emptied when full): a new deploy starts empty. Off with DEBUG
(`make run`), so that an edited template shows on the next request.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone

MAX_ENTRIES = 4096

_store: dict[tuple, str] = {}
_PLAIN = (str, int, float, bool, decimal.Decimal, datetime.date, datetime.time, uuid.UUID)
# Types compared as they are, within an instance's attributes (not their subclasses).
_FAST = frozenset(
    {str, int, float, bool, type(None), decimal.Decimal, datetime.datetime, datetime.date}
    | {datetime.time, uuid.UUID}
)


class Unkeyable(Exception):
    """A value that cannot be compared by value here: the component is rendered, not kept."""


def value_key(value, seen: frozenset = frozenset()):
    """`value` as a hashable key equal for equal values, with types (True is not 1)."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if isinstance(value, _PLAIN):
        return (kind, value)
    if isinstance(value, list | tuple):
        return (kind, *(value_key(item, seen) for item in value))
    if isinstance(value, Model):
        return _instance_key(value, seen)
    if isinstance(value, QuerySet) and value._result_cache is not None:
        return (QuerySet, *(value_key(item, seen) for item in value._result_cache))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (kind, *(value_key(getattr(value, f.name), seen) for f in dataclasses.fields(value)))
    if isinstance(value, dict):
        return (dict, *sorted((k, value_key(v, seen)) for k, v in value.items()))
    raise Unkeyable(kind.__name__)


def _instance_key(instance: Model, seen: frozenset):
    marker = (type(instance), instance.pk)
    if marker in seen:  # a note's event, whose prefetched notes hold the note
        return marker
    # Most attributes are loaded fields of plain types, compared as they are (their types
    # beside them, so True is not 1); the rest (the instance's _state, prefetched lists,
    # a SafeString, an enum member) are keyed one by one.
    attributes = instance.__dict__
    values = list(attributes.values())
    types = tuple(map(type, values))
    related = instance._state.fields_cache
    slow = [i for i, kind in enumerate(types) if kind not in _FAST]
    if slow or related:
        seen = seen | {marker}
    for i in slow:
        values[i] = None if types[i] is ModelState else value_key(values[i], seen)
    return (
        type(instance),
        tuple(attributes),
        tuple(values),
        types,
        tuple((name, value_key(value, seen)) for name, value in related.items()),
    )


class _Queried:
    def __init__(self) -> None:
        self.ran = False

    def __call__(self, execute, sql, params, many, context):
        self.ran = True
        return execute(sql, params, many, context)


def rendered(name: str, context: dict, render: Callable[[], str]) -> str:
    """`render()`, the HTML of the component `name` for `context`, kept for these values;
    never with DEBUG, where a template edited while the server runs shows at once."""
    if settings.DEBUG:
        return render()
    try:
        key = (
            name,
            timezone.get_current_timezone_name(),
            *sorted((k, value_key(v)) for k, v in context.items()),
        )
    except Unkeyable:
        return render()
    html = _store.get(key)
    if html is not None:
        return html
    queried = _Queried()
    with connection.execute_wrapper(queried):
        html = render()
    if not queried.ran:
        if len(_store) >= MAX_ENTRIES:
            _store.clear()
        _store[key] = html
    return html
