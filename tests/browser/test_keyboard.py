"""No keyboard trap in the Markdown editors (WCAG 2.1.2): every staff form's Publish button
can be reached from the editor by keyboard alone."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.events.conftest import make_event


@pytest.fixture
def editor_page(page):
    get_user_model().objects.create_user(
        username="editor", password="correct horse battery", is_staff=True, is_superuser=True
    )
    sign_in(page, "editor", "correct horse battery")
    return page


def _form(path: str) -> str:
    """The form's path; "note" is the new-note form of an event made for it."""
    if path == "note":
        return f"/events/{make_event(title='Carers forum').slug}/notes/new/"
    return path


def tab_until(page, name: str, *, key: str = "Tab", limit: int = 40) -> None:
    for _ in range(limit):
        label = "(document.activeElement.textContent.trim() || document.activeElement.value || '')"
        if page.evaluate(label).startswith(name):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{name!r} not reached with {key}")


@pytest.mark.parametrize(
    "path",
    [
        "/practice/new/",
        "/events/new/",
        "/events/write-up/",
        "note",
        "/admin/practice/writeup/add/",
        "/admin/events/eventnote/add/",
    ],
)
def test_tab_leaves_the_markdown_editor_and_reaches_publish(editor_page, path):
    page = editor_page
    page.goto(_form(path))
    editor = page.locator("textarea.markdownx-editor").first
    editor.click()
    editor.press_sequentially("First line")
    page.keyboard.press("Tab")
    # Tab moved focus on: nothing typed, the editor left.
    expect(editor).to_have_value("First line")
    assert page.evaluate("document.activeElement.classList.contains('markdownx-editor')") is False
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.classList.contains('markdownx-editor')") is True
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('markdownx-editor')") is False
    editor.focus()
    tab_until(page, "Save" if path.startswith("/admin/") else "Publish", limit=80)
    # Indenting is still there, on Ctrl+].
    editor.focus()
    page.keyboard.press("Control+]")
    expect(editor).not_to_have_value("First line")


@pytest.mark.parametrize("path", ["/practice/new/", "/events/new/", "/events/write-up/", "note"])
def test_a_staff_author_goes_from_the_first_field_to_publish_by_keyboard(editor_page, path):
    """From the first field, Tab alone visits every field in order and reaches Publish."""
    page = editor_page
    page.goto(_form(path))
    first = page.locator("main form input:visible, main form textarea:visible").first
    first.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Typed by keyboard")
    tab_until(page, "Publish", limit=80)
    expect(first).to_have_value("Typed by keyboard")


def test_digest_sign_up_by_keyboard_alone(page, settings):
    """From the top of the home page: a few Tabs reach the digest, a mistake moves focus to
    the error summary, whose link leads to the field; "Everything" takes the topics out of
    the way; the sign-up goes through."""
    settings.STAKEHOLDERS_MIN_FORM_SECONDS = 0
    from tests.conftest import make_writeup

    for n in range(20):
        make_writeup(tags=(f"topic-{n}",))
    page.goto("/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Weekly digest":
            break
    else:
        raise AssertionError("the digest is not within 10 Tabs of the top of the home page")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get the weekly digest")

    tab_until(page, "Sign up", limit=80)
    page.keyboard.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your email address")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("asha@example.org")
    tab_until_focused(page, page.get_by_label("Role", exact=True))
    page.keyboard.type("Commissioner")  # a closed select takes the option typed
    expect(page.get_by_label("Role", exact=True)).to_have_value("commissioner")

    everything = page.get_by_role("checkbox", name="Everything", exact=False)
    tab_until_focused(page, everything)
    page.keyboard.press("Space")
    expect(everything).to_be_checked()
    # The topics are out of the way: the next Tabs go on to the region and the consent.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") != "topics"
    tab_until_focused(page, page.get_by_role("checkbox", name="I agree"))
    page.keyboard.press("Space")
    tab_until(page, "Sign up")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")


def tab_until_focused(page, locator, limit: int = 40) -> None:
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} not reached with Tab")
