"""Opening a week's run, grouping its deliveries into batches, and recovering batches whose
worker died. `stakeholders.tasks` enqueues what these return."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from stakeholders.models import (
    BatchStatus,
    Delivery,
    DeliveryStatus,
    DigestBatch,
    DigestRun,
    Subscriber,
    SubscriberStatus,
)

logger = logging.getLogger(__name__)

# A batch is one task: big enough that fetching its context costs little per person, small
# enough that several workers share a run and a crash redoes little work.
BATCH_SIZE = 500


def dead_after() -> timedelta:
    """A running batch whose heart has not beaten for this long belongs to a dead worker.
    One message takes at most a few of EMAIL_TIMEOUT's 30 seconds, and the heart beats
    between messages, so five minutes never catches a live worker."""
    return timedelta(seconds=settings.STAKEHOLDERS_DIGEST_DEAD_AFTER)


def digest_run_start(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, resume_only: bool = False
) -> tuple[DigestRun | None, list[DigestBatch]]:
    """Open this week's run (or resume it) and return the batches to enqueue.

    Starting twice in a week reuses the run: deliveries already sent or skipped are never
    sent again, newly confirmed subscribers are added in new batches, and batches that died
    with their worker or ended with retries due are handed back. With `resume_only`, a week
    whose run has not started yet is left alone (None), so an hourly retry job never starts
    the digest before its chosen time.
    """
    now = now or timezone.now()
    week = DigestRun.week_of(now)
    with transaction.atomic():
        if resume_only:
            run = DigestRun.objects.filter(week=week).first()
            if run is None:
                return None, []
        else:
            run, _created = DigestRun.objects.get_or_create(week=week, defaults={"cutoff": now})
        _record_pending_deliveries(run)
        batches = _batch_new_deliveries(run, batch_size)
    batches += digest_run_recover(run=run, now=now)
    DigestRun.objects.filter(pk=run.pk).update(
        batches_enqueued=F("batches_enqueued") + len(batches)
    )
    run.refresh_from_db()
    return run, batches


def _record_pending_deliveries(run: DigestRun) -> None:
    """One INSERT ... SELECT for every receiving subscriber; the unique (run, subscriber)
    constraint turns a second start into a no-op for those already recorded."""
    delivery = Delivery._meta.db_table
    subscriber = Subscriber._meta.db_table
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {delivery} (run_id, subscriber_id, status, attempts, item_count,
                                    last_error)
            SELECT %s, s.id, %s, 0, 0, ''
            FROM {subscriber} s
            WHERE s.status = %s AND NOT s.paused
            ON CONFLICT (run_id, subscriber_id) DO NOTHING
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [run.pk, DeliveryStatus.PENDING, SubscriberStatus.CONFIRMED],
        )


def _batch_new_deliveries(run: DigestRun, batch_size: int) -> list[DigestBatch]:
    """Deliveries not yet in a batch, in batches of `batch_size` by subscriber id."""
    ids = list(
        run.deliveries.filter(batch__isnull=True, status=DeliveryStatus.PENDING)
        .order_by("subscriber_id")
        .values_list("pk", flat=True)
    )
    if not ids:
        return []
    batches = DigestBatch.objects.bulk_create(
        [DigestBatch(run=run) for _ in range(0, len(ids), batch_size)]
    )
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Delivery._meta.db_table} AS d SET batch_id = v.batch_id
            FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, batch_id)
            WHERE d.id = v.id
            """,  # noqa: S608 - the table name comes from model metadata
            [ids, [batches[n // batch_size].pk for n in range(len(ids))]],
        )
    return batches


def digest_run_recover(*, run: DigestRun, now: datetime | None = None) -> list[DigestBatch]:
    """Batches to hand to a worker again: those whose worker died (their heart stopped),
    and idle ones with deliveries due (retries after a relay outage on a backend that cannot
    defer tasks, or a deferred task that was lost).

    A delivery a dead worker had handed to the relay may or may not have arrived: it is
    marked in doubt, listed for staff, and never sent again, so nobody gets it twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        dead = list(
            DigestBatch.objects.select_for_update(skip_locked=True).filter(
                run=run, status=BatchStatus.RUNNING, heartbeat_at__lt=now - dead_after()
            )
        )
        doubt = Q(batch__in=dead) | Q(batch__isnull=True, claimed_at__lt=now - dead_after())
        Delivery.objects.filter(doubt, run=run, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.IN_DOUBT,
            finished_at=now,
            last_error="The worker stopped while sending this; it may or may not have "
            "arrived, so it is not sent again.",
        )
        due = Delivery.objects.due(now=now).filter(batch=OuterRef("pk"))
        lost = Q(status=BatchStatus.DONE) | Q(
            status=BatchStatus.WAITING, retry_at__lt=now - dead_after()
        )
        idle = list(
            DigestBatch.objects.select_for_update(skip_locked=True)
            .filter(lost, run=run)
            .filter(Exists(due))
        )
        batches = dead + idle
        DigestBatch.objects.filter(pk__in=[b.pk for b in batches]).update(
            status=BatchStatus.QUEUED, heartbeat_at=None, retry_at=None
        )
        DigestBatch.objects.filter(pk__in=[b.pk for b in dead]).update(restarts=F("restarts") + 1)
    for batch in dead:
        logger.warning("Digest batch %s lost its worker; it is queued again.", batch.pk)
    return batches


def digest_run_unfinished(run_id: int) -> bool:
    return DigestBatch.objects.filter(run_id=run_id).exclude(status=BatchStatus.DONE).exists()
