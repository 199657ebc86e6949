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
        username="editor", password="correct horse battery", is_staff=True
    )
    sign_in(page, "editor", "correct horse battery")
    return page


def tab_until(page, name: str, *, key: str = "Tab", limit: int = 40) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement.textContent.trim()").startswith(name):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{name!r} not reached with {key}")


@pytest.mark.parametrize("path", ["/practice/new/", "/events/new/", "/events/write-up/", "note"])
def test_tab_leaves_the_markdown_editor_and_reaches_publish(editor_page, path):
    page = editor_page
    if path == "note":
        path = f"/events/{make_event(title='Carers forum').slug}/notes/new/"
    page.goto(path)
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
    tab_until(page, "Publish")
    # Indenting is still there, on Ctrl+].
    editor.focus()
    page.keyboard.press("Control+]")
    expect(editor).not_to_have_value("First line")
