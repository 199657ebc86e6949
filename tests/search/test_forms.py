"""The search page's parameters (search/forms.py): each malformed one is ignored on its own."""

from __future__ import annotations

from django.http import QueryDict

from search.forms import SearchForm
from search.results import MAX_TAG_FILTERS, SearchFilters


def arguments(query_string: str) -> dict:
    return SearchForm(QueryDict(query_string)).search_arguments()


def test_nothing_given_is_an_empty_search_of_everything():
    assert arguments("") == {
        "raw_query": "",
        "filters": SearchFilters(),
        "sort": "relevance",
        "page": 1,
        "correct": True,
    }


def test_known_values_become_filters():
    given = arguments(
        "q=carers&type=note&tag=carers&tag=peer-support&region=wales&evidence=4"
        "&year=2025&sort=newest&page=3"
    )
    assert given == {
        "raw_query": "carers",
        "filters": SearchFilters(
            kind="note", tags=("carers", "peer-support"), region="wales", evidence=4, year=2025
        ),
        "sort": "newest",
        "page": 3,
        "correct": True,
    }


def test_each_malformed_value_falls_back_to_its_default_and_spares_the_others():
    given = arguments(
        "q=carers&type=podcast&region=atlantis&evidence=9&year=1066&sort=best&page=x&tag=carers"
    )
    assert given == {
        "raw_query": "carers",
        "filters": SearchFilters(tags=("carers",)),
        "sort": "relevance",
        "page": 1,
        "correct": True,
    }
    assert arguments("page=0")["page"] == 1
    assert arguments("page=999999")["page"] == 1
    assert arguments("year=3000")["filters"].year is None
    assert arguments("evidence=one")["filters"].evidence is None


def test_tags_are_slugs_once_each_and_a_few_at_most():
    tags = "&".join(f"tag={t}" for t in ["carers", "carers", "a b", "<x>", "", *"abcdefg"])
    assert arguments(tags)["filters"].tags == ("carers", *"abcd")[:MAX_TAG_FILTERS]
    assert SearchForm({"tag": "carers"}).filters().tags == ("carers",)


def test_the_query_is_passed_on_as_typed_for_the_parser_to_clean():
    assert arguments("q=carers%00dementia")["raw_query"] == "carers\x00dementia"
    assert arguments("q=" + "x" * 5000)["raw_query"] == "x" * 5000


def test_typed_turns_automatic_spelling_correction_off():
    assert arguments("q=lonelyness&typed=1")["correct"] is False
    assert arguments("q=lonelyness")["correct"] is True
