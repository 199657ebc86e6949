"""A contributor's write-up through review: submitted, sent back with a comment, revised,
scheduled by an editor for tomorrow at 09:00 UK time, and public once the scheduled time has
passed and `publish_scheduled` has run. axe-core checks every page visited."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from config import roles
from practice.models import WriteUp
from practice.publishing import Status
from tests.browser.conftest import assert_accessible, sign_in

TITLE = "Evening phone calls cut missed appointments for carers"
SUMMARY = "A volunteer rang carers the evening before each appointment."
REVISED = "A volunteer rang 140 carers the evening before each clinic appointment for a year."
COMMENT = "Say how many carers took part and for how long."
PASSWORD = "correct horse battery"


def _person(username: str, role: str) -> None:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])


def _new_page(chromium, live_server) -> Page:
    """A fresh browser context (its own cookies), set up like conftest's `page` fixture."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 800}
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def _visit(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    assert_accessible(page)


def _card(page: Page, title: str):
    """The review queue's card for one item."""
    return page.locator(".nhsuk-card").filter(has=page.get_by_role("link", name=title, exact=True))


def _assert_hidden_from_the_public(anonymous: Page, url: str) -> None:
    _visit(anonymous, url, status=404)
    _visit(anonymous, f"/search/?q={quote_plus(TITLE)}")
    expect(anonymous.get_by_role("link", name=TITLE)).to_have_count(0)


def test_a_writeup_goes_through_review_and_publishes_at_its_scheduled_time(
    page, chromium, live_server
):
    _person("contributor", roles.CONTRIBUTOR)
    _person("editor", roles.EDITOR)
    contributor = page
    editor = _new_page(chromium, live_server)
    anonymous = _new_page(chromium, live_server)

    try:
        # 1. The contributor writes it up and submits it; it is not public.
        sign_in(contributor, "contributor", PASSWORD)
        assert_accessible(contributor)
        _visit(contributor, "/practice/new/")
        expect(contributor.get_by_role("heading", level=1)).to_have_text("Share a write-up")
        contributor.get_by_label("Title").fill(TITLE)
        contributor.get_by_label("Summary").fill(SUMMARY)
        contributor.get_by_label("Evidence level").select_option(label="Tried repeatedly")
        contributor.get_by_role("button", name="Submit for review").click()
        expect(contributor.get_by_role("status")).to_contain_text("Sent for review")
        assert_accessible(contributor)
        writeup = WriteUp.objects.get(title=TITLE)
        assert writeup.status == Status.IN_REVIEW
        url = writeup.get_absolute_url()
        _assert_hidden_from_the_public(anonymous, url)

        # 2. The editor sends it back with a comment.
        sign_in(editor, "editor", PASSWORD)
        assert_accessible(editor)
        _visit(editor, "/review/")
        expect(editor.get_by_role("heading", name="Waiting for review (1)")).to_be_visible()
        card = _card(editor, TITLE)
        card.get_by_label("What needs to change").fill(COMMENT)
        card.get_by_role("button", name="Request changes").click()
        expect(editor.get_by_role("status")).to_contain_text(
            f"Sent “{TITLE}” back to its author with your comments."
        )
        expect(editor.get_by_role("heading", name="Waiting for review (0)")).to_be_visible()
        assert_accessible(editor)

        # 3. The contributor finds it under "Changes requested", reads the comment, revises it
        # and submits it again.
        _visit(contributor, "/my-work/")
        changes = contributor.locator("h2:has-text('Changes requested (1)') + ul.nhsuk-list")
        changes.get_by_role("link", name=TITLE).click()
        expect(contributor).to_have_url(f"{live_server.url}{url}edit/")
        callout = contributor.locator(".nhsuk-warning-callout")
        expect(callout).to_contain_text("Changes requested")
        expect(callout).to_contain_text(COMMENT)
        assert_accessible(contributor)
        expect(contributor.get_by_label("Summary")).to_have_value(SUMMARY)
        contributor.get_by_label("Summary").fill(REVISED)
        contributor.get_by_role("button", name="Submit for review").click()
        expect(contributor.get_by_role("status")).to_contain_text("Sent for review")
        assert_accessible(contributor)
        writeup.refresh_from_db()
        assert (writeup.status, writeup.summary) == (Status.IN_REVIEW, REVISED)

        # 4. The editor approves it for tomorrow at 09:00 UK time.
        tomorrow = timezone.localdate() + timedelta(days=1)
        publish_at = datetime.combine(tomorrow, time(9, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
        _visit(editor, "/review/")
        card = _card(editor, TITLE)
        card.get_by_label("At a date and time").check()
        editor.fill(f"#date-writeup-{writeup.pk}", tomorrow.isoformat())
        editor.fill(f"#time-writeup-{writeup.pk}", "09:00")
        card.get_by_role("button", name="Approve").click()
        expect(editor.get_by_role("status")).to_contain_text(
            f"“{TITLE}” will be published on {publish_at:%-d %B %Y at %H:%M} (UK time)."
        )
        expect(editor.get_by_role("heading", name="Scheduled (1)")).to_be_visible()
        expect(_card(editor, TITLE)).to_contain_text(
            f"Publishes {publish_at:%-d %B %Y, %H:%M} (UK time)."
        )
        assert_accessible(editor)
        writeup.refresh_from_db()
        assert (writeup.status, writeup.publish_at) == (Status.SCHEDULED, publish_at)
        _assert_hidden_from_the_public(anonymous, url)

        # 5. A minute after the scheduled time the sweep publishes it.
        with time_machine.travel(publish_at + timedelta(minutes=1), tick=False):
            call_command("publish_scheduled")
        writeup.refresh_from_db()
        assert writeup.status == Status.PUBLISHED
        _visit(anonymous, url)
        expect(anonymous.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(anonymous.get_by_text(REVISED)).to_be_visible()
        _visit(anonymous, f"/search/?q={quote_plus(TITLE)}")
        expect(anonymous.get_by_role("link", name=TITLE)).to_be_visible()
    finally:
        editor.context.close()
        anonymous.context.close()
