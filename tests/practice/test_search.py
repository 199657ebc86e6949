"""The search page as a visitor uses it: ranking, syntax, language, facets, safety."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from practice.models import EvidenceLevel, Region, SearchLog, SearchWord, Synonym
from practice.publishing import Status
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def search(client, q: str = "", **params) -> str:
    response = client.get(reverse("search:results"), {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<h2 class="card__title"><a href="[^"]*">([^<]*)</a>', html)
    ]


def test_title_match_outranks_a_body_mention(client):
    make_writeup(title="Hospital discharge checklist", body="Mentions dementia once.")
    make_writeup(title="Dementia cafes in Leeds", body="A weekly cafe.")
    assert result_titles(search(client, "dementia")) == [
        "Dementia cafes in Leeds",
        "Hospital discharge checklist",
    ]


def test_short_precise_item_is_not_buried_by_a_long_one(client):
    long_body = " ".join(["Our falls prevention work with older people."] * 300)
    make_writeup(
        title="A long review of community services and falls prevention in many settings",
        summary="A long summary about many services, teams, places and falls prevention.",
        body=long_body,
    )
    make_writeup(title="Falls prevention", summary="Falls prevention classes.")
    assert result_titles(search(client, "falls prevention"))[0] == "Falls prevention"


def test_results_show_type_date_organisation_tags_and_a_highlighted_snippet(client):
    make_writeup(
        title="Walking groups",
        summary="Weekly walks.",
        body="People living with dementia walked every Tuesday with their carers.",
        organisation="Bradford Council",
        tags=("walking",),
    )
    html = search(client, "tuesday")
    assert "Write-up" in html and "Bradford Council" in html and ">walking</a>" in html
    assert "<mark>Tuesday</mark>" in html


def test_snippet_escapes_content_html(client):
    make_writeup(title="Escaping", body="Say `<script>alert(1)</script>` about carers.")
    html = search(client, "carers")
    assert "<script>alert(1)" not in html
    assert "alert(1)" in html


def test_quoted_phrase_needs_the_words_together(client):
    make_writeup(title="Social prescribing link workers")
    make_writeup(title="Prescribing reviews", summary="A social worker joined the reviews.")
    assert result_titles(search(client, '"social prescribing"')) == [
        "Social prescribing link workers"
    ]


def test_exclusion_and_or(client):
    make_writeup(title="Carers cafe")
    make_writeup(title="Carers and dementia")
    make_writeup(title="Dementia walking group")
    assert result_titles(search(client, "carers -dementia")) == ["Carers cafe"]
    assert sorted(result_titles(search(client, "cafe OR walking"))) == [
        "Carers cafe",
        "Dementia walking group",
    ]
    assert result_titles(search(client, 'dementia -"walking group"')) == ["Carers and dementia"]


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Co-production with families", "coproduction"),
        ("Coproduction with families", "co-production"),
        ("Well-being walks", "wellbeing"),
        ("A co-operative home care service", "cooperative"),
        ("Coproduction with families", "co production"),
    ],
)
def test_hyphenated_and_closed_forms_match(client, written, searched):
    make_writeup(title=written)
    assert result_titles(search(client, searched)) == [written]


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
        reverse("admin:practice_synonym_add"),
        {"terms": "respite, short breaks", "kind": Synonym.Kind.OTHER},
    )
    assert response.status_code == 302
    assert result_titles(search(client, "short breaks")) == ["Respite for carers"]


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


def test_sort_by_newest(client):
    from datetime import timedelta

    from django.utils import timezone

    make_writeup(title="Carers old", published_at=timezone.now() - timedelta(days=400))
    make_writeup(title="Carers carers carers new")
    assert result_titles(search(client, "carers", sort="newest"))[0] == "Carers carers carers new"


HOSTILE = [
    '"unbalanced quote',
    'a"b"c"',
    "OR",
    "-",
    "- OR -",
    "carers OR",
    "\\",
    "\\\\' \\\"",
    "& | ! : * ( ) < >",
    "carers & !dementia",
    "'; DROP TABLE practice_searchentry; --",
    "1' OR '1'='1",
    "carers:* | dementia:A",
    "x" * 10_000,
    "carers\x00dementia",
    "\x01\x02\x1b[31m carers \x7f",
    "🧓🏽 carers 🫶",
    "رعاية المسنين",
    "\u202ecarers\u202c",
    "\ue000mark\ue001",
    "%_%",
    "the",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_always_give_a_page(client, query):
    make_writeup(title="Carers and dementia")
    html = search(client, query)
    assert "<h1>Search</h1>" in html
    assert "\x00" not in html


def test_a_very_long_query_is_cut_with_a_message(client):
    html = search(client, "carers " * 2000)
    assert "only the first 200 characters were used" in html


def test_empty_query_browses_everything_published_with_facets(client):
    make_writeup(title="Published one", region=Region.LONDON)
    make_writeup(title="Draft one", status=Status.DRAFT)
    html = search(client)
    assert result_titles(html) == ["Published one"]
    assert "London" in html


def test_unpublished_items_never_leak(client, staff_client):
    make_writeup(title="Public carers cafe", summary="Carers meet.", tags=("carers",))
    for status in (Status.DRAFT, Status.HELD):
        make_writeup(
            title=f"Secret carers plan {status}",
            summary="Zanzibar carers.",
            body="Zanzibar",
            tags=("secretive",),
            status=status,
        )
    for who in (client, staff_client):
        html = search(who, "carers")
        assert "Secret" not in html and "secretive" not in html
        assert result_titles(html) == ["Public carers cafe"]
        assert result_titles(search(who, "zanzibar")) == []
        assert "Secret" not in search(who)
    suggest = client.get(reverse("search:suggest"), {"q": "secr"}).json()
    assert suggest == {"suggestions": []}
    similar = client.get(reverse("search:similar"), {"title": "Secret carers plan zanzibar"})
    assert "Secret" not in similar.content.decode()


def test_index_follows_saves_tag_changes_unpublishing_and_deletes(client):
    writeup = make_writeup(title="Befriending by phone")
    assert result_titles(search(client, "befriending")) == ["Befriending by phone"]
    writeup.title = "Telephone befriending"
    writeup.save()
    assert result_titles(search(client, "telephone")) == ["Telephone befriending"]
    writeup.tags.add("isolation")
    assert result_titles(search(client, tag="isolation")) == ["Telephone befriending"]
    writeup.status = Status.DRAFT
    writeup.save()
    assert result_titles(search(client, "telephone")) == []
    writeup.publish()
    writeup.save()
    assert result_titles(search(client, "telephone")) == ["Telephone befriending"]
    writeup.delete()
    assert result_titles(search(client, "telephone")) == []
    assert not SearchWord.objects.filter(word="telephone").exists()


def test_renaming_a_tag_updates_results(client):
    from taggit.models import Tag

    make_writeup(title="Carers cafe", tags=("carers",))
    tag = Tag.objects.get(name="carers")
    tag.name = "unpaid carers"
    tag.save()
    assert ">unpaid carers</a>" in search(client, "cafe")


def test_rebuild_command_restores_the_index(client):
    make_writeup(title="Hospital discharge")
    from practice.models import SearchEntry

    SearchEntry.objects.all().delete()
    SearchWord.objects.all().delete()
    assert result_titles(search(client, "discharge")) == []
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert result_titles(search(client, "discharge")) == ["Hospital discharge"]
    assert SearchWord.objects.get(word="discharge").frequency == 1


@pytest.mark.parametrize("count", [5, 60])
def test_search_page_query_count_does_not_grow_with_results(
    client, django_assert_max_num_queries, count
):
    for n in range(count):
        make_writeup(
            title=f"Carers group {n}",
            region=Region.LONDON if n % 2 else Region.WALES,
            tags=("carers", f"topic {n % 7}"),
        )
    # By relevance: synonyms, planner settings, facets with the page, search log (and the
    # vocabulary when results are few). By date: facets and the page are separate queries.
    with django_assert_max_num_queries(4):
        search(client, "carers")
    with django_assert_max_num_queries(6):
        search(client, "carers", region="london", tag="carers", sort="newest", page="2")
    with django_assert_max_num_queries(5):
        search(client, "carres")
    with django_assert_max_num_queries(5):
        search(client)


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


def test_wellbeing_does_not_match_every_use_of_well(client):
    """Regression: the seeded "well being" synonym reduced to the lexeme "well"."""
    make_writeup(title="Wellbeing walks")
    make_writeup(title="A well run clinic")
    assert result_titles(search(client, "wellbeing")) == ["Wellbeing walks"]
