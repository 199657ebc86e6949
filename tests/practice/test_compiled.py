"""Lists whose SQL each worker compiles once (practice/compiled.py): the rows are read afresh
every time, the time they are measured from moves, and a key that misses a value fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from events.queries import home_panels
from practice import compiled
from practice.models import WriteUp
from tests.conftest import make_writeup
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_store():
    compiled.clear()
    yield
    compiled.clear()


def test_a_kept_list_shows_new_rows_and_moves_with_the_clock():
    soon = make_event(title="Carers cafe", starts_at=timezone.now() + timedelta(hours=1))
    assert [e.title for e in home_panels()["upcoming_events"]] == ["Carers cafe"]
    make_event(title="Dementia walk", starts_at=timezone.now() + timedelta(hours=3))
    assert [e.title for e in home_panels()["upcoming_events"]] == ["Carers cafe", "Dementia walk"]
    with time_machine.travel(soon.ends_at + timedelta(minutes=1)):
        assert [e.title for e in home_panels()["upcoming_events"]] == ["Dementia walk"]


def test_each_list_is_compiled_once_per_key_and_slice(monkeypatch, settings):
    settings.COMPILED_CHECK = False
    make_writeup(title="Carers cafe")
    compiles = []
    real = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiles.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    for _ in range(3):
        titles = [w.title for w in WriteUp.objects.published().compiled("test")[:5]]
        assert titles == ["Carers cafe"]
    assert compiles == [WriteUp]
    assert [w.title for w in WriteUp.objects.published().compiled("test")[1:5]] == []
    assert compiles == [WriteUp, WriteUp]  # another slice is another statement


def test_a_key_that_misses_a_value_fails_the_tests():
    make_writeup(title="Carers cafe")
    list(WriteUp.objects.published().filter(title="Carers cafe").compiled("by-title"))
    with pytest.raises(compiled.CompiledMismatch):
        list(WriteUp.objects.published().filter(title="Dementia walk").compiled("by-title"))


def test_a_kept_list_counts_what_it_pages_through(settings):
    """The paginator's count is kept too, and agrees with the rows whatever the slice."""
    from django.contrib.auth.models import AnonymousUser

    from practice.queries import WriteUpFilters, writeup_page

    for n in range(3):
        make_writeup(title=f"Carers cafe {n}", tags=("carers",))
    make_writeup(title="Dementia walk", tags=("dementia",))
    page = writeup_page(AnonymousUser(), WriteUpFilters(tag="carers"), 1)
    assert page.paginator.count == 3 and len(page.object_list) == 3
    make_writeup(title="Carers cafe 3", tags=("carers",))
    page = writeup_page(AnonymousUser(), WriteUpFilters(tag="carers"), 1)
    assert page.paginator.count == 4
    assert writeup_page(AnonymousUser(), WriteUpFilters(), 1).paginator.count == 5


def test_a_kept_list_sliced_counts_only_its_slice():
    for n in range(3):
        make_writeup(title=f"Carers cafe {n}")
    kept = WriteUp.objects.published().compiled("sliced")
    assert kept.count() == 3
    assert kept[:2].count() == 2
