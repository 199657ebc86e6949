"""Write-ups in search: registered in practice/search.py."""

from __future__ import annotations

import pytest
from django.utils import timezone

from practice.models import EvidenceLevel, Region
from practice.publishing import Status
from practice.search import writeup_document
from search import registry
from tests.conftest import make_writeup
from tests.search.commit import on_commit_as_in_production  # noqa: F401 - the index commits
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def test_a_write_up_is_found_by_its_sections_tags_and_labels(client):
    make_writeup(
        title="Walking groups",
        outcomes="Fewer falls among the walkers.",
        region=Region.WALES,
        evidence_level=EvidenceLevel.EVALUATED,
        tags=("walking",),
    )
    assert result_titles(search(client, "falls")) == ["Walking groups"]
    html = search(client, tag="walking", region="wales", evidence=str(EvidenceLevel.EVALUATED))
    assert result_titles(html) == ["Walking groups"]
    assert "Wales" in html and "Evidence: Evaluated" in html


def test_only_published_write_ups_have_a_document():
    assert writeup_document(make_writeup(status=Status.DRAFT)) is None
    # Held for review after it went out: it keeps its date but must not be found.
    held = make_writeup(status=Status.HELD, published_at=timezone.now())
    assert writeup_document(held) is None
    assert writeup_document(make_writeup()) is not None
    assert registry.type_for_kind("writeup").label == "Write-up"
