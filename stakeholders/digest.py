"""The weekly digest, modelled on Zulip's zerver/lib/digest.py.

1. `digest_run_start` opens (or resumes) the run for a digest week, records a pending
   Delivery for every subscriber who should get one, groups them into DigestBatch rows and
   returns the batches for `stakeholders.tasks` to enqueue.
2. `digest_batch_send` handles one batch: it fetches the context for the whole batch at once
   (new items from every source, upcoming events, each subscriber's previous digest), skips
   subscribers with nothing new, and sends the rest over one SMTP connection.
3. Each Delivery moves pending -> sending (claimed and committed just before its message
   goes to the relay) -> sent / skipped / retry / failed, one at a time, so a restarted run
   sends only what is left and a killed worker leaves at most one delivery in doubt.
4. `digest_run_recover` hands back batches whose worker died and batches with retries due.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from events.models import Event, EventNote
from practice.models import WriteUp
from stakeholders.links import absolute, manage_links, recipient
from stakeholders.mail import recipient_refused, render_text
from stakeholders.mime import AlternativeEmail
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
# Twenty items fill a phone screen many times over; the rest are a click away.
MAX_ITEMS_SHOWN = 20
FIRST_DIGEST_LOOKBACK = timedelta(days=7)
# A subscriber back from a long pause gets at most four weeks of news, not a year's.
LONGEST_LOOKBACK = timedelta(days=28)
UPCOMING_WINDOW = timedelta(weeks=4)
# Permanent refusals of a recipient before the address is marked undeliverable.
MAX_ATTEMPTS = 4
FIRST_RETRY_DELAY = timedelta(minutes=15)
RELAY_DELAYS = [timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30)]


@dataclass(frozen=True)
class DigestItem:
    kind: str
    title: str
    url: str
    summary: str
    organisation: str
    region: str
    region_label: str
    tag_names: tuple[str, ...]
    tag_slugs: frozenset[str]
    published_at: datetime
    when: datetime | None = None  # start time, for events
    time_known: bool = True


# --- Sources: each returns the items of one content type, for a whole batch at once -------


def writeup_items(*, since: datetime, until: datetime) -> list[DigestItem]:
    writeups = (
        WriteUp.objects.published()
        .filter(published_at__gte=since, published_at__lt=until)
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )
    return [
        DigestItem(
            kind="Write-up",
            title=w.title,
            url=absolute(w.get_absolute_url()),
            summary=w.summary,
            organisation=w.organisation,
            region=w.region,
            region_label=w.get_region_display() if w.region else "",
            tag_names=tuple(t.name for t in w.tags.all()),
            tag_slugs=frozenset(t.slug for t in w.tags.all()),
            published_at=w.published_at,
        )
        for w in writeups
    ]


def event_note_items(*, since: datetime, until: datetime) -> list[DigestItem]:
    notes = (
        EventNote.objects.published()
        .filter(published_at__gte=since, published_at__lt=until)
        .select_related("event")
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )
    return [
        DigestItem(
            kind="Event note",
            title=n.title,
            url=absolute(n.get_absolute_url()),
            summary=n.summary,
            organisation=n.organisation,
            region=n.event.region,
            region_label=n.event.get_region_display() if n.event.region else "",
            tag_names=tuple(t.name for t in n.tags.all()),
            tag_slugs=frozenset(t.slug for t in n.tags.all()),
            published_at=n.published_at,
        )
        for n in notes
    ]


def upcoming_event_items(*, start: datetime, end: datetime) -> list[DigestItem]:
    """Published, not cancelled events that start within the window."""
    events = (
        Event.objects.upcoming(start)
        .not_cancelled()
        .filter(starts_at__lt=end)
        .prefetch_related("tags")
    )
    return [
        DigestItem(
            kind="Event",
            title=e.title,
            url=absolute(e.get_absolute_url()),
            summary="",
            organisation=e.organiser,
            region=e.region,
            region_label=e.get_region_display() if e.region else "",
            tag_names=tuple(t.name for t in e.tags.all()),
            tag_slugs=frozenset(t.slug for t in e.tags.all()),
            published_at=e.published_at or start,
            when=e.starts_at,
            time_known=e.time_recorded,
        )
        for e in events
    ]


NewItemSource = Callable[..., list[DigestItem]]
UpcomingSource = Callable[..., list[DigestItem]]
# New content types join the digest by adding a source function here.
NEW_ITEM_SOURCES: list[NewItemSource] = [writeup_items, event_note_items]
UPCOMING_SOURCES: list[UpcomingSource] = [upcoming_event_items]


def new_items(*, since: datetime, until: datetime) -> list[DigestItem]:
    items = [item for source in NEW_ITEM_SOURCES for item in source(since=since, until=until)]
    return sorted(items, key=lambda item: item.published_at, reverse=True)


def upcoming_items(*, start: datetime, end: datetime) -> list[DigestItem]:
    items = [item for source in UPCOMING_SOURCES for item in source(start=start, end=end)]
    return sorted(items, key=lambda item: item.when or item.published_at)


# --- Choosing what one subscriber gets ----------------------------------------------------


@dataclass(frozen=True)
class Interests:
    """Everything that decides a digest's items; subscribers who share it share the work."""

    since: datetime
    all_topics: bool
    topics: frozenset[str]
    region: str

    def wants(self, item: DigestItem) -> bool:
        return self.all_topics or bool(item.tag_slugs & self.topics)


@dataclass
class DigestContent:
    items: list[DigestItem]
    upcoming: list[DigestItem]
    total_new: int
    html_items: SafeString | str = ""
    text_items: str = ""
    html_upcoming: SafeString | str = ""
    text_upcoming: str = ""

    @property
    def is_empty(self) -> bool:
        return self.total_new == 0


def choose_items(
    interests: Interests, items: Sequence[DigestItem], upcoming: Sequence[DigestItem]
) -> DigestContent:
    chosen = [i for i in items if i.published_at >= interests.since and interests.wants(i)]
    # Stable sort: the subscriber's region first, newest first within each group.
    chosen.sort(key=lambda i: not (interests.region and i.region == interests.region))
    events = [e for e in upcoming if interests.wants(e)]
    events.sort(key=lambda e: not (interests.region and e.region == interests.region))
    return DigestContent(
        items=chosen[:MAX_ITEMS_SHOWN], upcoming=events[:10], total_new=len(chosen)
    )


def interests_for(subscriber: Subscriber, *, since: datetime) -> Interests:
    return Interests(
        since=since,
        all_topics=subscriber.all_topics,
        topics=frozenset(subscriber.topics),
        region=subscriber.region,
    )


def digest_since(*, previous_cutoff: datetime | None, cutoff: datetime) -> datetime:
    since = previous_cutoff or cutoff - FIRST_DIGEST_LOOKBACK
    return max(since, cutoff - LONGEST_LOOKBACK)


# --- Rendering ------------------------------------------------------------------------------


class ItemRenderer:
    """Renders each item once (plain and highlighted for its region) and joins the pieces
    per subscriber: across a batch, many people share each item but few share a whole list."""

    def __init__(self) -> None:
        self._cache: dict[tuple[DigestItem, bool, bool], tuple[str, str]] = {}

    def _piece(self, item: DigestItem, *, highlighted: bool, upcoming: bool) -> tuple[str, str]:
        key = (item, highlighted, upcoming)
        if key not in self._cache:
            name = "digest_event" if upcoming else "digest_item"
            context = {"item": item, "highlighted": highlighted}
            self._cache[key] = (
                render_to_string(f"emails/{name}.html", context),
                render_text(f"emails/{name}.txt", context),
            )
        return self._cache[key]

    def render(self, content: DigestContent, interests: Interests) -> None:
        def pieces(items: list[DigestItem], *, upcoming: bool) -> list[tuple[str, str]]:
            return [
                self._piece(
                    i,
                    highlighted=bool(interests.region) and i.region == interests.region,
                    upcoming=upcoming,
                )
                for i in items
            ]

        new = pieces(content.items, upcoming=False)
        soon = pieces(content.upcoming, upcoming=True)
        # Each HTML piece comes from an autoescaped template, so their join is safe HTML.
        content.html_items = mark_safe("".join(html for html, _ in new))  # noqa: S308
        content.text_items = "".join(text for _, text in new)
        content.html_upcoming = mark_safe("".join(html for html, _ in soon))  # noqa: S308
        content.text_upcoming = "".join(text for _, text in soon)


def digest_message(
    subscriber: Subscriber, content: DigestContent, *, week, connection=None
) -> AlternativeEmail:
    links = manage_links(subscriber)
    context = {
        "SITE_URL": settings.SITE_URL,
        "subscriber": subscriber,
        "content": content,
        "top": content.items[0] if content.items else None,
        "week": week,
        **links,
    }
    subject = " ".join(render_text("emails/digest.subject.txt", context).split())
    message = AlternativeEmail(
        subject=subject,
        body=render_text("emails/digest.txt", context),
        to=[recipient(subscriber)],
        connection=connection,
        headers={
            # RFC 8058: mail clients show an unsubscribe button that POSTs to the https URL.
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>, <{links['unsubscribe_mailto']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Wheelhouse weekly digest <digest.{settings.STAKEHOLDERS_MAIL_DOMAIN}>",
            "Auto-Submitted": "auto-generated",
            # The same id for the same week and person: a receiving server can drop a copy.
            "Message-ID": f"<digest-{week:%Y%m%d}-{subscriber.pk}@"
            f"{settings.STAKEHOLDERS_MAIL_DOMAIN}>",
        },
    )
    message.attach_alternative(render_to_string("emails/digest.html", context), "text/html")
    return message


def digest_preview(*, subscriber: Subscriber, now: datetime | None = None):
    """The digest `subscriber` would get if this week's run started now (for staff)."""
    now = now or timezone.now()
    previous = (
        Delivery.objects.filter(
            subscriber=subscriber,
            status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED],
            run__week__lt=DigestRun.week_of(now),
        )
        .aggregate(last=Max("run__cutoff"))
        .get("last")
    )
    interests = interests_for(subscriber, since=digest_since(previous_cutoff=previous, cutoff=now))
    content = choose_items(
        interests,
        new_items(since=interests.since, until=now),
        upcoming_items(start=now, end=now + UPCOMING_WINDOW),
    )
    if content.is_empty:
        return content, None
    ItemRenderer().render(content, interests)
    return content, digest_message(subscriber, content, week=DigestRun.week_of(now))


# --- The run --------------------------------------------------------------------------------


@dataclass
class BatchReport:
    sent: int = 0
    skipped: int = 0
    retry: int = 0
    failed: int = 0
    in_doubt: int = 0
    left_alone: int = 0
    relay_problem: str = ""
    next_retry_at: datetime | None = None

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "retry": self.retry,
            "failed": self.failed,
            "in_doubt": self.in_doubt,
            "left_alone": self.left_alone,
            "relay_problem": self.relay_problem,
        }

    def retry_at(self, moment: datetime) -> None:
        if self.next_retry_at is None or moment < self.next_retry_at:
            self.next_retry_at = moment


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


def retry_delay(attempts: int) -> timedelta:
    """After the recipient was refused: 15 minutes, then an hour, then four hours."""
    return FIRST_RETRY_DELAY * (4 ** max(attempts - 1, 0))


def relay_delay(waits: int) -> timedelta:
    """After the relay failed (refused, timed out, dropped the connection): soon at first,
    then every half hour for as long as it takes."""
    return RELAY_DELAYS[min(waits, len(RELAY_DELAYS) - 1)]


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
        sender = _Sender(batch, report)
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


@dataclass
class _Outcome:
    delivery_id: int
    status: str
    attempts: int
    finished_at: datetime | None = None
    item_count: int = 0
    last_error: str = ""
    next_attempt_at: datetime | None = None


class _Sender:
    """Sends a batch's messages over one SMTP connection, one delivery at a time.

    Each delivery is claimed ("sending", committed) just before its message goes to the
    relay, and its outcome is written with the next one's claim, in one statement. So at
    any moment at most one of a worker's deliveries is "sending": a worker killed outright
    leaves at most one message whose fate nobody knows, and everything else is either
    recorded as sent or still due.
    """

    def __init__(self, batch: DigestBatch, report: BatchReport) -> None:
        self.batch = batch
        self.run = batch.run
        self.report = report
        self.connection = get_connection()
        self.unrecorded: _Outcome | None = None
        self.undeliverable: list[int] = []
        self.relay_was_down = bool(self.run.relay_problem)
        self.heartbeat = timezone.now()
        self.heartbeat_every = dead_after() / 10

    def send(self, delivery: Delivery, content: DigestContent) -> bool:
        """Send one message; False when the relay failed and the batch should wait."""
        message = digest_message(
            delivery.subscriber, content, week=self.run.week, connection=self.connection
        )
        now = timezone.now()
        if not self._step(claim=delivery.pk, now=now):
            self.report.left_alone += 1  # another worker has it, or it is no longer due
            return True
        handed_over = False
        try:
            # A no-op while the connection is open; reconnects after a failure.
            self.connection.open()
            handed_over = True
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
            return self._failed(delivery, error)
        except BaseException:
            # Interrupted (a second Ctrl+C, SIGTERM's exit): a message handed to the relay
            # may have arrived; one that never left goes back to waiting.
            self.unrecorded = (
                _Outcome(delivery.pk, DeliveryStatus.IN_DOUBT, delivery.attempts, now)
                if handed_over
                else _Outcome(delivery.pk, DeliveryStatus.PENDING, delivery.attempts)
            )
            if handed_over:
                self.report.in_doubt += 1
            raise
        finished = timezone.now()
        self.unrecorded = _Outcome(
            delivery.pk, DeliveryStatus.SENT, delivery.attempts, finished, content.total_new
        )
        self.report.sent += 1
        if self.relay_was_down or self.batch.relay_waits:
            self._relay_back()
        return True

    def _failed(self, delivery: Delivery, error: BaseException) -> bool:
        now = timezone.now()
        reason = f"{type(error).__name__}: {error}"[:300]
        logger.warning("Digest to subscriber %s failed: %s", delivery.subscriber_id, reason)
        if recipient_refused(error):
            # The relay said no to this address for good: this counts against it.
            attempts = delivery.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                self.unrecorded = _Outcome(
                    delivery.pk, DeliveryStatus.FAILED, attempts, now, last_error=reason
                )
                self.undeliverable.append(delivery.subscriber_id)
                self.report.failed += 1
                return True
            retry = now + retry_delay(attempts)
        elif isinstance(error, smtplib.SMTPRecipientsRefused):
            # "Try again later" for this address (greylisting, a full mailbox): the relay's
            # word, not a refusal; the others in the batch carry on.
            attempts, retry = delivery.attempts, now + FIRST_RETRY_DELAY
        else:
            # The relay itself failed: nobody is counted, and the batch waits for it.
            attempts, retry = delivery.attempts, now + relay_delay(self.batch.relay_waits)
            self._relay_down(reason, now=now)
        self.unrecorded = _Outcome(
            delivery.pk, DeliveryStatus.RETRY, attempts, last_error=reason, next_attempt_at=retry
        )
        self.report.retry += 1
        self.report.retry_at(retry)
        return self.report.relay_problem == ""

    def _relay_down(self, reason: str, *, now: datetime) -> None:
        self.report.relay_problem = reason
        self.batch.relay_waits += 1
        DigestBatch.objects.filter(pk=self.batch.pk).update(relay_waits=self.batch.relay_waits)
        DigestRun.objects.filter(pk=self.run.pk).update(
            relay_problem=reason,
            relay_problem_since=Coalesce(F("relay_problem_since"), Value(now)),
        )

    def _relay_back(self) -> None:
        self.relay_was_down = False
        self.batch.relay_waits = 0
        DigestBatch.objects.filter(pk=self.batch.pk).update(relay_waits=0)
        DigestRun.objects.filter(pk=self.run.pk).update(relay_problem="", relay_problem_since=None)

    def _step(self, *, claim: int | None, now: datetime) -> bool:
        """Record the previous outcome and claim the next delivery, in one committed
        statement; True if the claim was won."""
        outcome, self.unrecorded = self.unrecorded, None
        if now - self.heartbeat >= self.heartbeat_every:
            self.heartbeat = now
            DigestBatch.objects.filter(pk=self.batch.pk).update(heartbeat_at=now)
        if outcome is None and claim is None:
            return False
        o = outcome or _Outcome(delivery_id=0, status="", attempts=0)
        with db_connection.cursor() as cursor:
            cursor.execute(
                _STEP_SQL,
                {
                    "record": outcome.delivery_id if outcome else None,
                    "status": o.status,
                    "attempts": o.attempts,
                    "finished_at": o.finished_at,
                    "item_count": o.item_count,
                    "last_error": o.last_error,
                    "next_attempt_at": o.next_attempt_at,
                    "claim": claim,
                    "batch": self.batch.pk,
                    "now": now,
                    "sending": DeliveryStatus.SENDING,
                    "in_doubt": DeliveryStatus.IN_DOUBT,
                    "pending": DeliveryStatus.PENDING,
                    "retry": DeliveryStatus.RETRY,
                    "confirmed": SubscriberStatus.CONFIRMED,
                },
            )
            return cursor.fetchone()[0] == 1

    def close(self) -> None:
        """Record the last outcome; runs even when the worker is interrupted."""
        try:
            self._step(claim=None, now=timezone.now())
            if self.undeliverable:
                Subscriber.objects.filter(
                    pk__in=self.undeliverable, status=SubscriberStatus.CONFIRMED
                ).update(status=SubscriberStatus.UNDELIVERABLE)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()


# The previous delivery's outcome (only if this batch still holds it: "sending", or "in
# doubt" if a watcher gave up on a slow but live worker) and the next one's claim (only if
# it is still due and its subscriber still receives the digest).
_STEP_SQL = f"""
WITH recorded AS (
    UPDATE {Delivery._meta.db_table}
    SET status = %(status)s, attempts = %(attempts)s, finished_at = %(finished_at)s,
        item_count = %(item_count)s, last_error = %(last_error)s,
        next_attempt_at = %(next_attempt_at)s,
        claimed_at = CASE WHEN %(status)s = %(pending)s THEN NULL ELSE claimed_at END
    WHERE id = %(record)s AND batch_id = %(batch)s AND status IN (%(sending)s, %(in_doubt)s)
    RETURNING id
), claimed AS (
    UPDATE {Delivery._meta.db_table} AS d
    SET status = %(sending)s, claimed_at = %(now)s
    WHERE d.id = %(claim)s AND d.batch_id = %(batch)s
      AND (d.status = %(pending)s OR (d.status = %(retry)s AND d.next_attempt_at <= %(now)s))
      AND EXISTS (
          SELECT 1 FROM {Subscriber._meta.db_table} AS s
          WHERE s.id = d.subscriber_id AND s.status = %(confirmed)s AND NOT s.paused
      )
    RETURNING id
)
SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM recorded)
"""  # noqa: S608 - table names come from model metadata, values are parameters
