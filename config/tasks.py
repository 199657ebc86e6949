"""Background work for accounts: thin tasks around config/accounts/mail.py, so the mail
never leaves inside a web request and a slow or broken relay never slows or breaks a page.

Retried like the stakeholder mails (stakeholders/tasks.py): a relay outage holds the mail
back for about a day, quickly at first; a recipient the relay refuses outright is not
retried.
"""

from __future__ import annotations

import logging
import smtplib

from django.utils import timezone
from django_tasks import task

from config.accounts.mail import invitation_mail_send, password_reset_mail_send
from stakeholders.mail import recipient_refused
from stakeholders.tasks import MAIL_RETRY_DELAYS

logger = logging.getLogger(__name__)


def _retry_later(mail_task, error: Exception, attempt: int, *args) -> bool:
    """Enqueue `mail_task` again after the next delay, if the relay's error is worth it and
    the backend can wait. False if the error should stand."""
    retryable = not recipient_refused(error) and attempt < len(MAIL_RETRY_DELAYS)
    if not retryable or not mail_task.get_backend().supports_defer:
        return False
    logger.warning("Account mail held up by the relay (%s); retrying.", error)
    mail_task.using(run_after=timezone.now() + MAIL_RETRY_DELAYS[attempt]).enqueue(
        *args, attempt + 1
    )
    return True


@task()
def send_invitation_mail(user_id: int, invited_by_id: int | None, attempt: int = 0) -> str:
    try:
        sent = invitation_mail_send(user_id=user_id, invited_by_id=invited_by_id)
    except (smtplib.SMTPException, OSError) as error:
        if not _retry_later(send_invitation_mail, error, attempt, user_id, invited_by_id):
            raise
        return f"retrying: {type(error).__name__}"
    return "sent" if sent else "not pending: nothing sent"


@task()
def send_password_reset_mail(user_ids: list[int], attempt: int = 0) -> int | str:
    try:
        return password_reset_mail_send(user_ids=user_ids)
    except (smtplib.SMTPException, OSError) as error:
        if not _retry_later(send_password_reset_mail, error, attempt, user_ids):
            raise
        return f"retrying: {type(error).__name__}"
