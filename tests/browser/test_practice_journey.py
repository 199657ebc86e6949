from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import make_writeup


def test_visitor_reads_then_staff_publish_a_new_writeup(page):
    existing = make_writeup(
        title="Peer support for new carers",
        summary="Carers who had been through diagnosis supported those just starting.",
        context="Carers felt alone after a dementia diagnosis.",
        tags=("carers", "dementia"),
    )
    get_user_model().objects.create_user(
        username="editor", password="correct horse battery", is_staff=True
    )

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find what already works")
    assert_accessible(page)

    page.get_by_role("link", name="Peer support for new carers").first.click()
    expect(page).to_have_url(f"{page.url.split('/practice/')[0]}{existing.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(existing.title)
    expect(page.get_by_role("heading", name="The problem or context")).to_be_visible()
    assert_accessible(page)

    sign_in(page, "editor", "correct horse battery")
    page.get_by_role("link", name="Share a write-up", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share a write-up")
    assert_accessible(page)

    # Submitting with no title keeps what was typed and says what is wrong.
    page.get_by_label("Summary").fill("Weekly walks for people living with dementia and carers.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Summary")).to_have_value(
        "Weekly walks for people living with dementia and carers."
    )
    assert_accessible(page)

    page.get_by_label("Title").fill("Walking groups for people living with dementia")
    page.locator("#id_body").fill("We walked **every Tuesday**.")
    expect(page.locator(".markdownx-preview strong")).to_have_text("every Tuesday")
    page.get_by_label("Tags").fill("dementia, walking")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Walking groups for people living with dementia"
    )

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Practice").click()
    expect(
        page.get_by_role("link", name="Walking groups for people living with dementia")
    ).to_be_visible()
    assert_accessible(page)


def test_pages_work_on_a_320px_phone_without_sideways_scrolling(phone_page):
    writeup = make_writeup(title="A write-up with a rather long title to wrap on small screens")
    for url in ["/", "/practice/", writeup.get_absolute_url(), "/about/"]:
        phone_page.goto(url)
        overflow = phone_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, url
        assert_accessible(phone_page)
