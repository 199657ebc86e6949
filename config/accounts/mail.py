"""The invitation and password-reset emails, sent by config/tasks.py in the task worker,
never inside a web request.

The links are signed here, in the worker, rather than in the request, so that no working
link is stored in the task queue's table and each link's lifetime starts when it is sent.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from config import audit, roles
from config.accounts.people import is_pending, role_of
from config.accounts.tokens import (
    INVITATION_LIFETIME,
    encode_uid,
    invitation_tokens,
    reset_tokens,
)
from config.models import AuditEntry
from stakeholders.mail import email_send

# At most one reset mail per account in this long (the reset page says so).
RESET_MAIL_GAP = timedelta(minutes=15)


def invitation_link(user) -> str:
    path = reverse(
        "accept_invitation",
        kwargs={"uidb64": encode_uid(user), "token": invitation_tokens.make_token(user)},
    )
    return f"{settings.SITE_URL}{path}"


def reset_link(user) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": encode_uid(user), "token": reset_tokens.make_token(user)},
    )
    return f"{settings.SITE_URL}{path}"


def with_article(role: str) -> str:
    """ "a contributor", "an editor", "an administrator"."""
    return f"{'an' if role[:1] in 'AEIOU' else 'a'} {role.lower()}"


def lifetime_words(seconds: int) -> str:
    """How long a link works, as people say it: "3 days", "1 hour", "30 minutes"."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0 or unit == "minute":
            count = max(1, seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable")


def invitation_mail_send(*, user_id: int, invited_by_id: int | None) -> bool:
    """Send the invitation to a pending account. Nothing if it was accepted (or the account
    is gone) before the worker got to it. Returns whether a mail was sent."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id).prefetch_related("groups").first()
    if user is None or not is_pending(user) or not user.email:
        return False
    inviter = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    email_send(
        template="invitation",
        to=user.email,
        context={
            "name": user.get_full_name(),
            "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "",
            "role": with_article(role_of(user) or roles.CONTRIBUTOR),
            "username": user.get_username(),
            "accept_url": invitation_link(user),
            "valid_for": lifetime_words(int(INVITATION_LIFETIME.total_seconds())),
        },
    )
    return True


def password_reset_mail_send(*, user_ids: list[int]) -> int:
    """Send a reset link to each account that can still reset its password (active, with a
    password) and was not sent one in the last RESET_MAIL_GAP: asking again and again
    cannot fill someone's inbox, and the link sent last still works. Each link sent is in
    the audit log, which is where the gap is read from (every worker sees it). Returns how
    many were sent."""
    User = get_user_model()
    # Each account as the audit log names it.
    accounts = {
        user: audit.describe_account(user)
        for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk")
        if user.has_usable_password() and user.email
    }
    recent = set(
        AuditEntry.objects.filter(
            action=AuditEntry.Action.RESET_LINK_SENT,
            when__gte=timezone.now() - RESET_MAIL_GAP,
            target__in=list(accounts.values()),
        ).values_list("target", flat=True)
    )
    sent = 0
    for user, account in accounts.items():
        if account in recent:
            continue
        email_send(
            template="password_reset",
            to=user.email,
            context={
                "name": user.get_full_name() or user.get_username(),
                "username": user.get_username(),
                "reset_url": reset_link(user),
                "valid_for": lifetime_words(settings.PASSWORD_RESET_TIMEOUT),
                "sign_in_url": f"{settings.SITE_URL}{reverse('login')}",
            },
        )
        audit.record(AuditEntry.Action.RESET_LINK_SENT, target=account, detail=user.email)
        sent += 1
    return sent
