"""Ranking every match stays exact while it reads less (search/ranking.py): filters and
excluded words applied while reading the lists, common words of a phrase read no deeper,
and candidates ruled out by what the lists say never probed. Each case is checked against
scoring every match."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from practice.models import EvidenceLevel, Region
from search import builder, ranking, results
from search.models import Synonym
from search.parser import parse_query
from search.queries import search_run
from search.results import SearchFilters
from search.synonyms import load_synonym_map
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def titles(query: str, filters: SearchFilters | None = None) -> list[str]:
    found = search_run(raw_query=query, filters=filters or SearchFilters(), log=False)
    return [hit.title for hit in found.hits]


def top_and_every(query: str, filters: SearchFilters, k: int = 3) -> tuple[list, list, int]:
    """The threshold algorithm's top k, every match scored, and its rounds."""
    parsed = parse_query(query, load_synonym_map())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(builder.PLANNER_BITMAP_ONLY)
        plan = ranking.plan_query(cursor, parsed, filters)
        got, rounds = ranking.top(cursor, plan, k, all_clauses=True)
        where, params = builder.match("vector", parsed, builder.filters_tsquery(filters))
        cursor.execute(f"SELECT e.id FROM {builder.ENTRY} e WHERE {where}", params)  # noqa: S608
        every = ranking.rank_ids(cursor, plan, [row[0] for row in cursor.fetchall()])
    every = [r for r in every if r.matched == plan.clauses][:k]
    return [r.entry_id for r in got], [r.entry_id for r in every], rounds


@pytest.fixture
def shallow(monkeypatch):
    """Lists read two deep at first, and no count cap to hold every match."""
    monkeypatch.setattr(results, "COUNT_CAP", 2)
    monkeypatch.setattr(ranking, "FIRST_DEPTH", 2)


def test_a_filtered_query_whose_best_match_is_deep_in_the_list_comes_first(shallow):
    """The best items for the word are all in London (titled exactly the word); the best one
    in Wales is far down the list of "befriending", and still first when filtering on
    Wales."""
    for _ in range(8):
        make_writeup(
            title="Befriending",
            summary="Befriending, befriending and more befriending.",
            region=Region.LONDON,
        )
    make_writeup(title="Notes", summary="A little befriending.", body="x", region=Region.WALES)
    make_writeup(
        title="Befriending in Wales", summary="Befriending in villages.", region=Region.WALES
    )
    assert titles("befriending", SearchFilters(region="wales")) == [
        "Befriending in Wales",
        "Notes",
    ]
    got, every, rounds = top_and_every("befriending", SearchFilters(region="wales"), k=1)
    assert got == every
    assert rounds == 1  # the list read is Wales's own: its first two are the best two


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(kind="writeup"),
        SearchFilters(region="wales"),
        SearchFilters(evidence=EvidenceLevel.EVALUATED),
        SearchFilters(tags=("carers",)),
        SearchFilters(tags=("carers", "housing")),
        SearchFilters(region="london", tags=("housing",)),
    ],
    ids=["kind", "region", "evidence", "tag", "two-tags", "region-and-tag"],
)
def test_filters_read_from_the_ranking_index_select_what_the_filter_lexemes_do(filters):
    """builder.filters_sql (the columns, for ranking) and builder.filters_tsquery (the
    lexemes, for the sample and counts) are two spellings of one filter."""
    for i, (region, evidence, tags) in enumerate(
        [
            (Region.WALES, EvidenceLevel.EVALUATED, ("carers",)),
            (Region.WALES, EvidenceLevel.IDEA, ("carers", "housing")),
            (Region.LONDON, EvidenceLevel.EVALUATED, ("housing",)),
            (Region.LONDON, EvidenceLevel.NOT_ASSESSED, ()),
            ("", EvidenceLevel.IDEA, ("carers", "housing", "dementia")),
        ]
    ):
        make_writeup(title=f"Item {i}", region=region, evidence_level=evidence, tags=tags)
    sql, params = builder.filters_sql(filters, alias="e")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT e.id FROM {builder.ENTRY} e WHERE {sql}", params)  # noqa: S608
        by_columns = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT e.id FROM {builder.ENTRY} e WHERE e.vector @@ %s::tsquery",  # noqa: S608
            [builder.filters_tsquery(filters)],
        )
        by_lexemes = {row[0] for row in cursor.fetchall()}
    assert by_columns == by_lexemes
    assert by_columns  # each case selects something
    assert builder.filters_sql(SearchFilters()) is None


def test_an_excluded_word_in_most_of_the_best_items_leaves_the_best_without_it_first(shallow):
    for _ in range(8):  # the best items for "carers" (titled exactly that) say "dementia"
        make_writeup(title="Carers", summary="Carers, carers: dementia support for carers.")
    make_writeup(title="Young people", summary="Some carers are young.", body="Carers.")
    make_writeup(title="Carers' breaks", summary="Short breaks for carers.")
    assert titles("carers -dementia") == ["Carers' breaks", "Young people"]
    got, every, rounds = top_and_every("carers -dementia", SearchFilters(), k=1)
    assert got == every
    assert rounds == 1  # the postings of items that say "dementia" are skipped while read


def test_an_excluded_hyphenated_word_needs_all_its_parts(shallow):
    """-co-production leaves out items holding "co-production" (all of its lexemes), not an
    item that only says "production"."""
    for i in range(3):
        make_writeup(title=f"Theatre co-production {i}", summary="Theatre co-production.")
    make_writeup(title="Theatre production", summary="A theatre production.")
    assert titles("theatre -co-production") == ["Theatre production"]


def test_a_phrase_synonym_of_a_common_word_does_not_drop_the_best_item(shallow):
    """ "care" is in every item, so its list is not read past the first stretch; the best
    item holding "integrated care board" as a phrase is found all the same."""
    Synonym.objects.create(terms="ICB, integrated care board")
    for i in range(6):
        make_writeup(
            title=f"Care and care {i}",
            summary="Care, care, care: integrated teams, a board, more care.",
        )
    for i in range(4):
        make_writeup(title=f"Board papers {i}", summary="Integrated working care board.")
    make_writeup(
        title="Notes from the week",
        summary="The integrated care board met. The integrated care board agreed.",
        body="care",
    )
    got, every, _ = top_and_every("ICB", SearchFilters(), k=3)
    assert got == every
    assert titles("ICB")[0] == "Notes from the week"


def test_the_threshold_with_filters_exclusions_and_phrases_equals_scoring_every_match(
    shallow, monkeypatch
):
    """A mixed corpus: whatever is read, pruned or left unread, the top k is the top k of
    every match, for each kind of query."""
    monkeypatch.setattr(ranking, "MAX_DEPTH", 10_000)
    Synonym.objects.create(terms="VCSE, voluntary sector")
    words = ["carers", "housing", "voluntary", "sector", "community", "dementia", "care"]
    regions = [Region.WALES, Region.LONDON, Region.SCOTLAND]
    for i in range(40):
        chosen = [words[(i * j + i) % len(words)] for j in range(1, 4)]
        make_writeup(
            title=f"Report {i}",
            summary=" ".join(chosen * (1 + i % 3)),
            body=" ".join(reversed(chosen)) + (" voluntary sector" if i % 5 == 0 else ""),
            region=regions[i % 3],
            tags=("carers",) if i % 4 == 0 else (),
        )
    for query, filters in [
        ("carers", SearchFilters(region="london")),
        ("community -dementia", SearchFilters()),
        ("housing -care", SearchFilters(region="wales")),
        ("VCSE", SearchFilters()),
        ('"voluntary sector" -carers', SearchFilters()),
        ("carers housing", SearchFilters(tags=("carers",))),
        ("community OR housing", SearchFilters(region="scotland")),
    ]:
        got, every, _ = top_and_every(query, filters, k=3)
        assert got == every, query


def test_an_unread_item_whose_long_title_holds_the_phrase_comes_first(shallow):
    """Its long title gives it low impacts, so it is in no list's first stretch; the title
    bonus still puts it first, because items whose titles hold the words are scored apart
    (ranking._titled)."""
    for i in range(6):
        make_writeup(
            title=f"Mental notes {i}",
            summary="Mental health, mental health, mental health and mental health.",
        )
    make_writeup(
        title="What we learned over three winters of running mental health cafes in "
        "small market towns across the north",
        summary="Cafes.",
    )
    got, every, _ = top_and_every('"mental health"', SearchFilters(), k=1)
    assert got == every


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("befriending", SearchFilters()),
        ('"mental health"', SearchFilters(region="wales")),
        ("befriending OR loneliness", SearchFilters()),
        ('"mental health" -cafes', SearchFilters()),
        ("mental health befriending", SearchFilters()),
    ],
)
def test_long_titles_holding_the_words_are_never_missed(shallow, query, filters):
    """Items whose long titles hold the words typed (low impacts, a title bonus) among many
    with higher impacts: the top 3 equals scoring every match, whatever the query's form."""
    for i in range(16):
        # Summaries of different lengths: no two scores tie (ties go to the newest).
        make_writeup(
            title=f"Notes {i}",
            summary="Mental health and befriending. " * 3 + "Loneliness. " * 2 + "village " * i,
            region=Region.WALES if i % 2 else Region.LONDON,
        )
    for title, region in (
        ("What eight winters of befriending in small market towns taught us", Region.WALES),
        ("Running mental health cafes and befriending in villages across the north", Region.WALES),
        ("A long account of mental health peer groups in three counties", Region.LONDON),
        ("How loneliness changed after two years of befriending phone calls", Region.LONDON),
    ):
        make_writeup(title=title, summary="Cafes.", region=region)
    got, every, _ = top_and_every(query, filters, k=3)
    assert got == every


def test_past_the_cap_of_titled_items_the_lists_still_rank(shallow, monkeypatch):
    """More items whose titles hold the words than TITLED_CAP: they are not scored apart,
    and the lists alone still put the best first."""
    monkeypatch.setattr(ranking, "TITLED_CAP", 2)
    for i in range(5):
        make_writeup(title=f"Befriending {i}", summary="Befriending, befriending.")
    make_writeup(title="Befriending", summary="Befriending, befriending, befriending.")
    assert titles("befriending")[0] == "Befriending"


def test_titles_past_the_cap_before_an_exclusion_still_rank_the_best_first(shallow, monkeypatch):
    """More titles hold the word than TITLED_CAP, but the excluded word leaves fewer: they
    are still scored apart (the exclusions are checked before the cap counts), so a long
    title holding the word, with low impacts among many higher ones, still comes first, as
    scoring every match puts it. (Counting the cap before the exclusions missed it.)"""
    monkeypatch.setattr(ranking, "TITLED_CAP", 3)
    for i in range(5):
        make_writeup(title=f"Befriending teams {i}", summary="Befriending teams. " * 3)
    for i in range(12):
        make_writeup(title=f"Notes {i}", summary="Befriending. " * 3 + "village " * i)
    long_title = "What eight winters of befriending in small market towns taught us"
    make_writeup(title=long_title, summary="Cafes.")
    got, every, _ = top_and_every("befriending -teams", SearchFilters(), k=3)
    assert got == every
    assert titles("befriending -teams")[0] == long_title
