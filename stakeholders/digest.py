"""The weekly digest, modelled on Zulip's zerver/lib/digest.py.

1. `digest_run_start` opens (or resumes) the run for a digest week, records a pending
   Delivery for every subscriber who should get one, and enqueues batches of subscriber ids.
2. `digest_batch_send` handles one batch: it fetches the context for the whole batch at once
   (new items from every source, upcoming events, each subscriber's previous digest), skips
   subscribers with nothing new, and sends the rest over one SMTP connection.
3. Each Delivery moves pending -> sending (claimed in a transaction before any mail leaves)
   -> sent / skipped / retry / failed, so a restarted run sends only what is left.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from events.models import Event, EventNote
from practice.models import WriteUp
from stakeholders.links import absolute, manage_links, recipient
from stakeholders.mail import render_text
from stakeholders.mime import AlternativeEmail
from stakeholders.models import (
    Delivery,
    DeliveryStatus,
    DigestRun,
    Subscriber,
    SubscriberStatus,
)

logger = logging.getLogger(__name__)

# A batch is one task: big enough that fetching its context costs little per person, small
# enough that several workers share a run and a crash redoes little work.
BATCH_SIZE = 500
# Deliveries are claimed and recorded this many at a time: a killed worker leaves at most
# this many in "sending", and the database sees two writes per chunk rather than per mail.
CLAIM_CHUNK = 25
# Twenty items fill a phone screen many times over; the rest are a click away.
MAX_ITEMS_SHOWN = 20
FIRST_DIGEST_LOOKBACK = timedelta(days=7)
# A subscriber back from a long pause gets at most four weeks of news, not a year's.
LONGEST_LOOKBACK = timedelta(days=28)
UPCOMING_WINDOW = timedelta(weeks=4)
MAX_ATTEMPTS = 4
FIRST_RETRY_DELAY = timedelta(minutes=15)
# A "sending" claim older than this belongs to a worker that died mid-chunk.
STALE_CLAIM = timedelta(minutes=30)


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
    left_alone: int = 0
    retry_subscriber_ids: list[int] = field(default_factory=list)
    next_retry_at: datetime | None = None

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "retry": self.retry,
            "failed": self.failed,
            "left_alone": self.left_alone,
        }


def _batches(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def digest_run_start(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, resume_only: bool = False
) -> DigestRun | None:
    """Open this week's run (or resume it) and enqueue every delivery still to do.

    Starting twice in a week reuses the run: deliveries already sent or skipped are never
    enqueued again, and newly confirmed subscribers are added. With `resume_only`, a week
    whose run has not started yet is left alone (and None returned), so an hourly retry
    job never starts the digest before its chosen time.
    """
    from stakeholders.tasks import send_digest_batch

    now = now or timezone.now()
    week = DigestRun.week_of(now)
    with transaction.atomic():
        if resume_only:
            run = DigestRun.objects.filter(week=week).first()
            if run is None:
                return None
        else:
            run, _created = DigestRun.objects.get_or_create(week=week, defaults={"cutoff": now})
        _record_pending_deliveries(run)
        _give_up_on_stale_claims(run, now=now)
    subscriber_ids = list(
        Delivery.objects.due(now=now)
        .filter(run=run)
        .order_by("subscriber_id")
        .values_list("subscriber_id", flat=True)
    )
    batches = list(_batches(subscriber_ids, batch_size))
    DigestRun.objects.filter(pk=run.pk).update(
        batches_enqueued=F("batches_enqueued") + len(batches)
    )
    # Enqueued after the rows are committed, so a worker never looks for a missing delivery.
    for ids in batches:
        send_digest_batch.enqueue(run_id=run.pk, subscriber_ids=ids)
    run.refresh_from_db()
    return run


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


def _give_up_on_stale_claims(run: DigestRun, *, now: datetime) -> None:
    """A worker killed mid-chunk leaves deliveries in "sending": some of those mails left,
    some did not, and nothing says which. Sending them again could mail someone twice, so
    they are recorded as failed with the reason; their items roll into next week's digest
    because only sent or skipped weeks move a subscriber's "since"."""
    Delivery.objects.filter(
        run=run, status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(
        status=DeliveryStatus.FAILED,
        finished_at=now,
        last_error="Worker stopped mid-send; not resent to avoid a duplicate.",
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


def retry_delay(attempts: int) -> timedelta:
    """15 minutes, then an hour, then four hours."""
    return FIRST_RETRY_DELAY * (4 ** max(attempts - 1, 0))


def digest_batch_send(
    *, run_id: int, subscriber_ids: Sequence[int], now: datetime | None = None
) -> BatchReport:
    now = now or timezone.now()
    report = BatchReport()
    run = DigestRun.objects.get(pk=run_id)
    deliveries = list(
        Delivery.objects.due(now=now)
        .filter(run=run, subscriber_id__in=subscriber_ids)
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
    if not deliveries:
        return report

    # The context for the whole batch at once: one read per source, not per subscriber.
    previous = _previous_cutoffs(run, [d.subscriber_id for d in deliveries])
    sinces = {
        d.pk: digest_since(previous_cutoff=previous.get(d.subscriber_id), cutoff=run.cutoff)
        for d in deliveries
    }
    items = new_items(since=min(sinces.values()), until=run.cutoff)
    upcoming = upcoming_items(start=run.cutoff, end=run.cutoff + UPCOMING_WINDOW)

    # Subscribers who share topics, region and "since" share the same chosen, rendered items.
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
            pk__in=[d.pk for d in nothing_new], status__in=[DeliveryStatus.PENDING]
        ).update(status=DeliveryStatus.SKIPPED, finished_at=now)

    connection = get_connection()
    try:
        for start in range(0, len(planned), CLAIM_CHUNK):
            _send_chunk(run, planned[start : start + CLAIM_CHUNK], connection, report, now=now)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()

    if report.retry_subscriber_ids:
        _schedule_retry(run, report)
    return report


def _claim(deliveries: Sequence[Delivery], *, now: datetime) -> set[int]:
    """Move due deliveries to "sending" in one committed transaction before any mail
    leaves. Rows another worker holds are skipped, not waited for, and a row already
    claimed or finished no longer matches `due()`, so each delivery is claimed once."""
    with transaction.atomic():
        claimable = list(
            Delivery.objects.due(now=now)
            .filter(
                pk__in=[d.pk for d in deliveries],
                subscriber__status=SubscriberStatus.CONFIRMED,
                subscriber__paused=False,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=claimable).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return set(claimable)


def _send_chunk(
    run: DigestRun,
    chunk: Sequence[tuple[Delivery, DigestContent]],
    connection,
    report: BatchReport,
    *,
    now: datetime,
) -> None:
    claimed = _claim([d for d, _ in chunk], now=now)
    report.left_alone += len(chunk) - len(claimed)
    done: list[Delivery] = []
    undeliverable: list[int] = []
    try:
        for delivery, content in chunk:
            if delivery.pk not in claimed:
                continue
            delivery.attempts += 1
            try:
                # A no-op while the connection is open; reconnects after a failure.
                connection.open()
                digest_message(
                    delivery.subscriber, content, week=run.week, connection=connection
                ).send()
            except (smtplib.SMTPException, OSError) as error:
                # One bad address or a dropped connection must not stop the others; a
                # fresh connection is opened for the next message.
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    connection.close()
                delivery.last_error = f"{type(error).__name__}: {error}"[:300]
                logger.warning("Digest to subscriber %s failed: %s", delivery.subscriber_id, error)
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = DeliveryStatus.FAILED
                    delivery.finished_at = timezone.now()
                    undeliverable.append(delivery.subscriber_id)
                    report.failed += 1
                else:
                    delivery.status = DeliveryStatus.RETRY
                    delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
                    report.retry += 1
                    report.retry_subscriber_ids.append(delivery.subscriber_id)
                    if not report.next_retry_at or delivery.next_attempt_at < report.next_retry_at:
                        report.next_retry_at = delivery.next_attempt_at
            else:
                delivery.status = DeliveryStatus.SENT
                delivery.finished_at = timezone.now()
                delivery.item_count = content.total_new
                delivery.last_error = ""
                report.sent += 1
            done.append(delivery)
    finally:
        # Runs even when the worker is interrupted mid-chunk: what was sent is recorded,
        # and what was claimed but not yet tried goes back to pending for the next start.
        if done:
            _record_outcomes(done)
        untried = claimed - {d.pk for d in done}
        if untried:
            Delivery.objects.filter(pk__in=untried, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.PENDING, claimed_at=None, attempts=F("attempts") - 1
            )
        if undeliverable:
            Subscriber.objects.filter(
                pk__in=undeliverable, status=SubscriberStatus.CONFIRMED
            ).update(status=SubscriberStatus.UNDELIVERABLE)


def _record_outcomes(deliveries: Sequence[Delivery]) -> None:
    """One UPDATE ... FROM (VALUES ...) for a chunk: bulk_update's CASE per row and field
    cost more Python time than sending the mail."""
    rows = ", ".join(
        ["(%s::bigint, %s, %s::timestamptz, %s::integer, %s, %s::timestamptz)"] * len(deliveries)
    )
    params: list = []
    for d in deliveries:
        params += [d.pk, d.status, d.finished_at, d.item_count, d.last_error, d.next_attempt_at]
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Delivery._meta.db_table} AS d
            SET status = v.status, finished_at = v.finished_at, item_count = v.item_count,
                last_error = v.last_error, next_attempt_at = v.next_attempt_at
            FROM (VALUES {rows}) AS v(id, status, finished_at, item_count, last_error,
                                      next_attempt_at)
            WHERE d.id = v.id
            """,  # noqa: S608 - the table name comes from model metadata, values are parameters
            params,
        )


def _schedule_retry(run: DigestRun, report: BatchReport) -> None:
    """Deferred tasks where the backend supports them; otherwise the next
    `send_weekly_digest` (run hourly by cron) picks up every retry that is due."""
    from stakeholders.tasks import send_digest_batch

    if not send_digest_batch.get_backend().supports_defer:
        return
    send_digest_batch.using(run_after=report.next_retry_at).enqueue(
        run_id=run.pk, subscriber_ids=report.retry_subscriber_ids
    )
