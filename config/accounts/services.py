"""Writes about people: invitations, roles, deactivation. Keyword-only, so the views, a
command or a test all call the same code; each sends its signal (config/signals.py) for the
audit log.

Nobody is ever deleted: a deactivated account keeps its write-ups, events and notes, their
history and their author, and can be reactivated.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection, transaction
from django.http import HttpRequest

from config import roles, signals
from config.accounts.people import is_pending
from config.accounts.tokens import invitation_tokens
from config.tasks import send_invitation_mail

# Sign-in goes straight to Django's backend: the person has just proved the link is theirs.
_BACKEND = "django.contrib.auth.backends.ModelBackend"
_USERNAME_MAX = 150


class AccountError(Exception):
    """Something an administrator asked for that cannot be done; the message says why."""


def _lock_email(email: str) -> None:
    """Two administrators inviting the same address at once make one account, not two:
    the email column is not unique, so the lock is on the address itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"invite:{email.lower()}"])


def _username_for(email: str) -> str:
    """A unique username from the email: the address itself where it is free, otherwise
    its first part with a number ("asha.patel-2")."""
    User = get_user_model()
    # Django's username validator allows letters, digits and @ . + - _.
    clean = re.sub(r"[^\w.@+-]", "-", email.lower())
    taken = User.objects.filter
    if len(clean) <= _USERNAME_MAX and not taken(username__iexact=clean).exists():
        return clean
    stem = clean.split("@", 1)[0][: _USERNAME_MAX - 8] or "person"
    n = 2
    while taken(username__iexact=f"{stem}-{n}").exists():
        n += 1
    return f"{stem}-{n}"


def _give_role(user, role: str) -> None:
    """Exactly one role group. An administrator is also staff and superuser, as the demo
    administrator is (practice ensure_demo_staff): Django's admin needs both, and a
    superuser counts as an administrator whatever their groups, so any other role clears
    them or it would not take effect."""
    if role not in roles.ROLES:
        raise AccountError("Choose a role: contributor, editor or administrator.")
    user.is_staff = user.is_superuser = role == roles.ADMINISTRATOR
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    user._wheelhouse_roles = None  # read again (config/roles.py caches them on the user)


@transaction.atomic
def invitation_send(
    *, email: str, role: str, name: str = "", by, request: HttpRequest | None = None
) -> AbstractBaseUser:
    """Invite `email` as `role`: a new, inactive account without a password, and a mail
    with its link (sent by the task worker once this commits).

    Inviting again someone who has not accepted yet sends a new link and ends the old one
    (a new unusable password changes what the link signs), so only the newest mail works.
    An address with an active or a deactivated account is refused.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    _lock_email(email)
    existing = list(User.objects.filter(email__iexact=email).order_by("pk"))
    if any(user.is_active for user in existing):
        raise AccountError(
            "There is already an account for this email address: change its role below instead."
        )
    pending = next((user for user in existing if is_pending(user)), None)
    if existing and pending is None:
        raise AccountError(
            "This email address belongs to a deactivated account: reactivate it below instead."
        )
    if pending is None:
        user = User(username=_username_for(email), email=email, is_active=False)
    else:
        user = pending
    if name:
        user.first_name, user.last_name = name, ""
    user.set_unusable_password()
    user.save()
    _give_role(user, role)
    user_id, by_id = user.pk, by.pk if by is not None else None
    transaction.on_commit(lambda: send_invitation_mail.enqueue(user_id, by_id), robust=True)
    signals.invitation_sent.send(sender=User, user=user, by=by, request=request)
    return user


@transaction.atomic
def invitation_cancel(*, user) -> None:
    """Withdraw an invitation not yet accepted: the account goes (it never signed in, so
    nothing of it is lost) and with it the link. The audit log records the deletion (its
    receiver names whoever the request is signed in as)."""
    User = get_user_model()
    user = User.objects.select_for_update().filter(pk=user.pk).first()
    if user is None:
        return
    if not is_pending(user):
        raise AccountError(
            "This invitation has already been accepted: deactivate the account instead."
        )
    user.delete()


@transaction.atomic
def invitation_accept(
    *, user_id: int, token: str, name: str, password: str, request: HttpRequest
) -> AbstractBaseUser | None:
    """Activate the invited account with its name and password and sign them in. None if
    the link stopped working meanwhile (accepted twice at once: the second finds it used)."""
    User = get_user_model()
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or not is_pending(user) or invitation_tokens.problem(user, token):
        return None
    user.first_name, user.last_name = name, ""
    user.set_password(password)
    user.is_active = True
    user.save()
    login(request, user, backend=_BACKEND)
    signals.invitation_accepted.send(sender=User, user=user, request=request)
    return user


@transaction.atomic
def account_role_set(*, user, role: str, by, request: HttpRequest | None = None) -> None:
    """Give `user` exactly one role. Nobody removes their own Administrator role, so the
    site always keeps the administrator doing it."""
    if user.pk == by.pk and role != roles.ADMINISTRATOR:
        raise AccountError(
            "You cannot remove your own Administrator role: ask another administrator."
        )
    _give_role(user, role)


@transaction.atomic
def account_deactivate(*, user, by, request: HttpRequest | None = None) -> None:
    """Stop `user` signing in (their sessions end at their next request: Django refuses
    inactive accounts) without touching anything they wrote."""
    if user.pk == by.pk:
        raise AccountError("You cannot deactivate your own account: ask another administrator.")
    if is_pending(user):
        raise AccountError("This invitation has not been accepted yet: there is nothing to stop.")
    if not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    signals.account_deactivated.send(sender=type(user), user=user, by=by, request=request)


@transaction.atomic
def account_reactivate(*, user, by, request: HttpRequest | None = None) -> None:
    if user.is_active:
        return
    if is_pending(user):
        raise AccountError(
            "This invitation has not been accepted yet: send a new invitation instead."
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    signals.account_reactivated.send(sender=type(user), user=user, by=by, request=request)
