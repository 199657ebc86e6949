"""Did you mean: corrections from the words of published content (search/spelling.py)."""

from __future__ import annotations

import re

import pytest

from practice.publishing import Status
from search.models import SearchWord
from tests.conftest import make_writeup
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


def test_a_misspelling_shows_the_correction_and_offers_what_was_typed(client):
    make_writeup(title="Tackling loneliness", body="Loneliness in rural villages.")
    make_writeup(title="Secret draft", body="Befriending schemes.", status=Status.DRAFT)
    html = search(client, "lonelyness")
    assert "Showing results for <strong>loneliness</strong>" in html
    assert "Tackling loneliness" in html
    assert re.search(
        r'Search instead for <a href="\?q=lonelyness&amp;typed=1">lonelyness</a>', html
    )
    # As typed: nothing found, and the correction is offered instead of run.
    as_typed = search(client, "lonelyness", typed="1")
    assert "Tackling loneliness" not in as_typed
    assert re.search(r'Did you mean <a href="\?q=loneliness&amp;typed=1">loneliness</a>', as_typed)
    # A wrong first letter is corrected too.
    assert "Showing results for <strong>loneliness</strong>" in search(client, "koneliness")
    # Drafts are not in the vocabulary, so their words are never offered.
    assert "befriending" not in search(client, "befriendng")
    assert not SearchWord.objects.filter(word="befriending").exists()


def test_real_english_words_are_never_corrected(client):
    """ "running" is not in the site's words but is English: the search says it found nothing
    with every word rather than "correcting" it to "funding"."""
    make_writeup(title="Carers funding", body="Funding for carers who are out of time.")
    for typed in ("running", "profession"):
        html = search(client, typed, typed="1")
        assert "Did you mean" not in html, typed
        assert "Showing results for" not in search(client, typed), typed
    html = search(client, "carers running out of time")
    assert "Showing results for" not in html
    assert "No results with all your words; showing results with most of them." in html
    assert "Carers funding" in html


def test_a_misspelling_beside_a_correct_word_is_corrected_rather_than_dropped(client):
    """ "comunity organisations": "organisations" alone would give "most of your words";
    the correction finds items with every word."""
    make_writeup(title="Small community organisations", summary="What they contribute.")
    for size in ("Large", "National", "Regional"):
        make_writeup(title=f"{size} organisations", summary="Commissioning.", organisation="")
    html = search(client, "comunity organisations")
    assert "Showing results for <strong>community organisations</strong>" in html
    assert "most of them" not in html
    assert result_titles(html) == ["Small community organisations"]
