"""Script payloads in every text field, then every page that shows them, in a real Chromium.

Nothing may run: no dialog, no `window.__xss`, no `javascript:` link, and no inline script
or event handler that only the Content-Security-Policy stopped (the policy is the second
line of defence; a violation means escaping, the first, failed).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Series, Speaker
from practice.models import Comment, Region
from stakeholders.models import Delivery, DeliveryStatus, DigestRun
from stakeholders.tokens import Purpose, make_token
from tests.browser.conftest import sign_in
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.stakeholders.conftest import make_subscriber

SCRIPT = "<script>window.__xss=1</script>"
ATTRIBUTE = '"><img src=x onerror="window.__xss=1">'
TEMPLATE = "{{7*7}}"
JS_URL = "javascript:window.__xss=1"
# Every text field gets all of them, and "carers" so that searches and digests find it.
PAYLOAD = f"carers {SCRIPT} {ATTRIBUTE} {TEMPLATE}"
MARKDOWN = (
    f'{PAYLOAD}\n\n[a link]({JS_URL}) <a href="{JS_URL}">raw link</a>\n\n'
    f'<img src=x onerror="window.__xss=1"> <svg onload="window.__xss=1"></svg>\n\n'
    f"```\n{SCRIPT}\n```"
)
PASSWORD = "correct horse battery"

# Records what ran or was blocked, page by page; read back after every navigation.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI} ${event.sample}`.trim()
  );
});
"""


def model_named(name: str):
    """A model by class name, wherever it lives (search moved out of practice once)."""
    [model] = [model for model in apps.get_models() if model.__name__ == name]
    return model


def one_line(text: str, limit: int) -> str:
    return text[:limit]


def create_payload_content(*, booking_url: str = f"https://example.org/?{ATTRIBUTE}") -> dict:
    """Published content, a subscriber and staff-side records, all full of payloads."""
    series = Series.objects.create(name=f"Series {PAYLOAD}", description=PAYLOAD)
    tags = ("carers", SCRIPT, ATTRIBUTE)
    writeup = make_writeup(
        title=one_line(f"Carers {PAYLOAD}", 200),
        summary=one_line(PAYLOAD, 300),
        body=MARKDOWN,
        context=MARKDOWN,
        what_we_did=MARKDOWN,
        who_for=MARKDOWN,
        outcomes=MARKDOWN,
        lessons=MARKDOWN,
        resources=MARKDOWN,
        organisation=one_line(PAYLOAD, 200),
        contact=JS_URL,
        region=Region.LONDON,
        review_note=PAYLOAD,
        tags=tags,
    )
    second = make_writeup(
        title=one_line(f"Respite {PAYLOAD}", 200),
        summary=one_line(PAYLOAD, 300),
        body=MARKDOWN,
        organisation=one_line(PAYLOAD, 200),
        contact=f"https://example.org/{ATTRIBUTE}",
        tags=tags,
    )
    Comment.objects.create(writeup=writeup, author_name=one_line(PAYLOAD, 200), body=PAYLOAD)
    event = make_event(
        title=one_line(f"Round table {PAYLOAD}", 200),
        venue=one_line(PAYLOAD, 200),
        address=PAYLOAD,
        organiser=one_line(PAYLOAD, 200),
        description=MARKDOWN,
        booking_url=booking_url,
        region=Region.LONDON,
        series=series,
        tags=tags,
    )
    Speaker.objects.create(
        event=event,
        name=one_line(PAYLOAD, 200),
        organisation=one_line(PAYLOAD, 200),
        role="other",
        custom_role=one_line(PAYLOAD, 80),
    )
    past = make_event(
        starts_at=timezone.now() - timedelta(days=14),
        title=one_line(f"Meeting {PAYLOAD}", 200),
        venue=one_line(PAYLOAD, 200),
        organiser=one_line(PAYLOAD, 200),
        description=MARKDOWN,
        booking_url=f"https://example.org/{ATTRIBUTE}",
        series=series,
        tags=tags,
    )
    note = make_note(
        event=past,
        title=one_line(f"Notes {PAYLOAD}", 200),
        summary=one_line(PAYLOAD, 300),
        body=MARKDOWN,
        questions=f"{PAYLOAD}\n{SCRIPT}",
        key_points=(PAYLOAD, ATTRIBUTE, SCRIPT),
        speakers=((one_line(PAYLOAD, 200), "speaker"),),
        tags=tags,
    )
    note.related_writeups.add(writeup)
    Speaker.objects.filter(note=note).update(
        organisation=one_line(PAYLOAD, 200), custom_role=one_line(PAYLOAD, 80), role="other"
    )
    subscriber = make_subscriber(
        email='"<script>window.__xss=1</script>"@example.org',
        name=one_line(PAYLOAD, 100),
        organisation=one_line(PAYLOAD, 200),
        topics=("carers",),
    )
    model_named("Synonym").objects.create(terms=f"carers, {PAYLOAD}")
    for _ in range(2):
        model_named("SearchLog").objects.create(
            query=one_line(PAYLOAD, 200), result_count=0, duration_ms=1
        )
    now = timezone.now()
    run = DigestRun.objects.create(
        week=(now - timedelta(days=now.weekday())).date(),
        cutoff=now,
        relay_problem=one_line(PAYLOAD, 300),
    )
    Delivery.objects.create(
        run=run,
        subscriber=subscriber,
        status=DeliveryStatus.FAILED,
        finished_at=now,
        last_error=one_line(PAYLOAD, 300),
    )
    user_model = get_user_model()
    user_model.objects.create_superuser(
        username="admin",
        password=PASSWORD,
        email="admin@example.org",
        first_name=one_line(PAYLOAD, 150),
        last_name=one_line(PAYLOAD, 150),
    )
    return {
        "writeups": [writeup, second],
        "event": event,
        "past": past,
        "note": note,
        "series": series,
        "subscriber": subscriber,
        "token": make_token(subscriber, Purpose.MANAGE),
    }


class Watcher:
    """Collects every sign that a payload ran, or was stopped only by the CSP."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.on("console", self._console)

    def _dialog(self, dialog) -> None:
        self.problems.append(f"{self.page.url}: a {dialog.type} dialog said {dialog.message!r}")
        dialog.dismiss()

    def _console(self, message) -> None:
        text = message.text
        blocked = "Content Security Policy" in text or "inline" in text.lower()
        if message.type == "error" and blocked and "script" in text.lower():
            self.problems.append(f"{self.page.url}: console: {text[:300]}")

    def check(self, what: str) -> None:
        """After a page has loaded: nothing ran, nothing was blocked, no javascript: link."""
        self.page.wait_for_load_state("load")
        state = self.page.evaluate(
            """() => ({
              xss: window.__xss === undefined ? null : String(window.__xss),
              violations: (window.__cspViolations || []).filter(
                (v) => v.startsWith("script-src")
              ),
              links: [...document.querySelectorAll("[href], [src], [action], [formaction]")]
                .map((el) => el.getAttribute("href") || el.getAttribute("src")
                  || el.getAttribute("action") || el.getAttribute("formaction") || "")
                .filter((url) => /^\\s*javascript:/i.test(url)),
            })"""
        )
        if state["xss"] is not None:
            self.problems.append(f"{what} ({self.page.url}): window.__xss = {state['xss']}")
        for violation in state["violations"]:
            self.problems.append(f"{what} ({self.page.url}): the CSP blocked {violation}")
        for link in state["links"]:
            self.problems.append(f"{what} ({self.page.url}): a live link to {link!r}")

    def visit(self, path: str, what: str = "") -> None:
        response = self.page.goto(path)
        status = response.status if response else None
        if status is None or status >= 500:
            self.problems.append(f"{what or path}: answered {status}")
        self.check(what or path)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(dict.fromkeys(self.problems))


@pytest.fixture
def watcher(page) -> Watcher:
    return Watcher(page)


def test_public_pages_run_no_payload(page, watcher):
    content = create_payload_content()
    writeup, note, event = content["writeups"][0], content["note"], content["event"]
    tag_slugs = [tag.slug for tag in writeup.tags.all()]
    paths = [
        "/",
        "/practice/",
        writeup.get_absolute_url(),
        content["writeups"][1].get_absolute_url(),
        "/events/",
        "/events/past/",
        event.get_absolute_url(),
        content["past"].get_absolute_url(),
        note.get_absolute_url(),
        content["series"].get_absolute_url(),
        *[f"/tags/{slug}/" for slug in tag_slugs],
        *[f"/practice/?tag={slug}" for slug in tag_slugs],
        *[f"/events/?tag={slug}" for slug in tag_slugs],
        f"/search/?q={quote(PAYLOAD)}",
        f"/search/?q={quote(SCRIPT)}",
        "/search/?q=carers",
        "/search/?q=carers&sort=newest",
        f"/search/?q={quote(ATTRIBUTE)}&tag={tag_slugs[1]}",
        f"/updates/?topic={tag_slugs[1]}&topic=carers",
        f"/updates/preferences/{content['token']}/",
        f"/updates/preferences/{content['token']}/?done={quote(SCRIPT)}",
        f"/updates/unsubscribe/{content['token']}/",
        f"/practice/?q={quote(PAYLOAD)}&region={quote(SCRIPT)}",
    ]
    for path in paths:
        watcher.visit(path)

    # The header's suggestions are built in the page from JSON as you type.
    page.goto("/practice/")
    box = page.get_by_role("combobox", name="Search Wheelhouse")
    for typed in ["carers", "<script>window", '"><img', "{{7*7"]:
        box.fill(typed)
        page.wait_for_timeout(600)
        watcher.check(f"suggestions for {typed!r}")
    box.fill("carers")
    expect(page.get_by_role("option").first).to_be_visible()
    watcher.check("suggestions for 'carers'")
    watcher.assert_clean()


def test_staff_pages_run_no_payload(page, watcher):
    content = create_payload_content()
    sign_in(page, "admin", PASSWORD)
    writeup, note, event = content["writeups"][0], content["note"], content["event"]
    email = content["subscriber"].email
    paths = [
        "/updates/staff/",
        f"/updates/staff/preview/?email={quote(email)}",
        "/search/gaps/",
        "/events/",
        f"{writeup.get_absolute_url()}edit/",
        f"/events/{event.slug}/edit/",
        f"/events/notes/{note.slug}/edit/",
        f"/events/{content['past'].slug}/notes/new/",
        "/events/write-up/",
    ]
    for path in paths:
        watcher.visit(path)

    # The digest preview frames the email's HTML; its frame must not run anything either.
    watcher.visit(f"/updates/staff/preview/?email={quote(email)}", "the digest preview")
    for frame in page.frames[1:]:
        frame.wait_for_load_state("load")
        if frame.evaluate("() => window.__xss") is not None:
            watcher.problems.append(f"the digest preview's frame ({frame.url}) ran a payload")

    # "Has this been done before?" and the Markdown preview insert server HTML as you type.
    page.goto("/practice/new/")
    page.get_by_label("Title").fill(f"Carers {SCRIPT}")
    page.get_by_label("Summary").fill(f"carers {ATTRIBUTE}")
    page.locator("#id_body").fill(MARKDOWN)
    page.wait_for_timeout(1500)
    watcher.check("the write-up form's live panels")
    watcher.assert_clean()


def admin_paths(content: dict) -> list[str]:
    paths = []
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        paths.append(changelist)
        paths.append(f"{changelist}?q={quote(PAYLOAD)}")
    objects = [*content["writeups"], content["event"], content["note"], content["series"]]
    objects.append(content["subscriber"])
    objects += list(Comment.objects.all()) + list(model_named("Synonym").objects.all())
    objects += list(get_user_model().objects.filter(username="admin"))
    for item in objects:
        meta = item._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[item.pk]))
    return paths


def test_admin_pages_run_no_payload(page, watcher):
    content = create_payload_content()
    # A failed sign-in with a payload for a name, for the sign-in records in the admin.
    sign_in(page, PAYLOAD[:150], "wrong password")
    watcher.check("a failed sign-in")
    sign_in(page, "admin", PASSWORD)
    for path in admin_paths(content):
        watcher.visit(path)
    watcher.assert_clean()


def test_booking_link_with_a_script_url_does_not_run(page, watcher):
    """A stored javascript: booking link (the form refuses one; an import or the shell need
    not) must not become a live "Book a place" button."""
    content = create_payload_content(booking_url=JS_URL)
    watcher.visit(content["event"].get_absolute_url(), "the event page")
    book = page.get_by_role("link", name="Book a place")
    if book.count():
        book.first.click()
        page.wait_for_timeout(300)
        watcher.check("after clicking Book a place")
    watcher.assert_clean()
