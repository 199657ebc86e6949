"""Facets: counts beside each filter value, equal to what choosing it gives (search/facets.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from practice.models import EvidenceLevel, Region
from tests.conftest import make_writeup
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def test_facet_counts_equal_the_filtered_result_counts(client):
    for n in range(3):
        make_writeup(
            title=f"Carers group {n}", region=Region.LONDON, tags=("carers", "peer support")
        )
    make_writeup(
        title="Carers hub",
        region=Region.WALES,
        evidence_level=EvidenceLevel.EVALUATED,
        tags=("carers",),
    )
    make_writeup(title="Unrelated", region=Region.WALES, tags=("estates",))
    html = search(client, "carers")
    facets = dict(
        re.findall(
            r'class="facet__link" href="([^"]+)"[^>]*>(?:[^<]|<(?!/a>))*</a> '
            r'<span class="facet__count">(\d+)',
            html,
        )
    )
    assert len(facets) >= 6
    for href, count in facets.items():
        filtered = client.get(reverse("search:results") + href.replace("&amp;", "&"))
        assert len(result_titles(filtered.content.decode())) == int(count), href


def test_filters_work_without_a_query_and_stay_in_the_url(client):
    make_writeup(title="In Wales", region=Region.WALES, tags=("carers",))
    make_writeup(title="In London", region=Region.LONDON, tags=("carers",))
    html = search(client, region="wales")
    assert result_titles(html) == ["In Wales"]
    assert 'aria-current="true"' in html
    assert result_titles(search(client, tag="carers", region="london")) == ["In London"]
    assert result_titles(search(client, region="atlantis", evidence="9", year="x")) != []
