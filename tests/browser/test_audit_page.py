"""The audit log page in a browser: axe finds nothing serious at phone and desktop widths,
and it never scrolls sideways."""

from __future__ import annotations

import pytest

from config import audit, roles
from config.models import AuditEntry
from tests.browser.conftest import assert_accessible, sign_in
from tests.config.test_audit import PASSWORD, Action, make_user


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_the_log_is_accessible_and_fits_the_screen(chromium, live_server, transactional_db, width):
    make_user("ada", roles.ADMINISTRATOR)
    audit.record(Action.SIGN_IN_FAILED, target="Wrong username or password", detail="asha")
    audit.record(
        Action.PUBLISHED,
        target="Write-up “A long title about loneliness cafés in rural Cumbria” (#12)",
        detail="In review → Published",
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(action=Action.SYNONYM_ADDED, actor_label="ada", target=f"Synonyms #{n}")
        for n in range(60)
    )
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, "ada", PASSWORD)
        for path in ("/audit/", "/audit/?action=nonsense", "/audit/?person=ada&page=2"):
            page.goto(path)
            assert_accessible(page)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} at {width} px scrolls sideways by {overflow} px"
    finally:
        context.close()
