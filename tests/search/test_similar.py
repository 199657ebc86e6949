"""Similar work: the "Has this been done before?" panel, its no-JS button, and related items."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def _corpus():
    make_writeup(
        title="Peer support groups for carers of people with dementia",
        summary="Carers who had been through a dementia diagnosis supported new carers.",
        tags=("carers", "dementia"),
    )
    make_writeup(
        title="Hospital discharge lounge",
        summary="A lounge where patients wait for transport home.",
        tags=("discharge",),
    )
    make_writeup(
        title="Dementia carers peer group (draft)",
        summary="Unpublished dementia carers peer support.",
        status=Status.DRAFT,
    )


def test_similar_endpoint_returns_a_fragment_listing_close_published_items(client):
    _corpus()
    response = client.get(
        reverse("search:similar"),
        {"title": "Peer support for dementia carers", "summary": "New carers meet others."},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Has this been done before?" in html
    assert "Peer support groups for carers of people with dementia" in html
    assert "Carers who had been through a dementia diagnosis" in html
    assert "Hospital discharge lounge" not in html
    assert "(draft)" not in html


def test_similar_endpoint_handles_empty_and_hostile_input(client):
    _corpus()
    for params in ({}, {"title": "\x00\\'\"&|!"}, {"title": "x" * 50_000}, {"exclude": "x:y"}):
        response = client.get(reverse("search:similar"), params)
        assert response.status_code == 200
    assert "Type a title" in client.get(reverse("search:similar")).content.decode()


def test_similar_endpoint_shows_at_most_five(client):
    for n in range(8):
        make_writeup(title=f"Carers dementia group {n}", summary="Dementia carers meet.")
    html = client.get(reverse("search:similar"), {"title": "dementia carers group"}).content
    assert html.decode().count('class="similar-work__item"') == 5


def test_no_js_button_shows_similar_work_and_keeps_what_was_typed(staff_client):
    _corpus()
    response = staff_client.post(
        reverse("practice:create"),
        {
            "title": "Peer support for dementia carers",
            "summary": "New carers meet others.",
            "what_we_did": "We met monthly.",
            "tags": "carers, dementia",
            "action": "similar",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Peer support groups for carers of people with dementia" in html
    assert "We met monthly." in html and 'value="Peer support for dementia carers"' in html
    assert "There is a problem" not in html
    assert WriteUp.objects.count() == 3  # nothing saved


def test_editing_excludes_the_write_up_itself(staff_client):
    _corpus()
    writeup = WriteUp.objects.get(title__startswith="Peer support groups")
    response = staff_client.post(
        reverse("practice:edit", args=[writeup.slug]),
        {"title": writeup.title, "summary": writeup.summary, "action": "similar"},
    )
    panel = response.content.decode().split('id="similar-work"')[1].split("</section>")[0]
    assert writeup.title not in panel


def test_writeup_page_shows_related_items_by_the_same_measure(client):
    _corpus()
    make_writeup(
        title="Dementia-friendly swimming for carers",
        summary="Carers and people with dementia swim together.",
    )
    writeup = WriteUp.objects.get(title__startswith="Peer support groups")
    html = client.get(writeup.get_absolute_url()).content.decode()
    related = html.split('id="related-heading"')[1]
    assert "Dementia-friendly swimming for carers" in related
    assert "Hospital discharge lounge" not in related
    assert "(draft)" not in related
    assert "Peer support groups for carers" not in related


def test_an_exclude_that_is_not_a_plain_number_is_ignored(client):
    """Bug: "²" passed str.isdigit() and then int(), as did a 5,000-digit id: 500."""
    _corpus()
    for exclude in ["note:²", "writeup:" + "9" * 5000, "writeup:-1", ":1", "writeup:"]:
        response = client.get(reverse("search:similar"), {"title": "carers", "exclude": exclude})
        assert response.status_code == 200
        assert "Peer support groups for carers" in response.content.decode()
