"""What a query matches and in what order: ranking, phrases, OR and exclusions, folded forms,
sorting, and the capped sample past COUNT_CAP matches (search/builder.py, search/queries.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from search import builder, results
from search.parser import parse_query
from search.results import SearchFilters
from tests.conftest import make_writeup
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def test_title_match_outranks_a_body_mention(client):
    make_writeup(title="Hospital discharge checklist", body="Mentions dementia once.")
    make_writeup(title="Dementia cafes in Leeds", body="A weekly cafe.")
    assert result_titles(search(client, "dementia")) == [
        "Dementia cafes in Leeds",
        "Hospital discharge checklist",
    ]


def test_short_precise_item_is_not_buried_by_a_long_one(client):
    long_body = " ".join(["Our falls prevention work with older people."] * 300)
    make_writeup(
        title="A long review of community services and falls prevention in many settings",
        summary="A long summary about many services, teams, places and falls prevention.",
        body=long_body,
    )
    make_writeup(title="Falls prevention", summary="Falls prevention classes.")
    assert result_titles(search(client, "falls prevention"))[0] == "Falls prevention"


def test_quoted_phrase_needs_the_words_together(client):
    make_writeup(title="Social prescribing link workers")
    make_writeup(title="Prescribing reviews", summary="A social worker joined the reviews.")
    assert result_titles(search(client, '"social prescribing"')) == [
        "Social prescribing link workers"
    ]


def test_exclusion_and_or(client):
    make_writeup(title="Carers cafe")
    make_writeup(title="Carers and dementia")
    make_writeup(title="Dementia walking group")
    assert result_titles(search(client, "carers -dementia")) == ["Carers cafe"]
    assert sorted(result_titles(search(client, "cafe OR walking"))) == [
        "Carers cafe",
        "Dementia walking group",
    ]
    assert result_titles(search(client, 'dementia -"walking group"')) == ["Carers and dementia"]


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Co-production with families", "coproduction"),
        ("Coproduction with families", "co-production"),
        ("Well-being walks", "wellbeing"),
        ("A co-operative home care service", "cooperative"),
        ("Coproduction with families", "co production"),
    ],
)
def test_hyphenated_and_closed_forms_match(client, written, searched):
    make_writeup(title=written)
    assert result_titles(search(client, searched)) == [written]


def test_sort_by_newest(client):
    make_writeup(title="Carers old", published_at=timezone.now() - timedelta(days=400))
    make_writeup(title="Carers carers carers new")
    assert result_titles(search(client, "carers", sort="newest"))[0] == "Carers carers carers new"


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_more_matches_than_the_count_cap_still_page_and_sort(client, monkeypatch, sort):
    """Past the cap the page comes from ranking over the postings (relevance) or from
    walking the date index (newest); both must still give full, correctly ordered pages, and
    a count said to be an estimate."""
    monkeypatch.setattr(results, "COUNT_CAP", 4)
    monkeypatch.setattr(results, "PAGE_SIZE", 3)
    now = timezone.now()
    for n in range(9):
        make_writeup(title=f"Carers group {n}", published_at=now - timedelta(days=n))
    make_writeup(title="Dementia cafe", published_at=now)
    html = client.get(reverse("search:results"), {"q": "carers", "sort": sort}).content.decode()
    assert re.search(r"about \d+ results", html)
    titles = re.findall(r'class="nhsuk-card__link" href="[^"]*">([^<]*)<', html)
    assert len(titles) == 3 and all(t.startswith("Carers group") for t in titles)
    if sort == "newest":
        assert titles == ["Carers group 0", "Carers group 1", "Carers group 2"]
        page_2 = client.get(
            reverse("search:results"), {"q": "carers", "sort": sort, "page": "2"}
        ).content.decode()
        assert re.findall(r'class="nhsuk-card__link" href="[^"]*">([^<]*)<', page_2) == [
            "Carers group 3",
            "Carers group 4",
            "Carers group 5",
        ]


def test_typed_text_reaches_sql_only_as_bound_parameters():
    sql, params = builder.tsquery(parse_query("""carers ':*|!' OR "A & B" -x"""))
    assert sql == (
        "((plainto_tsquery('english', %s)) && "
        f"(plainto_tsquery('english', %s) || {builder.PHRASE_TSQUERY}) && "
        "!!(plainto_tsquery('english', %s)))"
    )
    assert "%s" not in builder.PHRASE_TSQUERY.replace("english', %s)", "")
    assert params == ["carers", "|", "aandb", "aandb", "x"]


def test_filters_are_lexemes_and_a_facet_counts_without_its_own_filter():
    filters = SearchFilters(kind="note", tags=("carers",), region="wales", evidence=4, year=2025)
    assert builder.filters_tsquery(filters) == (
        "'k:note' & 'y:2025' & 'r:wales' & 'e:4' & 't:carers'"
    )
    assert builder.filters_tsquery(filters, without="region") == (
        "'k:note' & 'y:2025' & 'e:4' & 't:carers'"
    )
    assert builder.filters_tsquery(SearchFilters()) is None
