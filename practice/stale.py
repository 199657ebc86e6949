"""Stale forms: an edit form remembers which save of the item it was opened on (a hidden
`loaded_at`, the item's `updated_at` to the millisecond). If the item was saved again before
the form came back, nothing is overwritten: the form is shown again with the person's own
text and what the other save changed (from the revision history); saving again then
replaces it deliberately."""

from __future__ import annotations

from datetime import UTC

from django.utils.dateparse import parse_datetime
from reversion.models import Version

from practice import history

FIELD = "loaded_at"


def _at(moment) -> str:
    # To the millisecond: what the revision history's JSON keeps of a time.
    moment = moment.astimezone(UTC)
    return f"{moment:%Y%m%d%H%M%S}{moment.microsecond // 1000:03d}"


def stamp(item) -> str:
    if item is None or item.pk is None or item.updated_at is None:
        return ""
    return _at(item.updated_at)


def _version_stamp(version: Version) -> str:
    value = version.field_dict.get("updated_at")
    if isinstance(value, str):
        value = parse_datetime(value)
    return _at(value) if value else ""


def changed_since_opened(request, item) -> dict | None:
    """None if the form was opened on the item as it is now (or says nothing); otherwise who
    saved it since, when, and what changed between the version opened and now."""
    sent = request.POST.get(FIELD, "")
    if not sent or item is None or sent == stamp(item):
        return None
    versions = list(
        Version.objects.get_for_object(item)
        .select_related("revision", "revision__user")
        .prefetch_related("revision__version_set")
        .order_by("-pk")[:50]
    )
    latest = versions[0] if versions else None
    opened = next((v for v in versions if _version_stamp(v) == sent), None)
    changes = None
    if latest is not None and opened is not None and opened != latest:
        changes = history.changes(type(item), history.snapshot(opened), history.snapshot(latest))
    return {
        "by": latest.revision.user if latest else None,
        "at": item.updated_at,
        "changes": changes,
    }
