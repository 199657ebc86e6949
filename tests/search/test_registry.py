"""The registry (search/registry.py): content apps register their types in their own
search.py, found the way the admin finds admin.py; search itself imports none of them."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db.models.signals import post_delete, post_save

from events.models import Series
from search import registry, signals
from search.forms import SearchForm
from search.models import SearchEntry
from search.registry import SearchDocument

SEARCH_APP = Path(registry.__file__).parent
CONTENT_APPS = {"practice", "events", "stakeholders", "config"}


def test_each_apps_search_module_is_discovered_and_registers_its_types():
    assert [t.kind for t in registry.types()] == ["writeup", "event", "note"]
    assert registry.kind_choices() == [
        ("writeup", "Write-up"),
        ("event", "Event"),
        ("note", "Event note"),
    ]
    assert registry.labels("region")["wales"] == "Wales"
    assert registry.labels("evidence")["4"] == "Evaluated"


def test_search_imports_no_content_app():
    """Search is for every type: what it needs of one comes through the registry."""
    imported = set()
    for path in SEARCH_APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.name, node.module.split(".")[0]))
            elif isinstance(node, ast.Import):
                imported.update((path.name, alias.name.split(".")[0]) for alias in node.names)
    assert {(name, module) for name, module in imported if module in CONTENT_APPS} == set()


def test_unknown_kinds_get_a_readable_label():
    assert registry.kind_label("writeup") == "Write-up"
    assert registry.kind_label("podcast") == "Podcast"
    assert registry.type_for_kind("podcast") is None


@pytest.fixture
def series_type(monkeypatch):
    """Series made searchable the way a content app would, and forgotten afterwards."""
    monkeypatch.setattr(registry, "_by_kind", dict(registry._by_kind))
    monkeypatch.setattr(registry, "_by_model", dict(registry._by_model))
    search_type = registry.register(
        Series,
        kind="series",
        label="Series",
        document=lambda series: SearchDocument(
            title=series.name,
            summary=series.description,
            url=series.get_absolute_url(),
            date=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        published=lambda: Series.objects.all(),
    )
    signals.connect([search_type])
    yield search_type
    post_save.disconnect(sender=Series, dispatch_uid="search-series-save")
    post_delete.disconnect(sender=Series, dispatch_uid="search-series-delete")


@pytest.mark.django_db
def test_a_registered_type_is_indexed_filtered_and_labelled(series_type):
    series = Series.objects.create(name="Carers round tables", description="Monthly.")
    entry = SearchEntry.objects.get(kind="series", object_id=series.pk)
    assert entry.title == "Carers round tables"
    assert registry.type_for(series) is series_type
    assert SearchForm({"type": "series"}).filters().kind == "series"
    series.delete()
    assert not SearchEntry.objects.filter(kind="series").exists()
