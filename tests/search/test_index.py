"""Writing entries (search/index.py): one type's changed items, and the rebuild."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.utils import timezone

from practice.models import WriteUp
from practice.publishing import Status
from practice.search import writeup_document
from search import index, registry
from search.models import SEARCH_BUCKETS, SearchEntry, SearchWord
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def _rebuild() -> None:
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_rebuild_command_restores_the_index(client):
    make_writeup(title="Hospital discharge")
    SearchEntry.objects.all().delete()
    SearchWord.objects.all().delete()
    assert result_titles(search(client, "discharge")) == []
    _rebuild()
    assert result_titles(search(client, "discharge")) == ["Hospital discharge"]
    assert SearchWord.objects.get(word="discharge").frequency == 1


def test_sync_writes_published_items_and_removes_the_rest_with_their_words():
    kept = make_writeup(title="Telephone befriending")
    hidden = make_writeup(title="Hidden befriending")
    # Unpublished behind the index's back (no signal), and an entry whose item is gone.
    WriteUp.objects.filter(pk=hidden.pk).update(status=Status.DRAFT)
    vanished = replace(writeup_document(kept), title="Vanished befriending")
    index.entry_write("writeup", hidden.pk + 1000, vanished)
    kept.title = "Telephone befriending by volunteers"
    assert SearchEntry.objects.count() == 3

    index.entries_sync(registry.type_for(kept), [kept.pk, hidden.pk, hidden.pk + 1000])

    # Read from the database, not from the instance in memory.
    assert list(SearchEntry.objects.values_list("object_id", "title")) == [
        (kept.pk, "Telephone befriending")
    ]
    words = dict(SearchWord.objects.values_list("word", "frequency"))
    assert words["telephone"] == 1 and words["befriending"] == 1
    assert "hidden" not in words and "vanished" not in words and "volunteers" not in words


def test_every_entry_lands_in_an_indexed_bucket_and_buckets_double():
    """An entry outside the buckets the search reads would never be found."""
    SearchEntry.objects.bulk_create(
        SearchEntry(
            kind="writeup",
            object_id=n,
            url=f"/{n}/",
            title="t",
            date=timezone.now(),
            year=2026,
            vector="",
            rank_vector="",
        )  # fmt: skip
        for n in range(1, 129)
    )
    sizes = [0] * SEARCH_BUCKETS
    for bucket in SearchEntry.objects.values_list("bucket", flat=True):
        sizes[bucket] += 1
    assert sizes == [4, 4, 8, 16, 32, 64]


def test_rebuild_interleaves_types_so_a_common_words_sample_is_not_all_write_ups(monkeypatch):
    """The sample is the first matches in table order: a rebuild that wrote every write-up
    before any note would leave a common word's type facet offering write-ups only."""
    for n in range(12):
        make_writeup(title=f"Carers group {n}")
    for n in range(3):
        make_note(event=make_event(title=f"Carers round table {n}"), title=f"Carers notes {n}")
    monkeypatch.setattr(index, "REBUILD_BATCH", 6)
    _rebuild()
    kinds = list(SearchEntry.objects.order_by("id").values_list("kind", flat=True))
    assert sorted(kinds) == ["event"] * 3 + ["note"] * 3 + ["writeup"] * 12
    assert set(kinds[:6]) == {"writeup", "event", "note"}


@pytest.mark.parametrize("batch", [4, 8])
def test_rebuild_makes_a_fixed_number_of_queries_per_batch(
    monkeypatch, django_assert_max_num_queries, batch
):
    """note_document looked up each note again: a rebuild made a query per note."""
    for n in range(8):
        make_writeup(title=f"Carers group {n}", tags=("carers",))
    for n in range(4):
        event = make_event(title=f"Carers round table {n}", tags=("carers",))
        for k in range(4):
            make_note(event=event, title=f"Carers notes {n} {k}", tags=("respite",))
    items = 8 + 4 + 16
    monkeypatch.setattr(index, "REBUILD_BATCH", batch)
    # Fixed (11): the transaction, the delete, a count and a cursor per type, the vocabulary;
    # and 13 for the postings (a new table, filled, indexed, swapped in, the lexeme counts).
    # Per batch of rows written: one statement in a savepoint (3). Per batch read of a type:
    # its prefetches, at most 2 (the notes' tags and key points); each type's reads end with
    # at most one partial batch.
    batches = math.ceil(items / batch)
    batches_read = batches + len(registry.types())
    with django_assert_max_num_queries(24 + 3 * batches + 2 * batches_read):
        assert index.index_rebuild() == items
