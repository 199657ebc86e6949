"""A stakeholder signs up, confirms from the email, changes topics and unsubscribes."""

from __future__ import annotations

import re

from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import make_writeup
from tests.smtp import SmtpSink, point_django_at


def _link(message, fragment: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    url = next(u for u in re.findall(r"https?://\S+", text) if fragment in u)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_signup_confirm_change_topics_and_unsubscribe(page, settings):
    settings.STAKEHOLDERS_MIN_FORM_SECONDS = 0
    writeup = make_writeup(title="Carers drop-in", tags=("carers", "dementia"))
    with SmtpSink() as sink:
        point_django_at(settings, sink)

        page.goto(writeup.get_absolute_url())
        page.get_by_role("link", name="Sign up for the weekly digest").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Get the weekly digest")
        expect(page.get_by_role("checkbox", name="carers", exact=True)).to_be_checked()
        assert_accessible(page)

        # A mistake first: the message sits by the field and nothing typed is lost.
        page.get_by_label("Email address").fill("not an address")
        page.get_by_label("Name").fill("Asha")
        page.get_by_label("Role", exact=True).select_option(label="Commissioner")
        page.get_by_role("checkbox", name="I agree").check()
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter an email address in the form")
        expect(page.get_by_label("Name")).to_have_value("Asha")
        assert_accessible(page)

        page.get_by_label("Email address").fill("asha@example.org")
        page.get_by_role("checkbox", name="I agree").check()
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        assert_accessible(page)

        # The page never waits for the relay: the task worker sends the confirmation.
        assert sink.handler.to("asha@example.org") == []
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        [confirmation] = sink.handler.to("asha@example.org")
        page.goto(_link(confirmation, "/confirm/"))
        assert_accessible(page)
        page.get_by_role("button", name="Confirm my subscription").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
        assert_accessible(page)

        page.get_by_role("link", name="Manage your preferences").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your digest preferences")
        page.get_by_role("checkbox", name="carers", exact=True).uncheck()
        page.get_by_role("checkbox", name="dementia", exact=True).check()
        page.get_by_role("button", name="Save my choices").click()
        expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
        expect(page.get_by_role("checkbox", name="dementia", exact=True)).to_be_checked()
        expect(page.get_by_role("checkbox", name="carers", exact=True)).not_to_be_checked()
        assert_accessible(page)

        # The same page on a 320px phone: nothing scrolls sideways.
        page.set_viewport_size({"width": 320, "height": 640})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        page.set_viewport_size({"width": 1024, "height": 800})

        page.get_by_role("button", name="Unsubscribe").click()
        expect(page.get_by_role("status")).to_contain_text("You are unsubscribed")
        expect(page.get_by_role("button", name="Subscribe again")).to_be_visible()
        assert_accessible(page)


def test_staff_see_counts_runs_and_a_subscribers_digest(page):
    from django.contrib.auth import get_user_model

    from stakeholders.tasks import digest_start
    from tests.stakeholders.conftest import make_subscriber

    get_user_model().objects.create_user(
        username="editor", password="correct horse battery", is_staff=True
    )
    person = make_subscriber(topics=("carers",))
    make_writeup(title="Carers café opens on Fridays", tags=("carers",))
    digest_start()

    sign_in(page, "editor", "correct horse battery")
    page.goto("/updates/staff/")
    expect(page.get_by_role("heading", name="Digest runs")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Preview a subscriber’s digest").click()
    page.get_by_label("Subscriber’s email address").fill(person.email)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "Carers café opens on Fridays"
    )
    expect(
        page.frame_locator("iframe.email-preview").get_by_role("link", name="Carers café opens")
    ).to_be_visible()
    assert_accessible(page)
