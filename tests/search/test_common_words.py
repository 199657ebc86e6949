"""Excluding a common word (search/postings.py, "Common words"): after a rebuild has given the
site's most common words a bit each, a list read in impact order skips the items holding an
excluded one from the bits its postings carry, with no probe, and leaves out exactly what
probing left out: for items written before the rebuild, after it, and edited since."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import postings
from search.models import SearchLexeme
from search.results import SearchFilters
from tests.conftest import make_writeup
from tests.search.test_ranking_exact import shallow, titles, top_and_every  # noqa: F401

pytestmark = pytest.mark.django_db


def rebuild_postings() -> None:
    with connection.cursor() as cursor:
        postings.postings_rebuild(cursor, postings.indexed_phrases(cursor))


def ranked(query: str, k: int) -> tuple[list, list, int, list[str]]:
    """top_and_every's top k, every match scored and the rounds, and the statements that
    probed the postings' key for an excluded word."""
    with CaptureQueriesContext(connection) as captured:
        got, every, rounds = top_and_every(query, SearchFilters(), k=k)
    probed = [q["sql"] for q in captured if "FROM search_posting z" in q["sql"]]
    return got, every, rounds, probed


def test_an_excluded_common_word_is_skipped_from_the_postings_bits(shallow):  # noqa: F811
    for _ in range(8):  # the best items for "carers" (titled exactly that) say "dementia"
        make_writeup(title="Carers", summary="Carers, carers: dementia support for carers.")
    young = make_writeup(title="Young people", summary="Some carers are young.", body="Carers.")
    make_writeup(title="Carers' breaks", summary="Short breaks for carers.")
    rebuild_postings()
    assert SearchLexeme.objects.get(lexeme="dementia").bit is not None
    # Written after the rebuild: its postings get the bits the rebuild chose.
    make_writeup(title="Carers", summary="Carers and dementia, carers and dementia.")
    later = make_writeup(title="Carers' rights", summary="Carers' rights and dementia.")
    later.summary = "Carers' rights, for carers."
    later.save()
    young.summary = "Some carers are young; some care for a parent with dementia."
    young.save()

    assert sorted(titles("carers -dementia")) == ["Carers' breaks", "Carers' rights"]
    got, every, rounds, probed = ranked("carers -dementia", k=3)
    assert len(every) == 2
    assert got == every
    assert rounds == 1  # the postings of items that say "dementia" are skipped while read
    assert probed == []


def test_an_excluded_word_without_a_bit_is_still_probed(shallow, monkeypatch):  # noqa: F811
    """Only the most common words get a bit: past them, exclusion is probed as before."""
    monkeypatch.setattr(postings, "COMMON_WORDS", 1)
    for _ in range(4):
        make_writeup(title="Carers", summary="Carers, carers: dementia support for carers.")
    make_writeup(title="Carers' breaks", summary="Short breaks for carers.")
    rebuild_postings()
    assert SearchLexeme.objects.get(lexeme="dementia").bit is None
    assert SearchLexeme.objects.filter(bit__isnull=False).count() == 1

    assert titles("carers -dementia") == ["Carers' breaks"]
    got, every, _, probed = ranked("carers -dementia", k=1)
    assert got == every
    assert probed
