"""The search page as a visitor uses it: what a result shows, safety, drafts, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice.models import Region
from practice.publishing import Status
from tests.conftest import make_writeup
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def test_results_show_type_date_organisation_tags_and_a_highlighted_snippet(client):
    make_writeup(
        title="Walking groups",
        summary="Weekly walks.",
        body="People living with dementia walked every Tuesday with their carers.",
        organisation="Bradford Council",
        tags=("walking",),
    )
    html = search(client, "tuesday")
    assert "Write-up" in html and "Bradford Council" in html and ">walking</a>" in html
    assert "<mark>Tuesday</mark>" in html


def test_snippet_escapes_content_html(client):
    make_writeup(title="Escaping", body="Say `<script>alert(1)</script>` about carers.")
    html = search(client, "carers")
    assert "<script>alert(1)" not in html
    assert "alert(1)" in html


HOSTILE = [
    '"unbalanced quote',
    'a"b"c"',
    "OR",
    "-",
    "- OR -",
    "carers OR",
    "\\",
    "\\\\' \\\"",
    "& | ! : * ( ) < >",
    "carers & !dementia",
    "'; DROP TABLE practice_searchentry; --",
    "1' OR '1'='1",
    "carers:* | dementia:A",
    "x" * 10_000,
    "carers\x00dementia",
    "\x01\x02\x1b[31m carers \x7f",
    "🧓🏽 carers 🫶",
    "رعاية المسنين",
    "\u202ecarers\u202c",
    "\ue000mark\ue001",
    "%_%",
    "the",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_always_give_a_page(client, query):
    make_writeup(title="Carers and dementia")
    html = search(client, query)
    assert '<h1 class="nhsuk-heading-l">Search results</h1>' in html
    assert "\x00" not in html


def test_a_very_long_query_is_cut_with_a_message(client):
    html = search(client, "carers " * 2000)
    assert "only the first 200 characters were used" in html


def test_empty_query_browses_everything_published_with_facets(client):
    make_writeup(title="Published one", region=Region.LONDON)
    make_writeup(title="Draft one", status=Status.DRAFT)
    html = search(client)
    assert result_titles(html) == ["Published one"]
    assert "London" in html


def test_unpublished_items_never_leak(client, staff_client):
    make_writeup(title="Public carers cafe", summary="Carers meet.", tags=("carers",))
    for status in (Status.DRAFT, Status.HELD):
        make_writeup(
            title=f"Secret carers plan {status}",
            summary="Zanzibar carers.",
            body="Zanzibar",
            tags=("secretive",),
            status=status,
        )
    for who in (client, staff_client):
        html = search(who, "carers")
        assert "Secret" not in html and "secretive" not in html
        assert result_titles(html) == ["Public carers cafe"]
        assert result_titles(search(who, "zanzibar")) == []
        assert "Secret" not in search(who)
    suggest = client.get(reverse("search:suggest"), {"q": "secr"}).json()
    assert suggest == {"suggestions": []}
    similar = client.get(reverse("search:similar"), {"title": "Secret carers plan zanzibar"})
    assert "Secret" not in similar.content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_search_page_query_count_does_not_grow_with_results(
    client, django_assert_max_num_queries, count
):
    for n in range(count):
        make_writeup(
            title=f"Carers group {n}",
            region=Region.LONDON if n % 2 else Region.WALES,
            tags=("carers", f"topic {n % 7}"),
        )
    # By relevance: synonyms, planner settings, facets (with every match's id when they are
    # few), the query's lexemes, scoring, the page's rows, the search log. By date: facets,
    # the page, the log. A misspelling adds the vocabulary and the corrected search.
    with django_assert_max_num_queries(7):
        search(client, "carers")
    with django_assert_max_num_queries(6):
        search(client, "carers", region="london", tag="carers", sort="newest", page="2")
    with django_assert_max_num_queries(11):
        search(client, "carres")
    with django_assert_max_num_queries(5):
        search(client)
