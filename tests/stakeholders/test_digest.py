"""The weekly digest against a real SMTP server: what arrives, to whom, and exactly once."""

from __future__ import annotations

import io
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from practice.models import Region
from practice.publishing import Status
from stakeholders.digest import run as digest_run
from stakeholders.digest.batch import digest_batch_send
from stakeholders.digest.delivery import MAX_ATTEMPTS
from stakeholders.models import (
    BatchStatus,
    Delivery,
    DeliveryStatus,
    DigestBatch,
    DigestRun,
    Subscriber,
    SubscriberStatus,
)
from stakeholders.tasks import digest_start
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.stakeholders.conftest import make_subscriber, path_of, signup_data

pytestmark = pytest.mark.django_db


def _titles(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_signup_confirm_and_receive_only_matching_items(client, smtp):
    make_writeup(title="Carers drop-in", tags=("carers",), region=Region.LONDON)
    client.post("/updates/", signup_data(email="Asha@Example.org"))
    # The confirmation email, then the confirm page (GET shows a button, POST confirms).
    [confirmation] = smtp.to("Asha@example.org")
    assert "Confirm" in confirmation["Subject"]
    confirm_url = [u for u in _titles(confirmation).split() if "/confirm/" in u][0]
    assert "Confirm my subscription" in client.get(path_of(confirm_url)).content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING
    assert "You are subscribed" in client.post(path_of(confirm_url)).content.decode()

    make_writeup(title="Carers in Leeds", tags=("carers",), region=Region.YORKSHIRE)
    make_writeup(title="Dementia cafe", tags=("dementia",))
    make_writeup(title="Draft carers plan", tags=("carers",), status=Status.DRAFT)
    smtp.clear()
    call_command("send_weekly_digest", stdout=io.StringIO())

    [message] = smtp.messages
    assert message["To"] == "Asha <Asha@example.org>"
    text = _titles(message)
    assert "Carers drop-in" in text and "Carers in Leeds" in text
    assert "Dementia cafe" not in text and "Draft carers plan" not in text
    # London (the subscriber's region) comes first although the Leeds one is newer.
    assert text.index("Carers drop-in") < text.index("Carers in Leeds")
    assert message["Subject"] == "2 new on Wheelhouse this week: Carers drop-in"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Carers in Leeds" in html and "<img" not in html
    assert {part.get_content_type() for part in message.iter_parts()} == {
        "text/plain",
        "text/html",
    }
    unsubscribe = message["List-Unsubscribe"]
    assert "<https://wheelhouse.example/updates/unsubscribe/" in unsubscribe
    assert "<mailto:unsubscribe@" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # RFC 8058 one-click: a POST with no cookie and no CSRF token unsubscribes at once.
    one_click_url = unsubscribe.split("<", 1)[1].split(">", 1)[0]
    response = Client(enforce_csrf_checks=True).post(
        path_of(one_click_url),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED

    with time_machine.travel(timezone.now() + timedelta(days=7)):
        make_writeup(title="Carers again", tags=("carers",))
        smtp.clear()
        digest_start()
    assert smtp.messages == []


def test_nothing_new_means_no_email_and_a_skipped_delivery(smtp):
    make_subscriber(topics=("dementia",))
    make_writeup(tags=("carers",))
    run = digest_start()
    assert smtp.messages == []
    assert run.deliveries.get().status == DeliveryStatus.SKIPPED


def test_items_since_the_previous_digest_only(smtp):
    subscriber = make_subscriber(all_topics=True)
    make_writeup(title="Last week's news")
    digest_start()
    assert len(smtp.to(subscriber.email)) == 1
    smtp.clear()
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        make_writeup(title="This week's news")
        digest_start()
    [message] = smtp.messages
    assert "This week's news" in _titles(message)
    assert "Last week's news" not in _titles(message)


def test_starting_twice_in_a_week_sends_nothing_more(smtp):
    for _ in range(3):
        make_subscriber(all_topics=True)
    make_writeup()
    first = digest_start()
    second = digest_start()
    assert first.pk == second.pk
    assert len(smtp.messages) == 3
    assert DigestRun.objects.count() == 1


def test_paused_unconfirmed_and_unsubscribed_get_nothing(smtp):
    receiving = make_subscriber(all_topics=True)
    make_subscriber(all_topics=True, paused=True)
    make_subscriber(all_topics=True, status=SubscriberStatus.PENDING)
    make_subscriber(all_topics=True, status=SubscriberStatus.UNSUBSCRIBED)
    make_writeup()
    digest_start()
    # The one confirmed, unpaused subscriber is mailed, so the others were left out on purpose.
    assert [m["To"] for m in smtp.messages] == [receiving.email]


class InterruptedBackend(EmailBackend):
    """Real SMTP, but the worker is stopped (as db_worker's second Ctrl+C does, with
    sys.exit) before the fourth message of the run."""

    sent = 0

    def send_messages(self, email_messages):
        if InterruptedBackend.sent == 3:
            sys.exit(1)
        InterruptedBackend.sent += 1
        return super().send_messages(email_messages)


def _batch_of_everyone(run: DigestRun | None = None) -> DigestBatch:
    """This week's run with every receiving subscriber's delivery in one batch, not sent."""
    run = run or DigestRun.objects.create(
        week=DigestRun.week_of(timezone.now()), cutoff=timezone.now()
    )
    digest_run._record_pending_deliveries(run)
    [batch] = digest_run._batch_new_deliveries(run, batch_size=10_000)
    return batch


def test_interrupted_run_restarted_sends_the_rest_and_nobody_twice(smtp, settings):
    people = [make_subscriber(all_topics=True) for _ in range(7)]
    make_writeup()
    settings.EMAIL_BACKEND = f"{__name__}.InterruptedBackend"
    batch = _batch_of_everyone()
    with pytest.raises(SystemExit):
        digest_batch_send(batch_id=batch.pk)
    assert len(smtp.messages) == 3
    # The fourth was in the relay's hands when the worker stopped: nobody knows if it
    # arrived, so it is in doubt and never sent again; the other three wait.
    statuses = sorted(batch.run.deliveries.values_list("status", flat=True))
    assert statuses == ["in-doubt"] + ["pending"] * 3 + ["sent"] * 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    DigestBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE)
    digest_start()
    recipients = sorted(m["To"] for m in smtp.messages)
    in_doubt = batch.run.deliveries.get(status="in-doubt").subscriber.email
    assert recipients == sorted(p.email for p in people if p.email != in_doubt)
    assert (
        sorted(batch.run.deliveries.values_list("status", flat=True)) == ["in-doubt"] + ["sent"] * 6
    )


def test_a_worker_killed_mid_send_is_not_resent(smtp):
    """A claim left in "sending" by a dead worker may already have been mailed."""
    person = make_subscriber(all_topics=True)
    other = make_subscriber(all_topics=True)
    make_writeup()
    batch = _batch_of_everyone()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    batch.deliveries.filter(subscriber=person).update(
        status=DeliveryStatus.SENDING, claimed_at=an_hour_ago
    )
    DigestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, heartbeat_at=an_hour_ago
    )
    digest_start(resume_only=True)
    assert [m["To"] for m in smtp.messages] == [other.email]
    assert batch.deliveries.get(subscriber=person).status == DeliveryStatus.IN_DOUBT
    batch.refresh_from_db()
    assert (batch.status, batch.restarts) == (BatchStatus.DONE, 1)


def test_a_live_worker_is_left_alone(smtp):
    make_subscriber(all_topics=True)
    make_writeup()
    batch = _batch_of_everyone()
    DigestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=1)
    )
    digest_start(resume_only=True)
    assert smtp.messages == []
    assert batch.deliveries.get().status == DeliveryStatus.PENDING


def test_smtp_outage_is_retried_later_and_one_bad_address_stops_nobody(smtp):
    refused = make_subscriber(all_topics=True, email="full-mailbox@example.org")
    others = [make_subscriber(all_topics=True) for _ in range(3)]
    make_writeup()
    smtp.refuse.add(refused.email)
    run = digest_start()
    assert sorted(m["To"] for m in smtp.messages) == sorted(p.email for p in others)
    delivery = run.deliveries.get(subscriber=refused)
    assert delivery.status == DeliveryStatus.RETRY
    assert "451" in delivery.last_error

    # The whole server goes down for the first retry...
    smtp.outage = True
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        digest_start()
    delivery.refresh_from_db()
    # "Try again later" is the relay's word, not the address's fault: nothing is counted.
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRY, 0)

    # ...and comes back, so the next retry (an hour later) delivers, once.
    smtp.outage = False
    smtp.refuse.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=16 + 61)):
        digest_start()
    assert len(smtp.to(refused.email)) == 1
    assert len(smtp.messages) == 4
    assert set(run.deliveries.values_list("status", flat=True)) == {"sent"}


def test_an_address_that_keeps_failing_is_marked_undeliverable(smtp):
    person = make_subscriber(all_topics=True)
    make_writeup()
    smtp.reject.add(person.email)
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        with time_machine.travel(moment):
            digest_start()
        moment += timedelta(hours=5)
    person.refresh_from_db()
    assert person.status == SubscriberStatus.UNDELIVERABLE
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    with time_machine.travel(moment + timedelta(days=7)):
        make_writeup()
        digest_start()
    assert (
        not Delivery.objects.filter(subscriber=person)
        .exclude(status=DeliveryStatus.FAILED)
        .exists()
    )


def test_batch_queries_grow_only_by_one_statement_per_message(smtp, django_assert_max_num_queries):
    """Context is fetched per batch and per distinct topic set, never per person; each
    message costs one statement, which records the last outcome and claims the next."""
    topics = ["carers", "dementia", "housing"]
    for n in range(5):
        make_writeup(tags=(topics[n % 3],), region=Region.LONDON if n % 2 else "")
    for size in (4, 40):
        Delivery.objects.all().delete()
        DigestRun.objects.all().delete()
        Subscriber.objects.all().delete()
        people = [make_subscriber(topics=(topics[n % 3],)) for n in range(size)]
        batch = _batch_of_everyone()
        smtp.clear()
        with django_assert_max_num_queries(12 + size):
            digest_batch_send(batch_id=batch.pk)
        assert len(smtp.messages) == len(people)


@pytest.mark.django_db(transaction=True)
def test_batches_run_through_the_database_worker(smtp, settings):
    """The worker closes and reopens connections, so this test commits for real."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    people = [make_subscriber(all_topics=True) for _ in range(5)]
    make_writeup(title="Worker news")
    run = digest_start(batch_size=2)
    assert run.batches_enqueued == 3
    assert smtp.messages == []  # queued, not sent, until a worker runs
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert sorted(m["To"] for m in smtp.messages) == sorted(p.email for p in people)
    assert set(run.deliveries.values_list("status", flat=True)) == {"sent"}


def test_event_notes_and_upcoming_events_join_the_digest(smtp):
    person = make_subscriber(topics=("carers",))
    only_events = make_subscriber(topics=("housing",))
    soon = timezone.now() + timedelta(days=10)
    meeting = make_event(title="Carers round table", tags=("carers",))
    make_note(event=meeting, title="What carers told us", tags=("carers",))
    make_note(event=meeting, title="Draft carers note", tags=("carers",), status="draft")
    make_note(
        event=make_event(title="Hidden event", status="draft"),
        title="Note of a draft event",
        tags=("carers",),
    )
    make_event(title="Carers summit", tags=("carers",), starts_at=soon)
    make_event(title="Housing summit", tags=("housing",), starts_at=soon)
    make_event(title="Carers in six weeks", tags=("carers",), starts_at=soon + timedelta(weeks=5))
    make_event(title="Cancelled carers day", tags=("carers",), starts_at=soon, is_cancelled=True)

    digest_start()
    [message] = smtp.to(person.email)
    text = _titles(message)
    assert "What carers told us" in text and "Event note" in text
    assert "COMING UP IN THE NEXT FOUR WEEKS" in text
    assert "Carers summit" in text and "Carers round table" in text
    for absent in [
        "Draft carers note",
        "Note of a draft event",
        "Housing summit",
        "Carers in six weeks",
        "Cancelled carers day",
    ]:
        assert absent not in text
    assert message["Subject"] == "1 new on Wheelhouse this week: What carers told us"
    # Upcoming events alone are not news: nobody is mailed just to hear about them.
    assert smtp.to(only_events.email) == []


@pytest.mark.django_db(transaction=True)
def test_failed_sends_are_retried_by_a_deferred_task_on_the_worker(smtp, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    refused = make_subscriber(all_topics=True)
    other = make_subscriber(all_topics=True)
    make_writeup()
    smtp.refuse.add(refused.email)
    run = digest_start()

    def work() -> None:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    work()
    assert [m["To"] for m in smtp.messages] == [other.email]
    work()  # the retry is deferred: nothing is due yet
    assert len(smtp.messages) == 1

    smtp.refuse.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        work()
    assert sorted(m["To"] for m in smtp.messages) == sorted([refused.email, other.email])
    assert set(run.deliveries.values_list("status", flat=True)) == {"sent"}


def test_resume_only_never_starts_a_week_but_retries_a_started_one(smtp):
    person = make_subscriber(all_topics=True)
    make_writeup()
    out = io.StringIO()
    call_command("send_weekly_digest", "--resume-only", stdout=out)
    assert "has not started" in out.getvalue()
    assert smtp.messages == [] and not DigestRun.objects.exists()

    smtp.refuse.add(person.email)
    call_command("send_weekly_digest", stdout=io.StringIO())
    smtp.refuse.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        call_command("send_weekly_digest", "--resume-only", stdout=io.StringIO())
    assert len(smtp.to(person.email)) == 1
