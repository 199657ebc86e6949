from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from practice.models import Region
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import make_writeup


def test_author_is_warned_of_similar_work_then_searches_from_the_header_by_keyboard(page):
    existing = make_writeup(
        title="Peer support groups for carers of people with dementia",
        summary="Carers who had been through a dementia diagnosis supported new carers.",
        region=Region.YORKSHIRE,
        tags=("carers", "dementia"),
    )
    make_writeup(title="Hospital discharge lounge", summary="Patients wait for transport.")
    get_user_model().objects.create_user(
        username="editor", password="correct horse battery", is_staff=True
    )
    sign_in(page, "editor", "correct horse battery")
    page.goto("/practice/new/")
    panel = page.locator("#similar-work")
    expect(panel).to_contain_text("Type a title and summary")
    page.get_by_label("Title").press_sequentially("Peer support for dementia carers", delay=10)
    expect(panel.get_by_role("link", name=existing.title)).to_be_visible()
    expect(panel).to_contain_text("Carers who had been through a dementia diagnosis")
    expect(panel).not_to_contain_text("Hospital discharge lounge")
    assert_accessible(page)

    # Keyboard only: tab to the header search box, take a suggestion with the arrow keys.
    page.goto("/about/")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "header-search-input":
            break
    box = page.get_by_role("combobox", name="Search Wheelhouse")
    expect(box).to_be_focused()
    page.keyboard.type("peer sup", delay=20)
    option = page.get_by_role("option", name=existing.title)
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(existing.title)

    # Or press Enter without choosing one: the results page, with highlighted snippets.
    page.get_by_role("combobox", name="Search Wheelhouse").focus()
    page.keyboard.type("dementia carers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results")
    expect(page.get_by_role("status")).to_contain_text("1 result")
    expect(page.locator(".search-result mark").first).to_be_visible()
    expect(page.get_by_role("link", name="Yorkshire and the Humber")).to_be_visible()
    assert_accessible(page)


def test_search_page_works_on_a_320px_phone(phone_page):
    make_writeup(title="Carers cafe with a rather long title that has to wrap", tags=("carers",))
    phone_page.goto("/search/?q=carers")
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert_accessible(phone_page)
