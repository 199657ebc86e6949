"""Keeping the index current: the one write path for saves, deletes, tag changes and renames.

A change only marks the item. When the transaction commits, every marked item is indexed
once, from what was committed: a note saved with its tags and key points is written once,
with both, whatever order they were written in and whichever signals fired. Outside a
transaction (autocommit) Django runs the commit callback at once. Saving content therefore
never indexes by hand: `SearchConfig.ready()` connects these receivers for each registered
type, and that is all.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from search import index, registry
from search.registry import SearchType


class _Marked(threading.local):
    """Per thread, as Django's connections are: kind -> ids of items changed since the last
    commit that indexed them."""

    def __init__(self) -> None:
        self.items: defaultdict[str, set[int]] = defaultdict(set)


_marked = _Marked()

# Sent once the index holds a commit's changes. Whatever keeps something read from the index
# (a page, an item's "More like this" list) listens: the content's own change may have been
# announced before these entries were written.
entries_changed = Signal()


def connect(search_types: list[SearchType] | None = None) -> None:
    for search_type in search_types if search_types is not None else registry.types():
        uid = f"search-{search_type.kind}"
        model = search_type.model
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
        tags = model._meta.get_field("tags") if search_type.tag_model else None
        if tags is not None:
            # Several models may share taggit's TaggedItem: one receiver per through model.
            through = tags.remote_field.through
            m2m_changed.connect(
                _tags_changed, sender=through, dispatch_uid=f"search-tags-{through._meta.label}"
            )
            tag_model = search_type.tag_model
            post_save.connect(
                _tag_saved, sender=tag_model, dispatch_uid=f"search-tag-{tag_model._meta.label}"
            )


def connect_synonyms() -> None:
    """A synonym saved or deleted changes which phrases are indexed as tokens of their own
    (postings.py): the task worker brings them up to date (search/tasks.py) once the
    transaction commits. So does a topic (tag) of several words saved (_tag_saved)."""
    from search.models import Synonym

    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(_phrases_changed, sender=Synonym, dispatch_uid=f"search-synonym-{name}")


def _phrases_changed(sender, raw=False, **kwargs) -> None:
    if not raw:
        from search.tasks import sync_phrases

        transaction.on_commit(sync_phrases.enqueue, robust=True)


def mark(search_type: SearchType, object_id: int) -> None:
    """Index this item once the current transaction commits."""
    _marked.items[search_type.kind].add(object_id)
    # A callback per mark, not per transaction: a rolled-back transaction drops its callbacks
    # but not its marks, and a later commit then indexes those items again from the database,
    # which is still right. The callbacks after the first find nothing left to do.
    transaction.on_commit(_index_marked, robust=True)


def _index_marked() -> None:
    """Runs after a commit. Robust: the content is saved whatever happens here; an entry that
    failed is logged, and `rebuild_search_index` repairs it."""
    marked, _marked.items = _marked.items, defaultdict(set)
    for kind, object_ids in marked.items():
        search_type = registry.type_for_kind(kind)
        if search_type is not None:
            index.entries_sync(search_type, object_ids)
    if marked:
        entries_changed.send(sender=SearchType)


def _saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the rebuild command indexes fixtures afterwards
        return
    search_type = registry.type_for(sender)
    if search_type is None:
        return
    mark(search_type, instance.pk)
    # A new item has nothing depending on it yet.
    if search_type.dependents and not created:
        for dependent in search_type.dependents(instance):
            dependent_type = registry.type_for(dependent)
            if dependent_type is not None:
                mark(dependent_type, dependent.pk)


def _deleted(sender, instance, **kwargs) -> None:
    search_type = registry.type_for(sender)
    if search_type is not None:
        mark(search_type, instance.pk)


def _tags_changed(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        search_type = registry.type_for(instance)
        if search_type is not None:
            mark(search_type, instance.pk)


def _tag_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    """Entries hold tag names for display and facets: refresh the ones using this tag. A
    topic's name of several words is a phrase to index (postings.py), and a renamed one may
    no longer be."""
    if raw:
        return
    if not created or " " in instance.name.strip():
        _phrases_changed(sender)
    if created:
        return
    for search_type in registry.types():
        if search_type.tag_model is sender:
            tagged = search_type.published().prefetch_related(None).filter(tags=instance)
            for object_id in tagged.values_list("pk", flat=True).distinct():
                mark(search_type, object_id)
