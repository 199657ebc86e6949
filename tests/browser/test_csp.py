"""Django's admin and django-markdownx's editor under the Content-Security-Policy, in
Chromium: the policy allows no inline script or style, so anything they did inline would be
refused and reported."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


# Collects what the browser refused under the policy, from before any page script runs.
_WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


def test_the_admin_and_the_markdown_editor_work_under_the_policy(page, live_server):
    """Django's admin widgets and django-markdownx's editor run with nothing refused."""
    from events.models import Series

    get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    Series.objects.create(name="Better leadership", slug="better-leadership")
    page.context.add_init_script(_WATCH_VIOLATIONS)
    sign_in(page, "admin", "pw")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/practice/new/")
    page.locator("#id_body").fill("We walked **every Tuesday**.")
    expect(page.locator(".markdownx-preview strong")).to_have_text("every Tuesday")
    assert page.evaluate("window.cspViolations") == []

    page.goto("/admin/events/event/add/")
    page.locator("#id_title").press_sequentially("Carers round table")  # prepopulate.js: keyup
    expect(page.locator("#id_slug")).to_have_value("carers-round-table")
    page.locator("#id_description").fill("A **round** table.")
    expect(page.locator(".markdownx-preview strong")).to_have_text("round")
    page.locator(".select2-selection").first.click()  # autocomplete_fields (select2)
    page.keyboard.type("Better")
    page.get_by_role("option", name="Better leadership").click()
    expect(page.locator(".select2-selection__rendered").first).to_contain_text("Better leadership")
    page.get_by_role("link", name="Today").first.click()  # DateTimeShortcuts
    expect(page.locator("input.vDateField").first).not_to_have_value("")
    page.locator(".add-row a").click()  # inlines.js
    expect(page.locator("tr.dynamic-speakers")).to_have_count(1)
    assert page.evaluate("window.cspViolations") == []
