"""Acronyms, spellings and other equivalents: Synonym rows applied on the next search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from search.models import Synonym
from tests.conftest import make_writeup
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Support for adults with a learning disability", "LD"),
        ("LD nurses in GP surgeries", "learning disabilities"),
        ("Reducing A&E attendances", "accident and emergency"),
        ("Frequent accident and emergency attenders", "A&E"),
        ("MH first aid for teachers", "mental health"),
        ("Writing the JSNA with residents", "joint strategic needs assessment"),
        ("Preparing for a Care Quality Commission visit", "CQC"),
        ("Working with the ICB on discharge", "integrated care board"),
        ("Social prescribing in general practice", "GP"),
        ("Commissioning the VCSE sector", "voluntary sector"),
    ],
)
def test_acronyms_match_their_expansions_both_ways(client, written, searched):
    make_writeup(title=written)
    make_writeup(title="Something else entirely")
    assert result_titles(search(client, searched)) == [written]


@pytest.mark.parametrize(
    ("written", "searched"),
    [("Organisation-wide change", "organization"), ("Changing behavior", "behaviour")],
)
def test_british_and_american_spellings_match(client, written, searched):
    make_writeup(title=written)
    assert result_titles(search(client, searched)) == [written]


def test_a_synonym_added_in_the_admin_works_at_once(client, admin_client):
    make_writeup(title="Respite for carers")
    assert result_titles(search(client, "short breaks")) == []
    response = admin_client.post(
        reverse("admin:search_synonym_add"),
        {"terms": "respite, short breaks", "kind": Synonym.Kind.OTHER},
    )
    assert response.status_code == 302
    assert result_titles(search(client, "short breaks")) == ["Respite for carers"]


def test_wellbeing_does_not_match_every_use_of_well(client):
    """Regression: the seeded "well being" synonym reduced to the lexeme "well"."""
    make_writeup(title="Wellbeing walks")
    make_writeup(title="A well run clinic")
    assert result_titles(search(client, "wellbeing")) == ["Wellbeing walks"]
