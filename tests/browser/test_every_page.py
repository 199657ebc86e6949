"""Every page type, as a visitor and as staff, on a phone (375 px) and a desktop (1280 px):
axe-core finds no serious or critical violations, nothing overflows sideways, and no page
asks any host but this site's for anything (fonts, scripts, images, styles)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Series
from practice import history
from practice.models import Region, WriteUp
from practice.publishing import Status
from search.models import SearchLog
from stakeholders.tokens import Purpose, make_token
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.stakeholders.conftest import make_subscriber

WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}


def _content() -> dict[str, str]:
    """One item of every kind, with what their pages show filled in, and the paths of every
    public page type."""
    series = Series.objects.create(name="Better leadership", description="Monthly round tables.")
    writeup = make_writeup(
        title="Peer support groups for carers of people with dementia",
        summary="Carers who had been through a diagnosis supported new carers.",
        body="## What we tried\n\nA weekly group, with **tea** and a [guide](https://example.org).",
        region=Region.YORKSHIRE,
        tags=("carers", "dementia"),
    )
    make_writeup(title="Hospital discharge lounge", tags=("discharge",))
    past = make_event(
        title="Carers round table",
        starts_at=timezone.now() - timedelta(days=10),
        series=series,
        tags=("carers",),
    )
    upcoming = make_event(title="Dementia friendly communities", tags=("dementia",))
    note = make_note(event=past, title="What carers told the round table", tags=("carers",))
    subscriber = make_subscriber(topics=("carers",))
    pending = make_subscriber(topics=("carers",), status="pending", email="new@example.org")
    manage = make_token(subscriber, Purpose.MANAGE)
    return {
        "home": "/",
        "about": "/about/",
        "privacy": "/privacy/",
        "accessibility": "/accessibility/",
        "contact": "/contact/",
        "practice list": "/practice/",
        "practice list, filtered to nothing": "/practice/?region=wales",
        "write-up": writeup.get_absolute_url(),
        "tag": "/tags/carers/",
        "events, upcoming": "/events/",
        "events, past": "/events/past/",
        "event, past with notes": past.get_absolute_url(),
        "event, upcoming": upcoming.get_absolute_url(),
        "series": series.get_absolute_url(),
        "event note": note.get_absolute_url(),
        "search, empty": "/search/",
        "search, results": "/search/?q=carers",
        "search, no results": "/search/?q=zebra+crossings",
        "digest sign-up": "/updates/",
        "check your email": "/updates/check-your-email/",
        "request a link": "/updates/link/",
        "confirm": f"/updates/confirm/{make_token(pending, Purpose.CONFIRM)}/",
        "preferences": f"/updates/preferences/{manage}/",
        "unsubscribe": f"/updates/unsubscribe/{manage}/",
        "expired or broken link": "/updates/preferences/not-a-token/",
        "sign in": "/sign-in/",
        "not found": "/practice/no-such-write-up/",
    }


def _staff_pages(paths: dict[str, str], user) -> dict[str, str]:
    SearchLog.objects.create(query="zebra crossings", result_count=0, duration_ms=3)
    make_writeup(title="Waiting for an editor", status=Status.IN_REVIEW)
    # Two revisions, so the history page shows a diff.
    writeup = WriteUp.objects.get(slug=paths["write-up"].strip("/").split("/")[-1])
    for summary in ("Carers supported new carers.", "Carers who had been there supported others."):
        with history.revision(user, "Clearer summary"):
            writeup.summary = summary
            writeup.save()
    event = paths["event, past with notes"]
    note = paths["event note"]
    return {
        "new write-up": "/practice/new/",
        "edit write-up": paths["write-up"] + "edit/",
        "new event": "/events/new/",
        "edit event": event + "edit/",
        "new meeting write-up": "/events/write-up/",
        "new note": event + "notes/new/",
        "edit note": note + "edit/",
        "search gaps": "/search/gaps/",
        "review queue": "/review/",
        "my work": "/my-work/",
        "digest dashboard": "/updates/staff/",
        "digest preview": "/updates/staff/preview/",
        "home, signed in": "/",
        "history": f"/history/writeup/{writeup.pk}/",
        "people": "/people/",
        "audit log": "/audit/",
    }


# Loads the policy refused (the browser never sends them), from before any page script runs.
_WATCH_REFUSED = """
window.refused = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.refused.push(`${event.blockedURI} (refused: ${event.violatedDirective})`);
});
"""


def _check_every_page(page: Page, pages: dict[str, str], own: str, width: int) -> list[str]:
    """Each page's problems: axe violations, sideways overflow, requests to a host other
    than `own`."""
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).netloc != own
            else None
        ),
    )
    problems = []
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        # What the Content-Security-Policy refused never became a request: count it too.
        elsewhere += page.evaluate("window.refused")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{name} ({path}) at {width} px overflows by {overflow} px")
        try:
            assert_accessible(page)
        except AssertionError as failure:
            problems.append(f"{name} ({path}) at {width} px: {failure}")
        if elsewhere:
            problems.append(f"{name} ({path}) asked another host for {sorted(set(elsewhere))}")
            elsewhere.clear()
    return problems


@pytest.mark.parametrize("device", WIDTHS)
def test_every_page_type_is_accessible_and_asks_no_other_host(
    chromium, live_server, transactional_db, device
):
    width, height = WIDTHS[device]
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    context.add_init_script(_WATCH_REFUSED)
    page = context.new_page()
    own = urlsplit(live_server.url).netloc
    try:
        paths = _content()
        problems = _check_every_page(page, paths, own, width)
        # An administrator, who sees every staff page (people and the audit log too).
        user = get_user_model().objects.create_superuser(
            username="editor", password="correct horse battery"
        )
        sign_in(page, "editor", "correct horse battery")
        problems += _check_every_page(page, _staff_pages(paths, user), own, width)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_on_a_phone_the_first_search_result_is_on_the_first_screen(
    chromium, live_server, transactional_db
):
    for n in range(12):
        make_writeup(
            title=f"Carers support number {n}",
            region=Region.LONDON if n % 2 else Region.WALES,
            tags=("carers", f"topic-{n}"),
        )
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        for path in ("/search/?q=carers", "/practice/"):
            page.goto(path)
            first = page.locator(".nhsuk-card").first
            top = first.evaluate("element => element.getBoundingClientRect().top + window.scrollY")
            assert top < 800, f"{path}: the first result starts {top:.0f} px down"
            # The filters sit closed behind one control that says how many are on.
            filters = page.locator("details.wh-filters")
            expect(filters.locator(".wh-filters__body")).to_be_hidden()
            page.goto(path + ("&" if "?" in path else "?") + "region=london")
            expect(filters.locator("summary")).to_have_text("Filter results (1 active)")
            filters.locator("summary").click()
            expect(filters.locator(".wh-filters__body")).to_be_visible()
    finally:
        context.close()
