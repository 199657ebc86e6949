"""Background work: thin tasks around the stakeholder services, so a command, a worker and
a test all run the same code. Every email Wheelhouse sends leaves from here."""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from stakeholders.digest.batch import digest_batch_send
from stakeholders.digest.run import (
    BATCH_SIZE,
    dead_after,
    digest_run_recover,
    digest_run_start,
    digest_run_unfinished,
)
from stakeholders.mail import (
    LinkReason,
    recipient_refused,
    review_mail_send,
    review_mails_anyone,
    subscription_mail_send,
)
from stakeholders.models import BatchStatus, DigestBatch, DigestRun
from stakeholders.retention import subscribers_purge_unconfirmed

logger = logging.getLogger(__name__)

# A confirmation link should arrive within minutes, but a relay outage must not lose it:
# retried for about a day, quickly at first.
MAIL_RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 120, 240, 480, 720)]


def digest_start(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, resume_only: bool = False
) -> DigestRun | None:
    """Start or resume this week's digest (see `digest_run_start`) and enqueue its batches,
    with a watcher that picks up batches whose worker dies."""
    run, batches = digest_run_start(now=now, batch_size=batch_size, resume_only=resume_only)
    if run is None:
        return None
    _enqueue_batches(batches)
    _arm_watcher(run)
    return run


def _enqueue_batches(batches: list[DigestBatch]) -> None:
    for batch in batches:
        result = send_digest_batch.enqueue(batch.pk)
        DigestBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id)[:64])


@task()
def send_digest_batch(batch_id: int) -> dict:
    can_defer = send_digest_batch.get_backend().supports_defer
    try:
        report = digest_batch_send(batch_id=batch_id, can_defer=can_defer)
    except (KeyboardInterrupt, SystemExit):
        # The worker is being stopped: what was sent is recorded, and the rest of the batch
        # goes straight back on the queue for the next worker.
        DigestBatch.objects.filter(pk=batch_id).update(status=BatchStatus.QUEUED)
        send_digest_batch.enqueue(batch_id)
        raise
    if report.next_retry_at and can_defer:
        send_digest_batch.using(run_after=report.next_retry_at).enqueue(batch_id)
    return report.as_dict()


def watch_interval() -> timedelta:
    return timedelta(seconds=settings.STAKEHOLDERS_DIGEST_WATCH_EVERY)


def _arm_watcher(run: DigestRun) -> uuid.UUID | None:
    """Schedule a look at the run a little later. Each arming replaces the previous watcher
    (only the newest token re-arms), so hourly resumes never multiply them."""
    if not watch_digest_run.get_backend().supports_defer:
        return None  # the hourly `send_weekly_digest --resume-only` recovers instead
    token = uuid.uuid4()
    DigestRun.objects.filter(pk=run.pk).update(watch_token=token)
    watch_digest_run.using(run_after=timezone.now() + watch_interval()).enqueue(run.pk, str(token))
    return token


@task()
def watch_digest_run(run_id: int, token: str) -> int:
    """Hand batches whose worker died (killed outright, power lost) to the next worker,
    and keep watching while the run has work left. A killed worker's task row is closed
    as failed so it does not look like it is still running.

    The next watcher is armed before this one does anything, so a worker killed while
    watching cannot end the chain: its successor closes its row and carries on. When the
    run turns out to be finished, the successor is disarmed (it finds its token replaced
    and does nothing)."""
    run = DigestRun.objects.filter(pk=run_id, watch_token=token).first()
    if run is None:
        return 0  # a newer watcher has taken over
    successor = _arm_watcher(run)
    _close_lost_watchers()
    batches = digest_run_recover(run=run)
    _close_lost_tasks([b.task_id for b in batches if b.task_id])
    _enqueue_batches(batches)
    if successor and not digest_run_unfinished(run.pk):
        DigestRun.objects.filter(pk=run.pk, watch_token=successor).update(watch_token=None)
    return len(batches)


def _lost_task_rows():
    """Task rows of the database backend still marked running, or None on other backends
    (whose workers keep their own books)."""
    backend = send_digest_batch.get_backend()
    if type(backend).__module__ != "django_tasks_db.backend":
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="RUNNING")


def _close_lost_tasks(task_ids: list[str]) -> None:
    rows = _lost_task_rows()
    if task_ids and rows is not None:
        _close_as_lost(rows.filter(id__in=task_ids), "this batch")


def _close_lost_watchers() -> None:
    """A watcher takes milliseconds; one still running after the dead-batch limit died with
    its worker (the watcher calling this started just now, so it is never among them)."""
    rows = _lost_task_rows()
    if rows is not None:
        stale = timezone.now() - dead_after()
        _close_as_lost(
            rows.filter(task_path=watch_digest_run.module_path, started_at__lt=stale),
            "this look at the digest",
        )


def _close_as_lost(rows, what: str) -> None:
    rows.update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="stakeholders.tasks.WorkerLost",
        traceback=f"The worker running {what} stopped without finishing it (killed or lost "
        "power). The work was handed to another worker.",
    )


@task()
def send_subscription_mail(subscriber_id: int | None, reason: str, attempt: int = 0) -> str:
    try:
        return subscription_mail_send(subscriber_id=subscriber_id, reason=LinkReason(reason))
    except (smtplib.SMTPException, OSError) as error:
        retryable = not recipient_refused(error) and attempt < len(MAIL_RETRY_DELAYS)
        if not retryable or not send_subscription_mail.get_backend().supports_defer:
            raise
        logger.warning("Subscription mail held up by the relay (%s); retrying.", error)
        send_subscription_mail.using(run_after=timezone.now() + MAIL_RETRY_DELAYS[attempt]).enqueue(
            subscriber_id, reason, attempt + 1
        )
        return f"retrying: {type(error).__name__}"


@task()
def purge_unconfirmed_subscribers() -> int:
    return subscribers_purge_unconfirmed()


@task()
def send_review_mail(transition_id: int) -> int:
    return review_mail_send(transition_id=transition_id)


def review_mail_enqueue(sender, transition, **kwargs) -> None:
    """Connected to practice.workflow.transitioned (stakeholders/apps.py): after the commit
    that recorded the transition, the worker sends the mail. Only the steps of a review
    mail anyone (review_mails_anyone)."""
    if not review_mails_anyone(transition):
        return
    transition_id = transition.pk
    transaction.on_commit(lambda: send_review_mail.enqueue(transition_id), robust=True)
