"""The search log and the gaps page staff read it from (search/gaps.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from search.gaps import search_gaps
from search.models import SearchLog
from tests.conftest import make_writeup
from tests.search.conftest import search

pytestmark = pytest.mark.django_db


def test_searches_are_logged_without_personal_data_and_gaps_shown_to_staff(staff_client):
    client = Client()
    for n in range(3):
        make_writeup(title=f"Carers cafe {n}")
    search(client, "  Carers  ")
    search(client, "hoarding")
    search(client, "Hoarding")
    search(client, "hoarding", page="2")
    assert list(SearchLog.objects.values_list("query", "result_count").order_by("id")) == [
        ("carers", 3),
        ("hoarding", 0),
        ("hoarding", 0),
    ]
    assert Client().get(reverse("search:gaps")).status_code == 302
    html = staff_client.get(reverse("search:gaps")).content.decode()
    assert ">hoarding</a></td><td>2</td>" in html
    assert ">carers<" not in html


def test_gaps_group_corrected_searches_under_what_they_found(staff_client):
    client = Client()
    for n in range(3):
        make_writeup(title=f"Tackling loneliness {n}", summary="Befriending in villages.")
    search(client, "lonelyness")  # corrected, and answered: not a gap
    search(client, "hoarding")
    search(client, "hoardng")  # nothing to correct it to: a gap of its own
    search(client, "loneliness checklist")  # only "most of the words": a gap
    gaps = {gap.query: gap for gap in search_gaps()}
    assert "lonelyness" not in gaps and "loneliness" not in gaps
    assert {"hoarding", "hoardng", "loneliness checklist"} <= set(gaps)
    row = SearchLog.objects.get(query="lonelyness")
    assert row.searched_for == "loneliness" and row.result_count == 3
    # Misspellings corrected to the same search are listed once, under it.
    for typed in ("hoardinng", "hordings"):
        SearchLog.objects.create(
            query=typed, searched_for="hoarding", result_count=0, duration_ms=1
        )
    gap = {gap.query: gap for gap in search_gaps()}["hoarding"]
    assert gap.searches == 3 and gap.typed == ["hoardinng", "hordings"]
    html = staff_client.get(reverse("search:gaps")).content.decode()
    assert "Also typed as: hoardinng, hordings" in html
