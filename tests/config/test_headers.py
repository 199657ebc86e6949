"""Security headers on real pages, with the settings a production process reads.

Each assertion names the MDN HTTP Observatory rule it reflects (src/grader/charts.js and
src/analyzer/tests/ in mdn/mdn-http-observatory): the value that costs no points or earns
the bonus.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from config.middleware import client_ip
from tests.config.conftest import BASE_DIR, apply, production_settings
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "form-action": {"'self'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "frame-src": {"'self'"},
    "object-src": {"'none'"},
    "manifest-src": {"'self'"},
}
SIX_MONTHS = 15768000


@pytest.fixture(scope="module")
def production():
    return production_settings()


@pytest.fixture
def https_site(settings, production):
    """This test runs with the security settings of DEBUG off and an https SITE_URL."""
    apply(settings, production)
    return settings


@pytest.fixture
def content(db):
    writeup = make_writeup(title="Carers' drop-ins", tags=("carers",))
    event = make_event(title="Carers round table")
    note = make_note(event=event, title="What the carers said")
    return {"writeup": writeup, "event": event, "note": note}


def _pages(content) -> list[str]:
    return [
        "/",
        "/about/",
        "/practice/",
        content["writeup"].get_absolute_url(),
        "/events/",
        content["event"].get_absolute_url(),
        content["note"].get_absolute_url(),
        "/events/feed.ics",
        "/search/?q=carers",
        "/tags/carers/",
        "/updates/",
        "/sign-in/",
        "/admin/login/",
        "/sitemap.xml",
        "/robots.txt",
        "/no-such-page/",
    ]


def parse_csp(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def test_every_page_sends_every_header_at_its_best_value(client, https_site, content):
    for path in _pages(content):
        response = client.get(path, secure=True)
        assert response.status_code in (200, 404), path
        headers = response.headers

        # CSP: implemented with default-src 'none', no 'unsafe', form-action 'self': +10.
        csp = parse_csp(headers["Content-Security-Policy"])
        assert csp == EXPECTED_CSP, path
        assert csp["default-src"] == {"'none'"}, path
        # CSP: no 'unsafe-inline', 'unsafe-eval', data: or broad sources in script or style.
        for directive in ("script-src", "style-src"):
            assert not csp[directive] & {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"}
            assert not any(source.endswith(":") for source in csp[directive]), path
        # CSP: object-src restricted, or the policy counts as unsafe (-20).
        assert csp["object-src"] == {"'none'"}, path
        # CSP antiClickjacking, and X-Frame-Options "implemented via CSP frame-ancestors": +5.
        assert csp["frame-ancestors"] == {"'none'"}, path
        # CSP insecureBaseUri and insecureFormAction are false.
        assert csp["base-uri"] == {"'none'"} and csp["form-action"] == {"'self'"}, path
        # CSP on an https site: no http: source, active or passive (-20 / -10).
        assert "http:" not in headers["Content-Security-Policy"], path
        # HSTS: max-age at least six months (15768000), else -10; missing, -20.
        hsts = headers["Strict-Transport-Security"]
        assert int(re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)[1]) >= SIX_MONTHS
        # X-Content-Type-Options: nosniff, else -5.
        assert headers["X-Content-Type-Options"] == "nosniff", path
        # X-Frame-Options: DENY or SAMEORIGIN for old browsers that ignore frame-ancestors.
        assert headers["X-Frame-Options"] == "DENY", path
        # Referrer-Policy private (no-referrer, same-origin, strict-origin[-when-cross-origin]): +5.
        assert headers["Referrer-Policy"] == "same-origin", path
        # CORP implemented with same-origin: +10.
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin", path
        # Not scored by the Observatory, but asked for: COOP and a deny-all Permissions-Policy.
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"):
            assert f"{feature}=()" in headers["Permissions-Policy"], path


def test_hsts_is_exactly_two_years_with_subdomains_and_no_preload(client, https_site):
    response = client.get("/", secure=True)
    # HSTS at least six months (0); "preload" is the operator's choice (SECURE_HSTS_PRELOAD=1).
    assert response["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_cookies_are_secure_httponly_for_the_session_and_samesite(client, https_site):
    get_user_model().objects.create_user(username="editor", password="correct horse battery")
    response = client.get("/sign-in/", secure=True)
    csrf = response.cookies["csrftoken"]
    response = client.post(
        "/sign-in/",
        {"username": "editor", "password": "correct horse battery"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    # Cookies: all Secure, session cookies ("sess" in the name) HttpOnly, all SameSite: +5.
    for cookie in (csrf, session):
        assert cookie["secure"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key
    # A session cookie without HttpOnly costs -30.
    assert session["httponly"] is True
    # The CSRF cookie is not a session cookie to the Observatory: only Secure and SameSite count.


def test_http_is_redirected_to_https_on_the_same_host(client, https_site):
    response = client.get("/practice/?tag=carers")
    # Redirection: to https on the same host first (0); off-host, -5; none, -20.
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/practice/?tag=carers"


@pytest.mark.parametrize(
    "overrides",
    [{"SITE_URL": "http://wheelhouse.example"}, {"DEBUG": "1"}],
    ids=["http-site-url", "debug"],
)
def test_no_hsts_or_secure_cookies_for_an_http_site_or_in_debug(client, settings, overrides):
    values = production_settings(**overrides)
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    values["DEBUG"] = False  # the page itself is rendered as in production
    apply(settings, values)
    response = client.get("/", secure=True)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_a_client_cannot_claim_https_with_x_forwarded_proto(client, https_site, production):
    """Regression: SECURE_PROXY_SSL_HEADER was set whenever SITE_URL was https, so any client
    could send `X-Forwarded-Proto: https` over plain http and be treated as secure."""
    assert production["SECURE_PROXY_SSL_HEADER"] is None
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in response.headers


def test_a_trusted_proxy_says_which_requests_came_over_https(client, settings):
    apply(settings, production_settings(TRUST_X_FORWARDED_PROTO="1"))
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response.wsgi_request.is_secure()
    assert response["Strict-Transport-Security"].startswith("max-age=63072000")
    # The proxy still has to say so: plain http through it is redirected.
    assert client.get("/", headers={"X-Forwarded-Proto": "http"}).status_code == 301


def test_the_client_address_is_remote_addr_unless_a_proxy_is_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", headers={"X-Forwarded-For": "1.2.3.4, 5.6.7.8"})
    settings.TRUST_PROXY_HEADERS = False
    assert client_ip(request) == "10.0.0.1"
    settings.TRUST_PROXY_HEADERS = True
    # Only the address the proxy appended counts; 1.2.3.4 came from the client.
    assert client_ip(request) == "5.6.7.8"


# Page templates, not templates/emails/ (mail bodies, whose styles must be inline).
_INLINE = re.compile(
    r"<style|<script(?![^>]*\bsrc=)[^>]*>|<[a-z][^>]*\s(?:style|on[a-z]+)\s*=|javascript:",
    re.IGNORECASE,
)


def test_no_page_template_has_inline_script_or_style():
    templates = Path(BASE_DIR, "templates")
    offending = [
        f"{path.relative_to(templates)}: {match[0]}"
        for path in sorted(templates.rglob("*.html"))
        if "emails" not in path.relative_to(templates).parts
        for match in _INLINE.finditer(path.read_text())
    ]
    assert not offending, offending


def test_staff_forms_with_the_markdown_editor_render_nothing_inline(client, settings, content):
    staff = get_user_model().objects.create_user(username="editor", is_staff=True)
    client.force_login(staff)
    for path in (
        "/practice/new/",
        content["writeup"].get_absolute_url() + "edit/",
        "/events/new/",
        "/events/write-up/",
        content["event"].get_absolute_url() + "notes/new/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "markdownx" in html, path
        assert not _INLINE.findall(html), path
