"""Searches with more matches than are counted: the capped sample drawn bucket by bucket."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.search import queries
from tests.conftest import make_writeup


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_more_matches_than_the_count_cap_still_page_and_sort(client, monkeypatch, sort):
    """Past the cap the page is drawn from the buckets' capped sample (relevance) or by
    walking the date index (newest); both must still give full, correctly ordered pages."""
    monkeypatch.setattr(queries, "COUNT_CAP", 4)
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    now = timezone.now()
    for n in range(9):
        make_writeup(title=f"Carers group {n}", published_at=now - timedelta(days=n))
    make_writeup(title="Dementia cafe", published_at=now)
    html = client.get(reverse("search:results"), {"q": "carers", "sort": sort}).content.decode()
    assert "4+ results" in html
    titles = re.findall(r'class="card__title"><a href="[^"]*">([^<]*)<', html)
    assert len(titles) == 3 and all(t.startswith("Carers group") for t in titles)
    if sort == "newest":
        assert titles == ["Carers group 0", "Carers group 1", "Carers group 2"]
        page_2 = client.get(
            reverse("search:results"), {"q": "carers", "sort": sort, "page": "2"}
        ).content.decode()
        assert re.findall(r'class="card__title"><a href="[^"]*">([^<]*)<', page_2) == [
            "Carers group 3",
            "Carers group 4",
            "Carers group 5",
        ]


@pytest.mark.django_db
def test_every_entry_lands_in_an_indexed_bucket_and_buckets_double():
    """An entry outside the buckets the search reads would never be found."""
    from practice.models import SearchEntry
    from practice.search.models import SEARCH_BUCKETS

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


@pytest.mark.django_db
def test_rebuild_interleaves_types_so_a_common_words_sample_is_not_all_write_ups(monkeypatch):
    """The sample is the first matches in table order: a rebuild that wrote every write-up
    before any note would leave a common word's type facet offering write-ups only."""
    from django.core.management import call_command

    from practice.models import SearchEntry
    from practice.search import index
    from tests.events.conftest import make_event, make_note

    for n in range(12):
        make_writeup(title=f"Carers group {n}")
    for n in range(3):
        make_note(event=make_event(title=f"Carers round table {n}"), title=f"Carers notes {n}")
    monkeypatch.setattr(index, "REBUILD_BATCH", 6)
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    kinds = list(SearchEntry.objects.order_by("id").values_list("kind", flat=True))
    assert sorted(kinds) == ["event"] * 3 + ["note"] * 3 + ["writeup"] * 12
    assert set(kinds[:6]) == {"writeup", "event", "note"}
