import pytest
from django.urls import reverse

from practice.models import EvidenceLevel, Region
from practice.publishing import Status
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def test_home_says_what_wheelhouse_is_for_and_lists_latest_writeups(client):
    make_writeup(title="Carers drop-in halves missed appointments", tags=("carers",))
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "share the practice they have tried" in html
    assert 'role="search"' in html
    assert "Carers drop-in halves missed appointments" in html
    assert 'href="/tags/carers/"' in html


def test_drafts_are_absent_for_the_public_everywhere(client):
    published = make_writeup(title="Published practice", tags=("dementia",))
    draft = make_writeup(title="Secret draft practice", status=Status.DRAFT, tags=("dementia",))
    held = make_writeup(title="Held back practice", status=Status.HELD, tags=("dementia",))
    for url in [
        reverse("home"),
        reverse("practice:list"),
        reverse("practice:list") + "?q=practice",
        reverse("tag", args=["dementia"]),
        "/sitemap.xml",
    ]:
        html = client.get(url).content.decode()
        # The published one is there, so the drafts are absent because they are drafts.
        assert published.get_absolute_url() in html, url
        assert draft.get_absolute_url() not in html and "Secret draft practice" not in html, url
        assert held.get_absolute_url() not in html and "Held back practice" not in html, url
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(held.get_absolute_url()).status_code == 404


def test_tag_used_only_by_drafts_is_not_found_for_the_public(client):
    make_writeup(title="Draft only", status=Status.DRAFT, tags=("unannounced pilot",))
    assert client.get(reverse("tag", args=["unannounced-pilot"])).status_code == 404


def test_staff_see_drafts_marked_as_such(staff_client):
    draft = make_writeup(title="Work in progress", status=Status.DRAFT)
    listing = staff_client.get(reverse("practice:list")).content.decode()
    assert "Work in progress" in listing
    page = staff_client.get(draft.get_absolute_url()).content.decode()
    assert "Only staff can see this write-up" in page
    assert 'content="noindex"' in page


def test_writeup_page_shows_sections_under_headings_and_related_work(client):
    writeup = make_writeup(
        title="Peer support for new carers",
        context="Carers felt *alone* after diagnosis.",
        lessons="Start small.",
        evidence_level=EvidenceLevel.EVALUATED,
        region=Region.YORKSHIRE,
        contact="carers@example.org",
        tags=("carers", "peer support"),
    )
    related = make_writeup(title="Carers cafe in Leeds", tags=("carers",))
    unrelated = make_writeup(title="Hospital parking", tags=("estates",))
    make_writeup(title="Draft carers idea", status=Status.DRAFT, tags=("carers",))
    html = client.get(writeup.get_absolute_url()).content.decode()
    assert '<h2 class="nhsuk-heading-m">The problem or context</h2>' in html
    assert "<em>alone</em>" in html
    assert '<h2 class="nhsuk-heading-m">Lessons and advice for others</h2>' in html
    assert "Outcomes and evidence</h2>" not in html  # empty sections are left out
    assert "Evaluated" in html and "Yorkshire and the Humber" in html
    assert 'href="mailto:carers@example.org"' in html
    related_part = html.split('id="related-heading"')[1]
    assert related.title in related_part
    assert unrelated.title not in related_part
    assert "Draft carers idea" not in related_part


def test_every_page_has_title_description_canonical_and_opengraph(client):
    writeup = make_writeup(title="Social prescribing in Bradford", tags=("social prescribing",))
    for url in [
        reverse("home"),
        reverse("about"),
        reverse("practice:list"),
        writeup.get_absolute_url(),
        reverse("tag", args=["social-prescribing"]),
    ]:
        html = client.get(url).content.decode()
        assert "<title>" in html and "Wheelhouse</title>" in html, url
        assert '<meta name="description" content="' in html, url
        assert f'<link rel="canonical" href="https://wheelhouse.example{url}">' in html, url
        assert '<meta property="og:title"' in html, url
    detail = client.get(writeup.get_absolute_url()).content.decode()
    assert "<title>Social prescribing in Bradford – Wheelhouse</title>" in detail
    assert '<meta property="og:type" content="article">' in detail


def test_list_filters_by_tag_region_and_evidence(client):
    make_writeup(title="Match", tags=("dementia",), region=Region.WALES, evidence_level=4)
    make_writeup(title="Wrong region", tags=("dementia",), region=Region.LONDON, evidence_level=4)
    make_writeup(title="Wrong level", tags=("dementia",), region=Region.WALES, evidence_level=2)
    make_writeup(title="Wrong tag", tags=("housing",), region=Region.WALES, evidence_level=4)
    html = client.get(
        reverse("practice:list"), {"tag": "dementia", "region": "wales", "evidence": "4"}
    )
    text = html.content.decode()
    assert "1 write-up" in text
    assert ">Match<" in text
    for title in ("Wrong region", "Wrong level", "Wrong tag"):
        assert title not in text


def test_the_evidence_filter_offers_levels_and_keeps_not_assessed_items_out(client):
    """Filtering by a level lists items assessed at it; "Not assessed" (what imports start
    as) is no level: not offered, and asked for by hand it filters nothing."""
    make_writeup(title="Imported post", evidence_level=EvidenceLevel.NOT_ASSESSED)
    make_writeup(title="Assessed practice", evidence_level=EvidenceLevel.TRIED_ONCE)
    text = client.get(reverse("practice:list")).content.decode()
    assert ">Tried once</option>" in text and ">Not assessed</option>" not in text
    text = client.get(reverse("practice:list"), {"evidence": "2"}).content.decode()
    assert ">Assessed practice<" in text and "Imported post" not in text
    assert '<option value="2" selected>Tried once</option>' in text
    assert "Filter results (1 active)" in text
    text = client.get(reverse("practice:list"), {"evidence": "0"}).content.decode()
    assert "2 write-ups" in text and "Filter results (1 active)" not in text


def test_list_paginates(client):
    for n in range(25):
        make_writeup(title=f"Practice item {n:02d}")
    first = client.get(reverse("practice:list")).content.decode()
    second = client.get(reverse("practice:list"), {"page": 2}).content.decode()
    # The next link names the page it goes to; the previous link on page 2 names page 1.
    assert 'rel="next"' in first and "Page 2 of 2" in first and 'rel="prev"' not in first
    assert 'rel="prev"' in second and "Page 1 of 2" in second and "Practice item 00" in second


@pytest.mark.parametrize(
    "params",
    [
        {"page": "999"},
        {"page": "-1"},
        {"page": "abc"},
        {"region": "atlantis"},
        {"evidence": "99"},
        {"tag": "<script>"},
        {"q": "\x00\x01 ' OR 1=1 --"},
        {"q": "x" * 5000},
    ],
)
def test_odd_query_strings_still_give_a_page(client, params):
    make_writeup()
    assert client.get(reverse("practice:list"), params).status_code == 200


def test_missing_writeup_is_a_friendly_404(client):
    response = client.get("/practice/no-such-thing/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_about_page_explains_the_evidence_scale(client):
    html = client.get(reverse("about")).content.decode()
    for label in (
        "An idea",
        "Tried once",
        "Tried repeatedly",
        "Evaluated",
        "Independently evaluated",
    ):
        assert label in html


def test_sign_in_page_uses_the_site_look(client):
    html = client.get(reverse("login")).content.decode()
    assert "Staff sign in" in html and "nhsuk-header" in html


def test_robots_and_sitemap(client):
    writeup = make_writeup(title="In the sitemap")
    assert (
        "Sitemap: https://wheelhouse.example/sitemap.xml"
        in client.get("/robots.txt").content.decode()
    )
    assert writeup.get_absolute_url() in client.get("/sitemap.xml").content.decode()
