"""A staff member writes up a past meeting; a visitor reads the notes on the event page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from events.models import EventNote
from tests.browser.conftest import assert_accessible, sign_in
from tests.events.conftest import make_event

KEY_POINTS = [
    "Carers need planned breaks, not crisis respite",
    "Short respite stays are booked months ahead",
    "Councils should fund carer-led respite groups",
]


def test_staff_write_up_notes_and_a_visitor_reads_them(page, phone_page, chromium, live_server):
    get_user_model().objects.create_user(
        username="editor", password="correct horse battery", is_staff=True
    )
    event = make_event(
        title="Respite for unpaid carers",
        starts_at=timezone.now() - timedelta(days=3),
        venue="Leeds Civic Hall",
        tags=("carers", "respite"),
    )

    sign_in(page, "editor", "correct horse battery")
    page.goto(event.get_absolute_url())
    page.get_by_role("link", name="Write up notes").click()
    expect(page.get_by_label("Title")).to_have_value("Notes: Respite for unpaid carers")
    expect(page.get_by_label("Tags")).to_have_value("carers, respite")
    assert_accessible(page)

    page.get_by_label("Summary").fill("Carers and councils on what makes respite work.")
    # The blank line in the middle is ignored.
    page.get_by_label("Key points").fill(f"{KEY_POINTS[0]}\n\n{KEY_POINTS[1]}\n{KEY_POINTS[2]}")
    page.locator("#id_speakers-0-name").fill("Priya Shah")
    page.locator("#id_speakers-0-organisation").fill("Leeds Carers")
    page.locator("#id_speakers-0-role").select_option(label="Chair")
    page.locator("#id_note-body").fill("The meeting opened with **three** stories.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Notes published")).to_be_visible()
    assert EventNote.objects.get().is_published

    visitor = chromium.new_context(base_url=live_server.url)
    reader = visitor.new_page()
    reader.goto(event.get_absolute_url())
    key_points = reader.locator(".key-points li")
    expect(key_points).to_have_text(KEY_POINTS)
    expect(reader.locator(".speaker")).to_contain_text("Priya Shah")
    expect(reader.locator(".speaker")).to_contain_text("Chair")
    assert_accessible(reader)

    reader.get_by_role("link", name="Read the full notes").click()
    expect(reader.get_by_role("heading", name="Key points")).to_be_visible()
    expect(reader.get_by_text("three", exact=True)).to_be_visible()
    assert_accessible(reader)
    visitor.close()

    # At 320px nothing is wider than the screen (the feed address once was).
    for url in (EventNote.objects.get().get_absolute_url(), "/events/past/"):
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 320, url
        assert_accessible(phone_page)
