"""Which models are searchable and how each becomes a search entry.

A new searchable type is a function that turns an instance into a `SearchDocument` (or None
when it must not be found) plus one `register(...)` call; signals keep its entries current.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save


@dataclass
class SearchDocument:
    title: str
    summary: str
    url: str
    date: datetime
    organisation: str = ""
    region: str = ""
    evidence_level: int | None = None
    # (slug, name) pairs.
    tags: list[tuple[str, str]] = field(default_factory=list)
    # Plain text, not HTML.
    sections: list[str] = field(default_factory=list)
    body: str = ""


@dataclass(frozen=True)
class SearchType:
    model: type[models.Model]
    kind: str
    label: str
    # The instance as a document, or None when it is not published (draft, held, hidden).
    document: Callable[[models.Model], SearchDocument | None]
    # Every instance that should be in the index, for `rebuild_search_index`.
    published: Callable[[], models.QuerySet]
    # Other indexed items whose entries depend on this one (an event's notes).
    dependents: Callable[[models.Model], Iterable[models.Model]] | None = None


_by_kind: dict[str, SearchType] = {}
_by_model: dict[type[models.Model], SearchType] = {}


def register(
    model: type[models.Model],
    *,
    kind: str,
    label: str,
    document: Callable[[models.Model], SearchDocument | None],
    published: Callable[[], models.QuerySet],
    dependents: Callable[[models.Model], Iterable[models.Model]] | None = None,
) -> None:
    search_type = SearchType(model, kind, label, document, published, dependents)
    _by_kind[kind] = search_type
    _by_model[model] = search_type
    uid = f"search-{kind}"
    post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}-save", weak=False)
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    tags = next((f for f in model._meta.get_fields() if f.name == "tags"), None)
    through = getattr(getattr(tags, "remote_field", None), "through", None)
    if through is not None:
        # Several models may share taggit's TaggedItem: one receiver per through model.
        m2m_changed.connect(
            _tags_changed, sender=through, dispatch_uid=f"search-tags-{through._meta.label}"
        )
        tag_model = tags.remote_field.model
        post_save.connect(
            _tag_renamed, sender=tag_model, dispatch_uid=f"search-tag-{tag_model._meta.label}"
        )


def types() -> list[SearchType]:
    return list(_by_kind.values())


def kind_label(kind: str) -> str:
    search_type = _by_kind.get(kind)
    return search_type.label if search_type else kind.title()


def kind_choices() -> list[tuple[str, str]]:
    return [(t.kind, t.label) for t in _by_kind.values()]


def type_for(instance: models.Model) -> SearchType | None:
    return _by_model.get(type(instance))


def _saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the rebuild command indexes fixtures afterwards
        return
    from practice.search.index import entry_sync

    entry_sync(instance)
    search_type = type_for(instance)
    if search_type and search_type.dependents:
        for dependent in search_type.dependents(instance):
            entry_sync(dependent)


def _deleted(sender, instance, **kwargs) -> None:
    from practice.search.index import entry_remove

    search_type = type_for(instance)
    if search_type:
        entry_remove(kind=search_type.kind, object_id=instance.pk)


def _tags_changed(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and type_for(instance):
        from practice.search.index import entry_sync

        entry_sync(instance)


def _tag_renamed(sender, instance, created=False, raw=False, **kwargs) -> None:
    """Entries hold tag names for display and facets: refresh the ones using this tag."""
    if created or raw:
        return
    from practice.search.index import entry_sync

    for search_type in _by_kind.values():
        field = next((f for f in search_type.model._meta.get_fields() if f.name == "tags"), None)
        if field is not None and field.remote_field.model is sender:
            for item in search_type.published().filter(tags=instance).distinct():
                entry_sync(item)
