"""Sign-up, links and preferences as a person meets them, including every kind of bad input."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from practice.models import Region
from stakeholders.consent import CONSENT_WORDING, CURRENT_CONSENT_VERSION
from stakeholders.forms import form_started_token
from stakeholders.models import Delivery, DigestRun, Subscriber, SubscriberStatus
from stakeholders.tokens import Purpose, make_token
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.stakeholders.conftest import link_in, make_subscriber, path_of, signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _topics(db):
    make_writeup(tags=("carers", "dementia"))


def _manage(subscriber: Subscriber) -> str:
    return make_token(subscriber, Purpose.MANAGE)


def test_signup_records_choices_and_the_consent_agreed_to(client):
    response = client.post("/updates/", signup_data(topics=["carers", "dementia"]))
    assert response.status_code == 302
    assert response["Location"] == "/updates/check-your-email/"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.topics == ["carers", "dementia"]
    assert subscriber.consent_version == CURRENT_CONSENT_VERSION
    assert subscriber.consent_text == CONSENT_WORDING[CURRENT_CONSENT_VERSION]
    assert subscriber.consented_at is not None
    [message] = mail.outbox
    assert message.to == ["Asha <asha@example.org>"]
    assert "/updates/confirm/" in message.body


def test_signup_page_shows_the_consent_wording_and_prefills_topics(client):
    page = client.get("/updates/?topic=carers&topic=not-a-topic").content.decode()
    assert CONSENT_WORDING[CURRENT_CONSENT_VERSION] in page
    assert 'value="carers" id="id_topics_0" checked' in page or (
        'value="carers"' in page and "checked" in page
    )


def test_footer_and_writeup_pages_link_to_signup(client):
    writeup = make_writeup(tags=("carers",))
    page = client.get(writeup.get_absolute_url()).content.decode()
    assert 'href="/updates/?topic=carers"' in page
    assert client.get("/about/").content.decode().count('href="/updates/"') >= 1
    note = make_note(event=make_event(), tags=("dementia",))
    page = client.get(note.get_absolute_url()).content.decode()
    assert 'href="/updates/?topic=dementia"' in page


def test_topics_come_from_published_writeups_notes_and_events_only(client):
    make_note(event=make_event(), tags=("from-a-note",))
    make_event(tags=("from-an-event",))
    make_event(tags=("from-a-draft-event",), status="draft")
    make_writeup(tags=("from-a-draft",), status="draft")
    page = client.get("/updates/").content.decode()
    assert 'value="from-a-note"' in page and 'value="from-an-event"' in page
    assert "from-a-draft" not in page


def test_reply_is_the_same_whether_or_not_the_address_is_known(client):
    make_subscriber(email="known@example.org")
    known = client.post("/updates/", signup_data(email="known@example.org"))
    unknown = client.post("/updates/", signup_data(email="new@example.org"))
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # Only the mailbox owner learns the difference, and the known one's choices are untouched.
    assert "already subscribed" in mail.outbox[0].body
    assert "/confirm/" in mail.outbox[1].body
    assert Subscriber.objects.get(email="known@example.org").topics == ["general-news"]

    mail.outbox.clear()
    known = client.post("/updates/link/", {"email": "known@example.org"})
    unknown = client.post("/updates/link/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    [message] = mail.outbox
    assert message.to == ["known@example.org"] and "/updates/preferences/" in message.body


def test_confirm_get_changes_nothing_post_confirms_and_twice_is_clear(client):
    client.post("/updates/", signup_data())
    path = path_of(link_in(mail.outbox[0], "/confirm/"))
    client.get(path)
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING
    assert "You are subscribed" in client.post(path).content.decode()
    again = client.post(path)
    assert again.status_code == 200
    assert "You had already confirmed" in again.content.decode()


def test_expired_tampered_and_deleted_subscriber_links_get_clear_pages(client):
    client.post("/updates/", signup_data())
    path = path_of(link_in(mail.outbox[0], "/confirm/"))
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(path)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()

    tampered = path.replace("/confirm/", "/confirm/x")
    response = client.post(tampered)
    assert response.status_code == 400 and "not valid" in response.content.decode()
    # A confirmation token is no use as a preferences token.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/updates/preferences/{token}/").status_code == 400
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING

    subscriber = make_subscriber()
    token = _manage(subscriber)
    client.post(f"/updates/preferences/{token}/delete/")
    response = client.get(f"/updates/preferences/{token}/")
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "Enter an email address in the form name@example.org."),
        ("email", "a@example.org\r\nBcc: victim@example.org", "on a single line"),
        ("email", "a" * 300 + "@example.org", "at most 254 characters"),
        ("email", "a" * 91 + "@example.org", "before the @ can be at most 64 characters"),
        ("email", "a" * 64 + "@" + "b" * 186 + ".org", "at most 254 characters"),
        ("name", "Asha\r\nBcc: victim@example.org", "without line breaks"),
        ("organisation", "Org\nSubject: spam", "without line breaks"),
        ("name", "x" * 5000, "under 100 characters"),
        ("topics", ["carers", "no-such-topic"], "is not one of our topics"),
        ("topics", [], "Choose at least one topic"),
        ("role", "astronaut", "Choose a role from the list."),
        ("consent", None, "Tick “I agree”"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, field, value, message):
    response = client.post("/updates/", signup_data(**{field: value}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page.replace("&#x27;", "'").replace("&quot;", '"')
    # What was typed is kept.
    assert (
        'value="Leeds Carers"' in page if field == "email" else 'value="asha@example.org"' in page
    )
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"website": "http://spam.example"},
        {"started": None},
        {"started": "forged"},
    ],
)
def test_bots_are_quietly_turned_away(client, overrides):
    response = client.post("/updates/", signup_data(**overrides))
    assert response.status_code == 302 and response["Location"] == "/updates/check-your-email/"
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_a_form_token_serves_one_submission(client):
    """Regression: one anti-bot token served ~250 sign-ups over 15 minutes."""
    data = signup_data()
    assert client.post("/updates/", data).status_code == 302
    for n in range(3):
        response = client.post("/updates/", {**data, "email": f"again{n}@example.org"})
        assert response.status_code == 302
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["asha@example.org"]
    assert len(mail.outbox) == 1


def test_an_invalid_submission_keeps_its_token_for_the_corrected_one(client):
    data = signup_data(email="not-an-address")
    assert client.post("/updates/", data).status_code == 200
    assert client.post("/updates/", {**data, "email": "asha@example.org"}).status_code == 302
    assert Subscriber.objects.count() == 1


def test_a_form_left_open_for_hours_comes_back_with_everything_typed(client):
    old = form_started_token(at=timezone.now().timestamp() - 3 * 3600)
    response = client.post("/updates/", signup_data(started=old, name="Asha Patel"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "open for more than two hours" in page
    assert 'value="Asha Patel"' in page and 'value="asha@example.org"' in page
    assert not Subscriber.objects.exists()
    fresh = response.context["form"].data["started"]
    assert fresh != old
    response = client.post("/updates/", signup_data(started=fresh, name="Asha Patel"))
    assert response.status_code == 302
    assert Subscriber.objects.get().name == "Asha Patel"


def test_inhumanly_fast_submissions_are_quietly_turned_away(client, settings):
    settings.STAKEHOLDERS_MIN_FORM_SECONDS = 3
    response = client.post("/updates/", signup_data(started=form_started_token()))
    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    slow = form_started_token(at=timezone.now().timestamp() - 10)
    client.post("/updates/", signup_data(started=slow))
    assert Subscriber.objects.count() == 1


def test_repeated_requests_are_rate_limited_per_address_and_per_ip(client):
    for _ in range(3):
        assert client.post("/updates/", signup_data()).status_code == 302
    response = client.post("/updates/", signup_data())
    assert response.status_code == 200
    assert "too many requests from this email address" in response.content.decode()
    assert len(mail.outbox) == 3

    # Three sign-ups so far from this IP; seven more requests reach its limit of ten.
    for n in range(7):
        client.post("/updates/link/", {"email": f"other{n}@example.org"})
    response = client.post("/updates/", signup_data(email="fresh@example.org"))
    assert "too many requests from your network" in response.content.decode()
    assert not Subscriber.objects.filter(email="fresh@example.org").exists()
    # An hour later the limits have lifted.
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.post("/updates/", signup_data(email="fresh@example.org")).status_code == 302


def test_preferences_change_topics_region_and_name(client):
    subscriber = make_subscriber(topics=("carers",))
    token = _manage(subscriber)
    page = client.get(f"/updates/preferences/{token}/").content.decode()
    assert subscriber.email in page
    response = client.post(
        f"/updates/preferences/{token}/",
        {"name": "Bo", "role": "researcher", "topics": ["dementia"], "region": Region.WALES},
    )
    assert "Your choices are saved" in response.content.decode()
    subscriber.refresh_from_db()
    assert (subscriber.name, subscriber.topics, subscriber.region) == ("Bo", ["dementia"], "wales")

    response = client.post(f"/updates/preferences/{token}/", {"role": "researcher", "topics": []})
    assert "Choose at least one topic" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.topics == ["dementia"]


def test_pause_resume_unsubscribe_and_resubscribe(client):
    subscriber = make_subscriber(topics=("carers",))
    action = f"/updates/preferences/{_manage(subscriber)}/action/"
    for step, expected in [
        ("pause", (SubscriberStatus.CONFIRMED, True)),
        ("resume", (SubscriberStatus.CONFIRMED, False)),
        ("unsubscribe", (SubscriberStatus.UNSUBSCRIBED, False)),
        ("resubscribe", (SubscriberStatus.CONFIRMED, False)),
    ]:
        client.post(action, {"action": step})
        subscriber.refresh_from_db()
        assert (subscriber.status, subscriber.paused) == expected


def test_unsubscribe_get_asks_first_post_unsubscribes(client):
    subscriber = make_subscriber()
    path = f"/updates/unsubscribe/{_manage(subscriber)}/"
    assert "Unsubscribe from the weekly digest?" in client.get(path).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert "You are unsubscribed" in client.post(path).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_export_my_data_as_json(client):
    subscriber = make_subscriber(topics=("carers",), name="Asha")
    run = DigestRun.objects.create(week=DigestRun.week_of(timezone.now()), cutoff=timezone.now())
    Delivery.objects.create(
        run=run, subscriber=subscriber, status="sent", item_count=3, finished_at=timezone.now()
    )
    response = client.get(f"/updates/preferences/{_manage(subscriber)}/my-data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["email"] == subscriber.email and data["name"] == "Asha"
    assert data["topics"] == ["carers"]
    assert data["consent"]["version"] == CURRENT_CONSENT_VERSION
    assert data["digests"][0]["items"] == 3


def test_delete_me_erases_personal_data_and_keeps_anonymous_counts(client, staff_client):
    subscriber = make_subscriber(topics=("carers",), name="Asha", organisation="Leeds")
    run = DigestRun.objects.create(week=DigestRun.week_of(timezone.now()), cutoff=timezone.now())
    Delivery.objects.create(run=run, subscriber=subscriber, status="sent", finished_at=run.cutoff)
    path = f"/updates/preferences/{_manage(subscriber)}/delete/"
    assert "cannot be undone" in client.get(path).content.decode()
    assert "Your data is deleted" in client.post(path).content.decode()
    subscriber.refresh_from_db()
    assert (subscriber.email, subscriber.name, subscriber.organisation) == (None, "", "")
    assert subscriber.status == SubscriberStatus.ERASED
    assert Delivery.objects.filter(subscriber=subscriber, status="sent").count() == 1
    page = staff_client.get("/updates/staff/").content.decode()
    assert 'Erased on request</td><td class="num">1' in page
    assert "Asha" not in staff_client.get("/updates/staff/subscribers.csv").getvalue().decode()
    # The address can sign up again as a new person.
    assert client.post("/updates/", signup_data(email=subscriber.email or "asha@example.org"))


def test_many_topics_come_grouped_most_used_first_each_group_sorted_ignoring_case(client):
    """Past a dozen topics the eight most used come first; every topic is listed once, and
    "appointments" comes before "JSNA" whatever the case."""
    for n in range(3):
        make_writeup(tags=("JSNA", "NHS", "appointments", "wellbeing", f"used-once-{n}"))
    make_writeup(tags=("Zebra", "alpha", "mental health", "Beta", "gamma", "Delta"))
    response = client.get("/updates/")
    html = response.content.decode()
    topics = html.split(">Most used<")[1].split("</fieldset>")[0]
    most, every = topics.split(">Every other topic<")
    labels = lambda part: re.findall(r'nhsuk-checkboxes__label" for="[^"]+">([^<]+)<', part)  # noqa: E731
    most, rest = labels(most), labels(every)
    assert len(most) == 8
    assert {"appointments", "JSNA", "NHS", "wellbeing"} <= set(most)
    assert most[:2] == ["alpha", "appointments"]  # ties on use go alphabetically
    assert most == sorted(most, key=str.lower)
    assert rest == sorted(rest, key=str.lower)
    assert len(most + rest) == len(set(most + rest)) == 15  # each topic once
    # A topic from either group can be chosen.
    response = client.post("/updates/", signup_data(topics=["appointments", "zebra"]))
    assert response.status_code == 302
    assert Subscriber.objects.get().topics == ["appointments", "zebra"]
