"""Staff pages by keyboard alone, checked with axe-core: the review queue (schedule a
submission, mark a published item reviewed), restoring an older version from the history,
a stale edit form that keeps the editor's text and overwrites nothing, and inviting someone
from the people page. No mouse: focus is set once as a starting point, then Tab, the arrow
keys, Space and Enter do the rest."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from config import roles
from practice import history
from practice.models import WriteUp
from practice.publishing import Status
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_keyboard import tab_until, tab_until_focused
from tests.conftest import TEST_PASSWORD, make_person, make_writeup

UK = ZoneInfo(settings.TIME_ZONE)


def _editor(page: Page):
    editor = make_person("editor", roles.EDITOR, first_name="Esme", last_name="Editor")
    _sign_in(page, "editor")
    return editor


def _sign_in(page: Page, username: str) -> None:
    sign_in(page, username, TEST_PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))  # signed in, not sent back


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def _type_date(page: Page, day: date) -> None:
    """Type a date into the focused <input type=date>, segment by segment in the order the
    browser's locale shows them (Chromium moves to the next segment when one is full)."""
    order = page.evaluate(
        """() => new Intl.DateTimeFormat(navigator.language)
            .formatToParts(new Date(2000, 10, 22))
            .filter(part => part.type !== "literal").map(part => part.type)"""
    )
    parts = {"day": f"{day:%d}", "month": f"{day:%m}", "year": f"{day:%Y}"}
    page.keyboard.type("".join(parts[name] for name in order))


def _type_time(page: Page, hours: int, minutes: int) -> None:
    """Type a time into the focused <input type=time>, in 24 or 12 hours as the locale has."""
    twelve = page.evaluate(
        "() => new Intl.DateTimeFormat(navigator.language, {hour: 'numeric'})"
        ".resolvedOptions().hour12 === true"
    )
    if twelve:
        page.keyboard.type(f"{(hours % 12) or 12:02d}{minutes:02d}{'P' if hours >= 12 else 'A'}")
    else:
        page.keyboard.type(f"{hours:02d}{minutes:02d}")


def _section_cards(page: Page, heading: str):
    """The cards under the review queue's h2 that starts with `heading`, up to the next h2."""
    return page.locator(
        f"xpath=//main//div[contains(@class, 'nhsuk-card')]"
        f"[preceding-sibling::h2[1][starts-with(normalize-space(.), '{heading}')]]"
    )


def test_an_editor_schedules_a_submission_and_marks_an_item_reviewed_by_keyboard(page):
    waiting = make_writeup(title="Text reminders for flu jabs", status=Status.IN_REVIEW)
    overdue = make_writeup(
        title="A carers' café in the hospital foyer",
        published_at=timezone.now() - timedelta(days=800),
        review_by=timezone.localdate() - timedelta(days=5),
    )
    assert overdue.last_reviewed_at is None
    _editor(page)
    page.goto("/review/")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Waiting for review (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Due for review (1)")).to_be_visible()

    # Scheduled for tomorrow at 10:30 UK time, by keyboard alone.
    tomorrow = timezone.localdate() + timedelta(days=1)
    publish_at = datetime.combine(tomorrow, clock(10, 30), tzinfo=UK)
    now_radio = page.locator(f"#when-now-writeup-{waiting.pk}")
    later_radio = page.locator(f"#when-later-writeup-{waiting.pk}")
    date_box = page.locator(f"#date-writeup-{waiting.pk}")
    time_box = page.locator(f"#time-writeup-{waiting.pk}")
    page.get_by_role("link", name=waiting.title, exact=True).focus()  # the starting point
    tab_until_focused(page, now_radio)
    page.keyboard.press("ArrowRight")  # the arrow keys move between radios and choose
    expect(later_radio).to_be_focused()
    expect(later_radio).to_be_checked()
    expect(now_radio).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(date_box).to_be_focused()
    _type_date(page, tomorrow)
    expect(date_box).to_have_value(tomorrow.isoformat())
    # Chromium's date box is several Tab stops (one a part): Tab on out of it.
    tab_until_focused(page, time_box, limit=4)
    _type_time(page, 10, 30)
    expect(time_box).to_have_value("10:30")
    tab_until(page, "Approve", limit=4)
    assert page.evaluate("document.activeElement.textContent.trim()") == (
        f"Approve: {waiting.title}"
    ), _focused(page)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text(
        f"“{waiting.title}” will be published on {publish_at:%-d %B %Y at %H:%M} (UK time)."
    )
    expect(page.get_by_role("heading", name="Waiting for review (0)")).to_be_visible()
    expect(page.get_by_role("heading", name="Scheduled (1)")).to_be_visible()
    scheduled = _section_cards(page, "Scheduled")
    expect(scheduled).to_have_count(1)
    expect(scheduled).to_contain_text(waiting.title)
    expect(scheduled).to_contain_text(f"Publishes {publish_at:%-d %B %Y, %H:%M} (UK time).")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.publish_at) == (Status.SCHEDULED, publish_at)
    assert_accessible(page)

    # Marked reviewed, leaving the next review date to its default.
    due = _section_cards(page, "Due for review")
    expect(due).to_have_count(1)
    expect(due).to_contain_text(overdue.title)
    expect(due).to_contain_text("Overdue")
    due.get_by_role("link", name=overdue.title, exact=True).focus()  # the starting point
    tab_until(page, "Mark as reviewed")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text(f"Marked “{overdue.title}” as reviewed")
    expect(page.get_by_role("heading", name="Due for review (0)")).to_be_visible()
    overdue.refresh_from_db()
    expect(page.get_by_role("status")).to_contain_text(
        f"as reviewed; next review by {overdue.review_by:%-d %B %Y}."
    )
    assert overdue.last_reviewed_at is not None
    assert timezone.now() - overdue.last_reviewed_at < timedelta(minutes=5)
    assert overdue.review_by > timezone.localdate()
    assert_accessible(page)


def test_an_editor_restores_an_older_version_by_keyboard(page):
    editor = _editor(page)
    with history.revision(editor, "First version"):
        writeup = make_writeup(title="Walking groups after a stroke")
    with history.revision(editor, "Retitled"):
        writeup.title = "Walking groups for stroke survivors"
        writeup.save()

    page.goto(f"/history/writeup/{writeup.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "History: Walking groups for stroke survivors"
    )
    restore = page.get_by_role("button", name="Restore this version as a draft")
    expect(restore).to_have_count(1)  # only the older version can be restored
    assert_accessible(page)
    # From the top of the page (where focus is after loading it), Tab alone reaches it.
    tab_until(page, "Restore this version as a draft", limit=80)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text(
        "Restored as a draft: it is not public until an editor publishes it."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "History: Walking groups after a stroke"
    )
    writeup.refresh_from_db()
    assert (writeup.title, writeup.status) == ("Walking groups after a stroke", Status.DRAFT)
    assert_accessible(page)


def test_a_stale_edit_form_keeps_the_editors_text_and_overwrites_nothing(page):
    editor = _editor(page)
    other = make_person("colleague", roles.EDITOR, first_name="Cal", last_name="Colleague")
    with history.revision(editor, "Drafted"):
        writeup = make_writeup(
            title="Home visits by a pharmacist",
            summary="A pharmacist visited people on many medicines.",
            status=Status.DRAFT,
        )
    page.goto(f"/practice/{writeup.slug}/edit/")
    expect(page.get_by_label("Summary")).to_have_value(writeup.summary)

    # Meanwhile, someone else saves it.
    time.sleep(0.01)
    with history.revision(other, "Their change"):
        theirs = WriteUp.objects.get(pk=writeup.pk)
        theirs.summary = "Their summary: a pharmacist visited 300 people at home."
        theirs.save()

    mine = "My summary: fewer falls after the pharmacist's visits."
    summary = page.get_by_label("Summary")
    summary.focus()  # the starting point
    page.keyboard.press("Control+A")
    page.keyboard.type(mine)
    tab_until(page, "Save as draft", limit=80)
    page.keyboard.press("Enter")

    warning = page.locator("#stale")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Someone else changed this while you were editing")
    expect(warning).to_contain_text("Cal Colleague saved it")
    expect(page.get_by_label("Summary")).to_have_value(mine)
    writeup.refresh_from_db()
    assert writeup.summary == theirs.summary
    assert writeup.status == Status.DRAFT
    # The save was refused: focus is on the warning that says so (static/js/site.js).
    expect(warning).to_be_focused()
    assert_accessible(page)


def test_an_administrator_invites_someone_by_keyboard(page):
    make_person("ada", roles.ADMINISTRATOR, is_staff=True, is_superuser=True, first_name="Ada")
    _sign_in(page, "ada")
    page.goto("/people/")
    expect(page.get_by_role("heading", name="Invited, not accepted yet (0)")).to_be_visible()
    assert_accessible(page)

    email = page.get_by_label("Email address")
    email.focus()  # the starting point
    page.keyboard.type("priya@example.org")
    page.keyboard.press("Tab")
    contributor = page.get_by_role("radio", name="Contributor")
    editor = page.get_by_role("radio", name="Editor")
    expect(contributor).to_be_focused()  # none chosen yet: Tab lands on the first
    page.keyboard.press("ArrowDown")
    expect(editor).to_be_focused()
    expect(editor).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name (optional)")).to_be_focused()
    page.keyboard.type("Priya Shah")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Send the invitation"
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text(
        "Invitation on its way to priya@example.org. The link in it works for"
    )
    expect(page.get_by_role("heading", name="Invited, not accepted yet (1)")).to_be_visible()
    invited = _section_cards(page, "Invited, not accepted yet")
    expect(invited).to_have_count(1)
    expect(invited).to_contain_text("Priya Shah")
    expect(invited).to_contain_text("priya@example.org")
    expect(invited).to_contain_text("Editor")
    expect(invited.locator(".nhsuk-tag")).to_have_text("Invited")
    user = get_user_model().objects.get(email="priya@example.org")
    assert not user.is_active
    assert roles.EDITOR in roles.roles(user)
    assert_accessible(page)
