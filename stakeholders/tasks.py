"""Background work: thin tasks around the stakeholder services, so a command, a worker and
a test all run the same code. Every email Wheelhouse sends leaves from here."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from stakeholders.digest import digest_batch_send
from stakeholders.mail import LinkReason, recipient_refused, subscription_mail_send
from stakeholders.retention import subscribers_purge_unconfirmed

logger = logging.getLogger(__name__)

# A confirmation link should arrive within minutes, but a relay outage must not lose it:
# retried for about a day, quickly at first.
MAIL_RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 120, 240, 480, 720)]


@task()
def send_digest_batch(run_id: int, subscriber_ids: list[int]) -> dict:
    return digest_batch_send(run_id=run_id, subscriber_ids=subscriber_ids).as_dict()


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
