"""Playwright driving Debian's Chromium against pytest-django's live server, with axe-core.

Every test here is marked `browser`. Chromium starts once per session with the flags this
closed network needs (no background networking, no component updates).
"""

from __future__ import annotations

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db) -> Page:
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 800}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server, transactional_db) -> Page:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violations on the page as it stands."""
    results = _axe.run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page.url}:\n" + "\n".join(serious)


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
