"""Sending a batch's messages one delivery at a time, and what each outcome means."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from stakeholders.digest.content import DigestContent, digest_message
from stakeholders.digest.run import dead_after
from stakeholders.mail import recipient_refused
from stakeholders.models import (
    Delivery,
    DeliveryStatus,
    DigestBatch,
    DigestRun,
    Subscriber,
    SubscriberStatus,
)

logger = logging.getLogger(__name__)

# Permanent refusals of a recipient before the address is marked undeliverable.
MAX_ATTEMPTS = 4
FIRST_RETRY_DELAY = timedelta(minutes=15)
RELAY_DELAYS = [timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30)]


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


def retry_delay(attempts: int) -> timedelta:
    """After the recipient was refused: 15 minutes, then an hour, then four hours."""
    return FIRST_RETRY_DELAY * (4 ** max(attempts - 1, 0))


def relay_delay(waits: int) -> timedelta:
    """After the relay failed (refused, timed out, dropped the connection): soon at first,
    then every half hour for as long as it takes."""
    return RELAY_DELAYS[min(waits, len(RELAY_DELAYS) - 1)]


@dataclass
class Outcome:
    delivery_id: int
    status: str
    attempts: int
    finished_at: datetime | None = None
    item_count: int = 0
    last_error: str = ""
    next_attempt_at: datetime | None = None


class Sender:
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
        self.unrecorded: Outcome | None = None
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
                Outcome(delivery.pk, DeliveryStatus.IN_DOUBT, delivery.attempts, now)
                if handed_over
                else Outcome(delivery.pk, DeliveryStatus.PENDING, delivery.attempts)
            )
            if handed_over:
                self.report.in_doubt += 1
            raise
        finished = timezone.now()
        self.unrecorded = Outcome(
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
                self.unrecorded = Outcome(
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
        self.unrecorded = Outcome(
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
        o = outcome or Outcome(delivery_id=0, status="", attempts=0)
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
        claimed_at = CASE WHEN %(status)s::varchar = %(pending)s::varchar THEN NULL
            ELSE claimed_at END
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
