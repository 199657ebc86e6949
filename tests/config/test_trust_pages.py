"""The privacy notice, accessibility statement and contact page: each answers with its
heading, and what the privacy notice says about periods, links, consent and cookies follows
the code that enforces it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config import trust
from stakeholders import consent, services, tokens
from stakeholders.models import (
    RateLimitHit,
    SpentFormToken,
    Subscriber,
    SubscriberQuerySet,
    SubscriberStatus,
)
from stakeholders.retention import subscribers_purge_unconfirmed
from stakeholders.tokens import Purpose, make_token
from tests.config.conftest import run_in_production
from tests.stakeholders.conftest import make_subscriber

pytestmark = pytest.mark.django_db

PAGES = [
    ("privacy", "/privacy/", "Privacy notice"),
    ("accessibility", "/accessibility/", "Accessibility statement"),
    ("contact", "/contact/", "Contact us"),
]


def text_of(response) -> str:
    """The page's words, tags removed and spaces collapsed, entities decoded."""
    assert response.status_code == 200
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split())


def hrefs(response) -> list[str]:
    """The links in the page's main content (not the shared header and footer)."""
    main = re.search(r"<main\b.*?</main>", response.content.decode(), re.S).group(0)
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', main)]


def privacy(client) -> str:
    return text_of(client.get("/privacy/"))


@pytest.mark.parametrize(("name", "path", "heading"), PAGES)
def test_each_page_answers_with_its_heading(
    client, django_assert_max_num_queries, name, path, heading
):
    assert reverse(name) == path
    # Nothing on them is read from the database: a visitor's page takes no query at all.
    with django_assert_max_num_queries(0):
        response = client.get(path)
    assert response.status_code == 200
    assert re.search(
        rf'<h1 class="nhsuk-heading-xl">{re.escape(heading)}</h1>', response.content.decode()
    )
    assert response.templates[0].name == f"pages/{name}.html"


@pytest.mark.parametrize(("name", "path", "heading"), PAGES)
def test_signed_in_staff_cost_only_their_session_user_roles_and_review_count(
    staff_client, django_assert_max_num_queries, name, path, heading
):
    with django_assert_max_num_queries(4):
        assert heading in text_of(staff_client.get(path))


def test_privacy_notice_shows_the_periods_the_code_enforces(client):
    page = privacy(client)
    assert "A sign-up you never confirm Deleted after 30 days." in page
    assert "The confirmation link works for 7 days." in page
    assert "Preferences and unsubscribe links Work for 1 year." in page
    assert "Codes used to stop misuse of the forms Deleted after 1 day." in page
    assert "at most 3 an hour for each email address, and 10 an hour from each network" in page


def test_privacy_notice_follows_changed_link_lifetimes_and_limits(client, monkeypatch):
    monkeypatch.setitem(tokens.MAX_AGE, Purpose.CONFIRM, timedelta(days=3))
    monkeypatch.setitem(tokens.MAX_AGE, Purpose.MANAGE, timedelta(days=90))
    monkeypatch.setitem(services.LIMITS, "email", (5, timedelta(hours=2)))
    monkeypatch.setitem(services.LIMITS, "ip", (20, timedelta(days=1)))
    page = privacy(client)
    assert "The confirmation link works for 3 days." in page
    assert "Preferences and unsubscribe links Work for 90 days." in page
    assert "at most 5 every 2 hours for each email address, and 20 a day from each network" in page


def test_privacy_notice_follows_the_purge_of_unconfirmed_sign_ups(client, monkeypatch):
    def purgeable(self, *, now=None):
        now = now or timezone.now()
        return self.filter(status=SubscriberStatus.PENDING, created_at__lt=now - timedelta(days=14))

    monkeypatch.setattr(SubscriberQuerySet, "purgeable", purgeable)
    assert "A sign-up you never confirm Deleted after 2 weeks." in privacy(client)


def test_the_periods_shown_are_the_ones_the_daily_purge_applies():
    """The purge, run for real either side of each period the notice shows: the one that
    reads a literal in stakeholders/retention.py (ABUSE_RECORDS_KEPT) included."""
    now = timezone.now()
    minute = timedelta(minutes=1)
    unconfirmed, abuse = trust.unconfirmed_kept(), trust.ABUSE_RECORDS_KEPT
    young = make_subscriber(status=SubscriberStatus.PENDING, created_at=now - unconfirmed + minute)
    old = make_subscriber(status=SubscriberStatus.PENDING, created_at=now - unconfirmed - minute)
    for age, nonce in ((abuse - minute, "young"), (abuse + minute, "old")):
        RateLimitHit.objects.create(scope="ip", key_hash=nonce, kind="signup", created_at=now - age)
        SpentFormToken.objects.create(nonce=nonce, spent_at=now - age)

    subscribers_purge_unconfirmed(now=now)

    assert set(Subscriber.objects.values_list("pk", flat=True)) == {young.pk}
    assert old.pk not in set(Subscriber.objects.values_list("pk", flat=True))
    assert list(RateLimitHit.objects.values_list("key_hash", flat=True)) == ["young"]
    assert list(SpentFormToken.objects.values_list("nonce", flat=True)) == ["young"]


def test_privacy_notice_shows_the_consent_version_in_force(client, monkeypatch):
    page = privacy(client)
    version, wording = consent.current_consent()
    assert f"version {version}:" in page and f'"{wording}"' in page

    monkeypatch.setitem(consent.CONSENT_WORDING, "2027-03-v2", "Send me <b>the</b> digest.")
    monkeypatch.setattr(consent, "CURRENT_CONSENT_VERSION", "2027-03-v2")
    response = client.get("/privacy/")
    assert "version 2027-03-v2:" in text_of(response)
    assert "Send me &lt;b&gt;the&lt;/b&gt; digest." in response.content.decode()


def test_privacy_notice_names_the_cookies_set_and_how_long_they_last(client, settings):
    page = privacy(client)
    assert "csrftoken Stops other websites" in page and "Lasts for 52 weeks." in page
    assert "sessionid Keeps staff signed in." in page and "Lasts for 2 weeks," in page

    settings.SESSION_COOKIE_NAME = "wh_session"
    settings.SESSION_COOKIE_AGE = 8 * 3600
    settings.CSRF_COOKIE_NAME = "wh_csrf"
    settings.CSRF_COOKIE_AGE = None
    page = privacy(client)
    assert "wh_session Keeps staff signed in. Set only when someone signs in." in page
    assert "Lasts for 8 hours, or until they sign out." in page
    assert "Lasts until you close your browser." in page and "wh_csrf" in page
    assert "sessionid" not in page and "csrftoken" not in page


def test_privacy_links_lead_to_working_export_and_erase_pages(client):
    links = [h for h in hrefs(client.get("/privacy/")) if h.startswith("/")]
    request_link = reverse("stakeholders:request_link")
    assert request_link in links
    for link in set(links):
        assert client.get(link).status_code == 200, link

    # The link the notice sends people for leads to the preferences page, which links to
    # the export and erase routes the notice describes.
    subscriber = make_subscriber()
    token = make_token(subscriber, Purpose.MANAGE)
    preferences = client.get(reverse("stakeholders:preferences", args=[token]))
    export, erase = (
        reverse("stakeholders:export", args=[token]),
        reverse("stakeholders:erase", args=[token]),
    )
    assert {export, erase} <= set(hrefs(preferences))
    exported = client.get(export)
    assert exported.status_code == 200 and exported["Content-Type"] == "application/json"
    assert "Delete" in text_of(client.get(erase))


def test_every_trust_page_shows_the_contact_address_from_settings(client, settings):
    settings.CONTACT_EMAIL = "help@care-network.example"
    for _name, path, _heading in PAGES:
        response = client.get(path)
        assert 'href="mailto:help@care-network.example"' in response.content.decode(), path
        assert "hello@wheelhouse.local" not in response.content.decode(), path


def test_contact_email_comes_from_its_variable_or_the_sender_address():
    code = "from django.conf import settings; print(settings.CONTACT_EMAIL)"
    derived = run_in_production(
        ["-c", code], CONTACT_EMAIL=None, DEFAULT_FROM_EMAIL="Care team <team@care.example>"
    )
    chosen = run_in_production(["-c", code], CONTACT_EMAIL="ask@care.example")
    default = run_in_production(["-c", code], CONTACT_EMAIL=None, DEFAULT_FROM_EMAIL=None)
    assert derived.stdout.split()[-1] == "team@care.example", derived.stderr
    assert chosen.stdout.split()[-1] == "ask@care.example", chosen.stderr
    assert default.stdout.split()[-1] == "hello@wheelhouse.local", default.stderr
