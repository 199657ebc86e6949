"""Suggestions as you type: title prefixes, then tags (search/suggestions.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def test_suggestions_match_title_prefixes_and_tags(client):
    make_writeup(title="Dementia friendly swimming", tags=("dementia care",))
    make_writeup(title="Hospital discharge", tags=("discharge",))
    response = client.get(reverse("search:suggest"), {"q": "dementia swim"})
    assert response.json()["suggestions"][0]["label"] == "Dementia friendly swimming"
    labels = [
        s["label"]
        for s in client.get(reverse("search:suggest"), {"q": "dem"}).json()["suggestions"]
    ]
    assert labels == ["Dementia friendly swimming", "dementia care"]
    for hostile in ["", "'", "a:*|b", "\x00", "x" * 5000]:
        assert client.get(reverse("search:suggest"), {"q": hostile}).status_code == 200
