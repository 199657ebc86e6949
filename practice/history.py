"""Revision history (django-reversion) for every content type: write-ups, events and notes,
with their tags, speakers and key points in the same revision.

Views that save content are wrapped in `reversion.views.create_revision()`; code that saves
outside a view calls `with history.revision(user, comment): ...`. Restoring is ours
(config/history_views.py): content fields are copied back and saved as a new draft revision,
never published by itself.
"""

from __future__ import annotations

import difflib
import re
from contextlib import contextmanager

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import models
from django.utils.html import escape, format_html, format_html_join
from reversion.models import Version
from reversion.signals import pre_revision_commit

# Never copied back by a restore: workflow, dates, identity and derived fields.
NOT_RESTORED = {
    "id",
    "status",
    "published_at",
    "publish_at",
    "review_by",
    "last_reviewed_at",
    "slug",
    "source_key",
    "author",
    "created_at",
    "updated_at",
    "event",  # a note stays with its meeting
}


def tagged_items(item):
    """The item's TaggedItem rows (reversion follows a queryset)."""
    from taggit.models import TaggedItem

    return TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
    )


def _follows():
    from events.models import Event, EventNote
    from practice.models import WriteUp

    return {
        WriteUp: ("revision_tags",),
        Event: ("revision_tags", "speakers"),
        EventNote: ("revision_tags", "speakers", "key_points"),
    }


def register() -> None:
    from taggit.models import Tag, TaggedItem

    from events.models import KeyPoint, Speaker

    for model, follow in _follows().items():
        model.revision_tags = property(tagged_items)
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)
    for model, follow in ((TaggedItem, ("tag",)), (Tag, ()), (Speaker, ()), (KeyPoint, ())):
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)
    pre_revision_commit.connect(_final_state, dispatch_uid="wheelhouse_final_state")


@contextmanager
def revision(user, comment: str = ""):
    """A revision for saves made outside a wrapped view."""
    with reversion.create_revision():
        if getattr(user, "is_authenticated", False):
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield


def _version(obj, db) -> Version:
    return Version(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        db=db,
        format="json",
        serialized_data=serializers.serialize("json", (obj,)),
        object_repr=str(obj)[:191],
    )


def _walk(obj, follows, seen: dict, db) -> None:
    key = (type(obj), obj.pk)
    if key in seen:
        return
    seen[key] = _version(obj, db)
    for name in follows.get(type(obj), ()):
        related = getattr(obj, name)
        if isinstance(related, models.Model):
            _walk(related, follows, seen, db)
        elif related is not None:
            for child in related.all():
                _walk(child, follows, seen, db)


def _final_state(sender, revision, versions, **kwargs) -> None:
    """Reversion serialises an item when it is saved, before its tags, speakers and key
    points are replaced (bulk_create sends no signal): serialise each item and what it
    follows again as the revision commits, so the revision holds what was saved."""
    from taggit.models import TaggedItem

    follows = {**_follows(), TaggedItem: ("tag",)}
    fresh: dict = {}
    for version in list(versions):
        model = version._model
        if model in _follows():
            obj = model._base_manager.filter(pk=version.object_id).first()
            if obj is not None:
                _walk(obj, follows, fresh, version.db)
    if not fresh:
        return
    keys = {(m, str(pk)) for m, pk in fresh}
    versions[:] = [v for v in versions if (v._model, v.object_id) not in keys] + list(
        fresh.values()
    )


# --- Reading a history -------------------------------------------------------------------


def _children(revision, model, **owner) -> list[Version]:
    ct = ContentType.objects.get_for_model(model)
    found = [v for v in revision.version_set.all() if v.content_type_id == ct.id]
    return [
        v
        for v in found
        if all(str(v.field_dict.get(k)) == str(value) for k, value in owner.items())
    ]


def snapshot(version: Version) -> dict:
    """What one revision says about the item: its fields, tag names, speakers, key points."""
    from taggit.models import Tag, TaggedItem

    from events.models import KeyPoint, Speaker

    model, pk, revision = version._model, version.object_id, version.revision
    tag_names = {str(v.object_id): v.field_dict["name"] for v in _children(revision, Tag)}
    tagged = _children(
        revision,
        TaggedItem,
        content_type_id=ContentType.objects.get_for_model(model).id,
        object_id=pk,
    )
    tags = []
    for v in tagged:
        tag_id = v.field_dict["tag_id"]
        name = tag_names.get(str(tag_id))
        if name is None:
            name = Tag.objects.filter(pk=tag_id).values_list("name", flat=True).first()
        tags.append((tag_id, name or f"tag {tag_id}"))
    owner = "note_id" if model._meta.model_name == "eventnote" else "event_id"
    speakers = sorted(
        (v.field_dict for v in _children(revision, Speaker, **{owner: pk})),
        key=lambda d: d["position"],
    )
    key_points = sorted(
        (v.field_dict for v in _children(revision, KeyPoint, note_id=pk))
        if owner == "note_id"
        else [],
        key=lambda d: d["position"],
    )
    return {
        "fields": version.field_dict,
        "tags": tags,
        "speakers": speakers,
        "key_points": key_points,
    }


def speaker_label(data: dict) -> str:
    role = data.get("custom_role") or data.get("role", "")
    return ", ".join(
        part for part in (data.get("name", ""), role, data.get("organisation", "")) if part
    )


CONTEXT_WORDS = 12


def word_diff(old: str, new: str) -> str:
    """The change from `old` to `new` word by word, escaped, with <del> and <ins>; long
    unchanged stretches are shortened to a few words either side."""
    a, b = re.split(r"(\s+)", old or ""), re.split(r"(\s+)", new or "")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts = []
    opcodes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            words = a[i1:i2]
            keep = CONTEXT_WORDS * 2
            first, last = index == 0, index == len(opcodes) - 1
            if len(words) > keep * 2:
                head = [] if first else words[:keep]
                tail = [] if last else words[-keep:]
                parts.append(escape("".join(head)) + " … " + escape("".join(tail)))
            else:
                parts.append(escape("".join(words)))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return format_html_join("", "{}", ((part,) for part in parts))  # each part is escaped


def changes(model, before: dict | None, after: dict) -> dict:
    """What changed between two snapshots (before None: the first one recorded)."""
    empty = {"fields": {}, "tags": [], "speakers": [], "key_points": []}
    before = before or empty
    text_fields, other_fields = [], []
    for field in model._meta.concrete_fields:
        if not field.editable or field.name in NOT_RESTORED:
            continue
        old, new = before["fields"].get(field.attname), after["fields"].get(field.attname)
        if old == new or (not before["fields"] and new in ("", None, False)):
            continue
        label = str(field.verbose_name).capitalize()
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            text_fields.append((label, word_diff(old or "", new or "")))
        else:
            other_fields.append((label, _shown(field, old), _shown(field, new)))
    old_tags = [name for _, name in before["tags"]]
    new_tags = [name for _, name in after["tags"]]
    old_speakers = [speaker_label(s) for s in before["speakers"]]
    new_speakers = [speaker_label(s) for s in after["speakers"]]
    old_points = [p["text"] for p in before["key_points"]]
    new_points = [p["text"] for p in after["key_points"]]
    return {
        "text_fields": text_fields,
        "other_fields": other_fields,
        "tags_added": [t for t in new_tags if t not in old_tags],
        "tags_removed": [t for t in old_tags if t not in new_tags],
        "speakers_added": [s for s in new_speakers if s not in old_speakers],
        "speakers_removed": [s for s in old_speakers if s not in new_speakers],
        "points_added": [p for p in new_points if p not in old_points],
        "points_removed": [p for p in old_points if p not in new_points],
    }


def _shown(field, value) -> str:
    if value in (None, ""):
        return "(empty)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def since_published(entries: list[dict], item) -> dict | None:
    """What the newest version changed against the newest published one (from
    `item_history`'s entries): what an editor checks before approving. None when the item
    was never published, or the newest version is the published one."""
    from practice.publishing import Status

    if not entries:
        return None
    published = next(
        (e for e in entries if e["snapshot"]["fields"].get("status") == Status.PUBLISHED), None
    )
    if published is None or published is entries[0]:
        return None
    return {
        "published": published,
        "changes": changes(type(item), published["snapshot"], entries[0]["snapshot"]),
    }


def item_history(item) -> list[dict]:
    """The item's revisions, newest first, each with what it changed."""
    from practice.publishing import Status

    versions = list(
        Version.objects.get_for_object(item)
        .select_related("revision", "revision__user")
        .prefetch_related("revision__version_set")
        .order_by("pk")
    )
    entries, previous = [], None
    for version in versions:
        snap = snapshot(version)
        status = snap["fields"].get("status", "")
        entries.append(
            {
                "version": version,
                "revision": version.revision,
                "status": dict(Status.choices).get(status, status),
                "changes": changes(type(item), previous, snap),
                "first": previous is None,
                "snapshot": snap,
            }
        )
        previous = snap
    return entries[::-1]


# --- Restoring ---------------------------------------------------------------------------


def restore(*, item, version: Version, user) -> None:
    """Copy `version`'s content back onto `item` as a new revision, saved as a draft if it
    was published or scheduled: a restore never publishes by itself."""
    from django.db import transaction
    from django.utils import timezone
    from taggit.models import Tag

    from events.models import Event, EventNote, KeyPoint, Speaker
    from practice import workflow
    from practice.publishing import Status

    snap = snapshot(version)
    fields = snap["fields"]
    model = type(item)
    for field in model._meta.concrete_fields:
        if not field.editable or field.name in NOT_RESTORED or field.attname not in fields:
            continue
        value = fields[field.attname]
        if (
            field.is_relation
            and value is not None
            and not field.related_model._base_manager.filter(pk=value).exists()
        ):
            value = None
        setattr(item, field.attname, value)
    if item.status in (Status.PUBLISHED, Status.SCHEDULED):
        item.unpublish()
    when = timezone.localtime(version.revision.date_created).strftime("%-d %B %Y at %H:%M")
    comment = f"Restored the version of {when}"
    workflow.changed_by(item, user, comment)
    tags = list(Tag.objects.filter(pk__in=[tag_id for tag_id, _ in snap["tags"]]))
    with transaction.atomic(), revision(user, comment):
        item.save()
        item.tags.set(tags)
        if isinstance(item, (Event, EventNote)):
            item.speakers.all().delete()
            link = {"event": item} if isinstance(item, Event) else {"note": item}
            Speaker.objects.bulk_create(
                Speaker(
                    name=s["name"],
                    organisation=s.get("organisation", ""),
                    role=s.get("role", "speaker"),
                    custom_role=s.get("custom_role", ""),
                    position=s.get("position", 0),
                    **link,
                )
                for s in snap["speakers"]
            )
        if isinstance(item, EventNote):
            item.key_points.all().delete()
            KeyPoint.objects.bulk_create(
                KeyPoint(note=item, text=p["text"], position=p["position"])
                for p in snap["key_points"]
            )
