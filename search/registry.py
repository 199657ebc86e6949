"""Which models are searchable, how each becomes a search entry, and what its filter values are
called.

Search belongs to no content app. Each app says what it contributes in its own `search.py`,
which `SearchConfig.ready()` imports as the admin imports every `admin.py`: a function that
turns an instance into a `SearchDocument` (or None when it must not be found), one
`register(...)` call, and the labels of any filter values it owns (`register_labels`).
`signals.py` then keeps the entries current. Nothing here imports a content app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from django.db import models


@dataclass
class SearchDocument:
    title: str
    summary: str
    url: str
    # When the item sorts by date. `date_known` False: only that (an imported item whose text
    # gives no date sorts by its import): its year is not a filter value and results show
    # no date.
    date: datetime
    organisation: str = ""
    region: str = ""
    evidence_level: int | None = None
    # (slug, name) pairs.
    tags: list[tuple[str, str]] = field(default_factory=list)
    # Plain text, not HTML.
    sections: list[str] = field(default_factory=list)
    body: str = ""
    # Items that are one thing to a reader (an event and its notes) share a family, named
    # "kind:id" after its head (the event): results and suggestions show one of them, a
    # member rather than the head, and "More like this" leaves out the item's own family.
    family: str = ""
    date_known: bool = True

    @classmethod
    def of(cls, item: models.Model, **fields) -> SearchDocument:
        """The document of an item with a `title`, a page and (prefetched) `tags`; `fields`
        hold the rest, which differs by type."""
        return cls(
            title=item.title,
            url=item.get_absolute_url(),
            tags=[(tag.slug, tag.name) for tag in item.tags.all()],
            **fields,
        )


@dataclass(frozen=True)
class SearchType:
    model: type[models.Model]
    kind: str
    label: str
    # The instance as a document, or None when it is not published (draft, held, hidden).
    document: Callable[[models.Model], SearchDocument | None]
    # Every instance that should be in the index, with what `document` reads fetched in bulk
    # (select_related, prefetch_related): the rebuild reads it in batches, and a save reads
    # the saved items through it.
    published: Callable[[], models.QuerySet]
    # Other indexed items whose entries depend on this one (an event's notes).
    dependents: Callable[[models.Model], Iterable[models.Model]] | None = None

    @property
    def tag_model(self) -> type[models.Model] | None:
        """The model of the type's `tags` field (taggit's Tag), if it has one."""
        tags = next((f for f in self.model._meta.get_fields() if f.name == "tags"), None)
        return getattr(getattr(tags, "remote_field", None), "model", None)


_by_kind: dict[str, SearchType] = {}
_by_model: dict[type[models.Model], SearchType] = {}
# Filter dimension ("region", "evidence") -> value as text -> label.
_labels: dict[str, dict[str, str]] = {}
_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def register(
    model: type[models.Model],
    *,
    kind: str,
    label: str,
    document: Callable[[models.Model], SearchDocument | None],
    published: Callable[[], models.QuerySet],
    dependents: Callable[[models.Model], Iterable[models.Model]] | None = None,
) -> SearchType:
    search_type = SearchType(model, kind, label, document, published, dependents)
    _by_kind[kind] = search_type
    _by_model[model] = search_type
    return search_type


def register_labels(dimension: str, choices: Iterable[tuple[object, str]]) -> None:
    """Name the values of a filter dimension ("region", "evidence") that a content app owns.

    The search form accepts only these values and the facets and results show the labels.
    """
    _labels.setdefault(dimension, {}).update((str(value), label) for value, label in choices)


def labels(dimension: str) -> Mapping[str, str]:
    return _labels.get(dimension, _NO_LABELS)


def types() -> list[SearchType]:
    return list(_by_kind.values())


def kind_label(kind: str) -> str:
    search_type = _by_kind.get(kind)
    return search_type.label if search_type else kind.title()


def kind_choices() -> list[tuple[str, str]]:
    return [(t.kind, t.label) for t in _by_kind.values()]


def type_for(instance_or_model: models.Model | type[models.Model]) -> SearchType | None:
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    return _by_model.get(model)


def type_for_kind(kind: str) -> SearchType | None:
    return _by_kind.get(kind)


# Who counts as an editor (the search gaps page is theirs): the project's roles say, set at
# start-up (config/apps.py); staff until then.
_is_editor = [lambda user: user.is_staff]


def set_editor_check(check) -> None:
    _is_editor[0] = check


def is_editor(user) -> bool:
    return _is_editor[0](user)
