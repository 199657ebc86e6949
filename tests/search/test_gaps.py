"""The search log and the gaps page staff read it from (search/gaps.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

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
