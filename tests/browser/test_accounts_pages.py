"""The people and account pages on a phone (375 px) and a desktop (1280 px): axe-core finds
no serious or critical violations, nothing overflows sideways and nothing is asked of another
host, with and without form errors (tests/browser/test_every_page.py's checks)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from config import roles
from config.accounts.mail import invitation_link, reset_link
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_every_page import _WATCH_REFUSED, WIDTHS, _check_every_page

PASSWORD = "correct horse battery"


def _person(username: str, role: str, **fields):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **fields
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _path(url: str) -> str:
    return url.removeprefix(settings.SITE_URL)


@pytest.mark.parametrize("device", WIDTHS)
def test_account_pages_are_accessible(chromium, live_server, transactional_db, device):
    width, height = WIDTHS[device]
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    context.add_init_script(_WATCH_REFUSED)
    page = context.new_page()
    own = urlsplit(live_server.url).netloc
    try:
        _person("ada", roles.ADMINISTRATOR, is_staff=True, is_superuser=True, first_name="Ada")
        nia = _person("nia", roles.CONTRIBUTOR, first_name="Nia", last_name="Jones")
        _person("ed", roles.EDITOR, is_active=False)
        invitee = _person("a-very-long-address.of-someone@nhs-trust-example.org", roles.EDITOR)
        invitee.is_active = False
        invitee.set_unusable_password()
        invitee.save()

        public = {
            "sign in": "/sign-in/",
            "reset request": "/sign-in/reset/",
            "reset sent": "/sign-in/reset/sent/",
            "reset confirm": _path(reset_link(nia)),
            "reset complete": "/sign-in/reset/complete/",
            "reset link broken": "/sign-in/reset/Zm9v/abc-def/",
            "invitation": _path(invitation_link(invitee)),
            "invitation link broken": "/sign-in/invitation/Zm9v/abc-def/",
        }
        problems = _check_every_page(page, public, own, width)

        # Forms sent back with problems: the error summary and the fields' messages.
        page.goto(public["invitation"])
        page.get_by_role("button", name="Create my account").click()
        page.wait_for_load_state("networkidle")
        assert "There is a problem" in page.content()
        assert_accessible(page)
        page.goto("/sign-in/reset/")
        page.get_by_role("button", name="Send me a reset link").click()
        assert "There is a problem" in page.content()
        assert_accessible(page)

        sign_in(page, "ada", PASSWORD)
        problems += _check_every_page(page, {"people": "/people/"}, own, width)
        page.get_by_role("button", name="Send the invitation").click()
        page.wait_for_load_state("networkidle")
        assert "Choose a role." in page.content()
        assert_accessible(page)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
