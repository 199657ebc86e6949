"""One batch: the context for all its subscribers at once, then their messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from stakeholders.digest.content import (
    UPCOMING_WINDOW,
    DigestContent,
    Interests,
    ItemRenderer,
    choose_items,
    digest_since,
    interests_for,
)
from stakeholders.digest.delivery import BatchReport, Sender
from stakeholders.digest.sources import new_items, upcoming_items
from stakeholders.models import (
    BatchStatus,
    Delivery,
    DeliveryStatus,
    DigestBatch,
    DigestRun,
    Subscriber,
    SubscriberStatus,
)


def _previous_cutoffs(run: DigestRun, subscriber_ids: Sequence[int]) -> dict[int, datetime]:
    rows = (
        Delivery.objects.filter(
            subscriber_id__in=subscriber_ids,
            status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED],
            run__week__lt=run.week,
        )
        .values("subscriber_id")
        .annotate(last=Max("run__cutoff"))
    )
    return {row["subscriber_id"]: row["last"] for row in rows}


def _still_receiving(subscriber: Subscriber) -> bool:
    return subscriber.status == SubscriberStatus.CONFIRMED and not subscriber.paused


def digest_batch_send(
    *, batch_id: int, now: datetime | None = None, can_defer: bool = True
) -> BatchReport:
    """Send one batch. `can_defer` says whether the caller will run the batch again at
    `report.next_retry_at`; if not, retries are left for the next resume."""
    now = now or timezone.now()
    report = BatchReport()
    batch = DigestBatch.objects.select_related("run").get(pk=batch_id)
    run = batch.run
    if DigestRun.objects.filter(week__gt=run.week).exists():
        # A newer week has started: what is left of this one rolls into it.
        DigestBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE)
        return report
    DigestBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, heartbeat_at=now)
    deliveries = list(
        Delivery.objects.due(now=now)
        .filter(batch=batch)
        .select_related("subscriber")
        .order_by("subscriber_id")
    )
    gone = [d for d in deliveries if not _still_receiving(d.subscriber)]
    if gone:
        # Unsubscribed, paused or erased since the run started: recorded, never mailed.
        report.skipped += Delivery.objects.filter(
            pk__in=[d.pk for d in gone], status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY]
        ).update(status=DeliveryStatus.SKIPPED, finished_at=now, last_error="No longer subscribed.")
        deliveries = [d for d in deliveries if _still_receiving(d.subscriber)]

    planned = _plan(run, deliveries, report, now=now) if deliveries else []
    if planned:
        sender = Sender(batch, report)
        try:
            for delivery, content in planned:
                if not sender.send(delivery, content):
                    break
        finally:
            sender.close()

    waiting = can_defer and report.next_retry_at is not None
    DigestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.WAITING if waiting else BatchStatus.DONE,
        retry_at=report.next_retry_at if waiting else None,
        heartbeat_at=timezone.now(),
    )
    return report


def _plan(
    run: DigestRun, deliveries: list[Delivery], report: BatchReport, *, now: datetime
) -> list[tuple[Delivery, DigestContent]]:
    """The context for the whole batch at once (one read per source, not per subscriber);
    subscribers who share topics, region and "since" share the chosen, rendered items.
    Those with nothing new are recorded as skipped."""
    previous = _previous_cutoffs(run, [d.subscriber_id for d in deliveries])
    sinces = {
        d.pk: digest_since(previous_cutoff=previous.get(d.subscriber_id), cutoff=run.cutoff)
        for d in deliveries
    }
    items = new_items(since=min(sinces.values()), until=run.cutoff)
    upcoming = upcoming_items(start=run.cutoff, end=run.cutoff + UPCOMING_WINDOW)

    contents: dict[Interests, DigestContent] = {}
    renderer = ItemRenderer()
    planned: list[tuple[Delivery, DigestContent]] = []
    nothing_new: list[Delivery] = []
    for delivery in deliveries:
        interests = interests_for(delivery.subscriber, since=sinces[delivery.pk])
        content = contents.get(interests)
        if content is None:
            content = choose_items(interests, items, upcoming)
            if not content.is_empty:
                renderer.render(content, interests)
            contents[interests] = content
        if content.is_empty:
            nothing_new.append(delivery)
        else:
            planned.append((delivery, content))
    if nothing_new:
        report.skipped += Delivery.objects.filter(
            pk__in=[d.pk for d in nothing_new], status=DeliveryStatus.PENDING
        ).update(status=DeliveryStatus.SKIPPED, finished_at=now)
    return planned
