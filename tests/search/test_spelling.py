"""Did you mean: corrections from the words of published content (search/spelling.py)."""

from __future__ import annotations

import re

import pytest

from practice.publishing import Status
from search.models import SearchWord
from tests.conftest import make_writeup
from tests.search.conftest import search

pytestmark = pytest.mark.django_db


def test_did_you_mean_offers_a_word_from_published_content(client):
    make_writeup(title="Tackling loneliness", body="Loneliness in rural villages.")
    make_writeup(title="Secret draft", body="Befriending schemes.", status=Status.DRAFT)
    html = search(client, "lonelyness")
    assert "Did you mean" in html
    assert re.search(r"Did you mean <a href=\"\?q=loneliness\">loneliness</a>", html)
    # A wrong first letter is corrected too.
    assert re.search(r"Did you mean <a href=\"\?q=loneliness\">", search(client, "koneliness"))
    # Drafts are not in the vocabulary, so their words are never offered.
    assert "befriending" not in search(client, "befriendng")
    assert not SearchWord.objects.filter(word="befriending").exists()
