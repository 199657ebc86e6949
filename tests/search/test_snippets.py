"""Snippets: the passage shown under each result, with the words that matched marked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from search.snippets import snippet
from tests.conftest import make_writeup


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_marks_every_form_of_a_stem_and_nothing_that_only_starts_like_it():
    html = snippet(
        "Our councillors asked the council how communities and a community cafe could help.",
        ["council", "communiti"],
    )
    assert marked(html) == ["council", "communities", "community"]


def test_shows_the_passage_with_the_most_different_matched_words():
    filler = "Nothing to see in this sentence at all. " * 20
    text = f"{filler}Carers met. {filler}Carers and their families ran a dementia cafe. {filler}"
    html = snippet(text, ["carer", "dementia"])
    assert html.startswith("… ") and html.endswith(" …")
    assert marked(html) == ["Carers", "dementia"]
    assert len(re.sub(r"</?mark>", "", html)) < 260


def test_without_a_match_shows_the_start_of_the_text_escaped():
    html = snippet("<b>Bold</b> claims & more " * 30, ["carer"])
    assert html.startswith("&lt;b&gt;Bold&lt;/b&gt; claims &amp; more")
    assert "<b>" not in html and marked(html) == []


@pytest.mark.django_db
def test_a_match_deep_in_a_long_write_up_is_shown(client):
    body = "We planned the service with local people over many months. " * 40
    make_writeup(
        title="Neighbourhood work", body=f"{body} Volunteers ran a hoarding support group."
    )
    html = client.get(reverse("search:results"), {"q": "hoarding"}).content.decode()
    assert "<mark>hoarding</mark> support group" in html
