"""The digest against a failing relay and a killed worker, with a real SMTP server and, for
the kill, a real `db_worker` process."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stakeholders import tasks
from stakeholders.models import (
    BatchStatus,
    Delivery,
    DeliveryStatus,
    DigestBatch,
    DigestRun,
    Subscriber,
    SubscriberStatus,
)
from stakeholders.tasks import digest_start, watch_digest_run
from tests.conftest import make_writeup
from tests.smtp import SmtpSink, free_port, point_django_at
from tests.stakeholders.conftest import make_subscriber

ROOT = Path(__file__).resolve().parents[2]


class _ClosedPort:
    """An SMTP address where nothing listens: every connection is refused."""

    port = free_port()


@pytest.mark.django_db
def test_a_relay_down_for_longer_than_every_retry_marks_nobody_undeliverable(settings, client):
    """Regression: a relay refusing connections for ~5 h marked all 2,000 undeliverable."""
    people = [make_subscriber(all_topics=True) for _ in range(30)]
    make_writeup(title="News while the relay is down")
    point_django_at(settings, _ClosedPort)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        run = digest_start(batch_size=10)
    # Hourly resumes (and, on a worker, deferred retries) for six hours: every try fails.
    for half_hours in range(1, 13):
        with time_machine.travel(start + timedelta(minutes=30 * half_hours), tick=False):
            digest_start(resume_only=True)
    run.refresh_from_db()
    assert "ConnectionRefusedError" in run.relay_problem
    assert not Subscriber.objects.exclude(status=SubscriberStatus.CONFIRMED).exists()
    assert set(run.deliveries.values_list("attempts", flat=True)) == {0}
    assert not run.deliveries.filter(status=DeliveryStatus.FAILED).exists()
    client.force_login(
        __import__("django.contrib.auth")
        .contrib.auth.get_user_model()
        .objects.create_user("staff", is_staff=True)
    )
    page = client.get("/updates/staff/").content.decode()
    assert "is held up by the mail relay" in page

    with SmtpSink(port=_ClosedPort.port) as sink:
        with time_machine.travel(start + timedelta(hours=7), tick=False):
            digest_start(resume_only=True)
        assert sorted(m["To"] for m in sink.messages) == sorted(p.email for p in people)
    run.refresh_from_db()
    assert run.relay_problem == "" and run.relay_problem_since is None
    assert set(run.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert "held up by the mail relay" not in client.get("/updates/staff/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_batch_waiting_for_the_relay_retries_itself_on_the_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    people = [make_subscriber(all_topics=True) for _ in range(5)]
    make_writeup()
    point_django_at(settings, _ClosedPort)
    run = digest_start()

    def work() -> None:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    work()
    assert run.batches.get().status == "waiting"
    with SmtpSink(port=_ClosedPort.port) as sink:
        work()  # the retry is a minute away
        assert sink.messages == []
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            work()
        assert sorted(m["To"] for m in sink.messages) == sorted(p.email for p in people)


class _Killed(BaseException):
    """Where a SIGKILL lands: nothing after this point runs, and nothing is cleaned up."""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_watching_does_not_end_the_watch(settings, monkeypatch):
    """Regression: a worker killed while it ran the watcher left that task RUNNING forever,
    and nobody watched the run again until the hourly resume."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    people = [make_subscriber(all_topics=True) for _ in range(4)]
    make_writeup(title="News for everyone")
    watchers = DBTaskResult.objects.filter(task_path=watch_digest_run.module_path)
    start = timezone.now()
    with SmtpSink() as sink:
        point_django_at(settings, sink)
        with time_machine.travel(start, tick=False):
            run = digest_start(batch_size=2)
            # A worker takes a batch and dies at once: the batch stays running.
            batch = run.batches.order_by("pk").first()
            DigestBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.RUNNING, heartbeat_at=start
            )
            DBTaskResult.objects.get(pk=batch.task_id).claim("worker-killed")
        # Two minutes on, that worker's replacement runs the watcher and is killed too, while
        # it looks for dead batches.
        with time_machine.travel(start + timedelta(minutes=2), tick=False):
            watcher = watchers.get()
            watcher.claim("worker-killed-again")
            real_recover = tasks.digest_run_recover

            def killed(**kwargs):
                raise _Killed

            monkeypatch.setattr(tasks, "digest_run_recover", killed)
            with pytest.raises(_Killed):
                watch_digest_run.call(*watcher.args_kwargs["args"])
            monkeypatch.setattr(tasks, "digest_run_recover", real_recover)
        assert watchers.filter(status="READY").count() == 1, "nobody is watching the run"

        # Past the dead-worker limit, a live worker finds the next watcher: it closes the dead
        # watcher's row, hands the dead batch on, and the run finishes without a new week.
        later = start + timedelta(seconds=2 * 60 + 2 * settings.STAKEHOLDERS_DIGEST_DEAD_AFTER)
        with time_machine.travel(later, tick=False):
            call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        assert sorted(m["To"] for m in sink.messages) == sorted(p.email for p in people)
    watcher.refresh_from_db()
    assert watcher.status == "FAILED"
    assert watcher.exception_class_path.endswith("WorkerLost")
    assert "look at the digest" in watcher.traceback
    assert DBTaskResult.objects.get(pk=batch.task_id).status == "FAILED"
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert set(run.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert DigestRun.objects.count() == 1
    # The run is finished, so the watch stops within a few looks rather than going on forever.
    for looks in range(1, 4):
        with time_machine.travel(later + looks * tasks.watch_interval(), tick=False):
            call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    run.refresh_from_db()
    assert run.watch_token is None
    assert not watchers.filter(status="READY").exists()


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"]
    if host.startswith("/"):
        return (
            f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@/"
            f"{quote(db['NAME'])}?host={quote(host)}"
        )
    return (
        f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@{host}:"
        f"{db['PORT'] or 5432}/{quote(db['NAME'])}"
    )


def _worker(sink: SmtpSink) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "SITE_URL": "https://wheelhouse.example",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "0",
        "STAKEHOLDERS_DIGEST_DEAD_AFTER": "2",
        "STAKEHOLDERS_DIGEST_WATCH_EVERY": "1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("Timed out waiting for the digest")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_batch_sends_nobody_twice_and_the_batch_finishes(settings, client):
    """Regression: after kill -9 of db_worker mid-batch the task stayed RUNNING forever, its
    remaining deliveries waited a week, and all 25 claimed were marked failed."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STAKEHOLDERS_DIGEST_WATCH_EVERY = 1
    people = [make_subscriber(all_topics=True) for _ in range(240)]
    make_writeup(title="News for everyone")
    seed = random.randrange(1_000_000)
    kill_after = random.Random(seed).randint(5, 150)
    with SmtpSink() as sink:
        sink.handler.delay = 0.01  # a relay that takes its time, so the kill lands mid-batch
        point_django_at(settings, sink)
        run = digest_start(batch_size=120)
        first = _worker(sink)
        try:
            _wait_for(lambda: len(sink.messages) >= kill_after, timeout=60)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            first.kill()
        sent_before_kill = len(sink.messages)
        assert sent_before_kill < len(people), f"seed {seed}: the batch had finished"

        second = _worker(sink)
        try:
            unfinished = run.deliveries.exclude(
                status__in=[DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT]
            )
            _wait_for(lambda: not unfinished.exists(), timeout=90)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

    received = Counter(m["To"] for m in sink.messages)
    in_doubt = list(run.deliveries.filter(status=DeliveryStatus.IN_DOUBT))
    assert max(received.values()) == 1, f"seed {seed}: someone got the digest twice"
    assert len(in_doubt) <= 1, f"seed {seed}"
    missing = {p.email for p in people} - set(received)
    assert missing <= {d.subscriber.email for d in in_doubt}, f"seed {seed}"
    # Finished by the watcher and the second worker, without a new weekly run.
    assert DigestRun.objects.count() == 1
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert DBTaskResult.objects.filter(exception_class_path__endswith="WorkerLost").count() == 1
    if in_doubt:
        staff = __import__("django.contrib.auth").contrib.auth.get_user_model()
        client.force_login(staff.objects.create_user("staff", is_staff=True))
        page = client.get("/updates/staff/").content.decode()
        assert in_doubt[0].subscriber.email in page and "Digests in doubt" in page
    assert not Delivery.objects.filter(status=DeliveryStatus.FAILED).exists()
