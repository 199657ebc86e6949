"""The audit log for administrators: sign-ins, role changes, invitations and accounts,
publication, deletions and synonym edits, each recorded as an AuditEntry by a receiver here
(connected in config/apps.py), so the code that does these things knows nothing about it.

Who did it: the signal says when it can (a transition's user, an invitation's `by`);
otherwise whoever is signed in to the request being served, which `CurrentRequestMiddleware`
keeps in a context variable, so a role changed or a synonym deleted in the admin is put to
the administrator who did it. Outside a request (a management command, the task worker)
nobody is, and the entry says so.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst

from config import roles, signals
from config.middleware import client_ip
from config.models import AuditEntry
from practice.plaintext import as_one_line

Action = AuditEntry.Action

_ACTOR_MAX = AuditEntry._meta.get_field("actor_label").max_length
_TARGET_MAX = AuditEntry._meta.get_field("target").max_length
_DETAIL_MAX = AuditEntry._meta.get_field("detail").max_length
# An item's title inside a target, so that the kind and the id always fit after it.
_TITLE_MAX = 200

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_current_request", default=None
)


class CurrentRequestMiddleware:
    """Keeps the request being served where the receivers can find who is acting and from
    which address. After AuthenticationMiddleware and NoSessionNoUserMiddleware; the user is
    read only if something is recorded, so a visitor's session is never read for this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def fit(value: object, limit: int) -> str:
    """`value` as one line of printable text (no CR, LF or other control character), cut
    to `limit` characters with an ellipsis."""
    text = as_one_line(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    action: str,
    *,
    actor=None,
    target: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Write one entry. `actor` defaults to whoever is signed in to `request` (or to the
    request being served); the address is the request's, as django-axes counts it."""
    request = request if request is not None else _current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    return _write(
        action,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor.get_username() if actor is not None else "",
        target=target,
        detail=detail,
        request=request,
    )


def _write(action, *, actor_id, actor_label, target, detail, request) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor_id=actor_id,
        actor_label=fit(actor_label, _ACTOR_MAX),
        target=fit(target, _TARGET_MAX),
        detail=fit(detail, _DETAIL_MAX),
        ip_address=_address(request),
    )


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def describe(instance: models.Model, title: str | None = None) -> str:
    """What an entry is about, e.g. Write-up “Loneliness cafés” (#12)."""
    from search.registry import type_for

    search_type = type_for(instance)
    kind = search_type.label if search_type else capfirst(instance._meta.verbose_name)
    if title is None:
        title = getattr(instance, "title", None) or str(instance)
    return f"{kind} “{fit(title, _TITLE_MAX)}” (#{instance.pk})"


def describe_account(user) -> str:
    return f"Account “{fit(user.get_username(), _ACTOR_MAX)}” (#{user.pk})"


# --- Signing in and out ---------------------------------------------------------------------


def _signed_in(sender, request, user, **kwargs) -> None:
    record(Action.SIGN_IN, actor=user, target=describe_account(user), request=request)


def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """A wrong username or password, or a try while django-axes has the account or the
    address locked out (its backend refuses before any password is checked, and Django then
    sends this signal as for any failure). Only the username tried is kept: Django has
    already masked the password in `credentials`, and it is never read here."""
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    locked_out = request is not None and getattr(request, "axes_locked_out", False)
    _write(
        Action.SIGN_IN_FAILED,
        actor_id=None,
        actor_label="",
        target="Locked out" if locked_out else "Wrong username or password",
        detail=username or "",
        request=request,
    )


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None and user.is_authenticated:
        record(Action.SIGN_OUT, actor=user, target=describe_account(user), request=request)


# --- Roles ------------------------------------------------------------------------------------


def _role_names(user_pk: int) -> tuple[str, ...]:
    from django.contrib.auth.models import Group

    names = set(Group.objects.filter(user=user_pk, name__in=roles.ROLES).values_list("name"))
    return tuple(role for role in roles.ROLES if (role,) in names)


def _roles_label(names: tuple[str, ...]) -> str:
    return ", ".join(names) or "No role"


def _pending_roles() -> dict[int, list]:
    """Each user's roles before the change in progress: {user pk: [transaction, before,
    scheduled]}. Per connection (so per thread), like the transaction it belongs to."""
    pending = getattr(connection, "_audit_roles_before", None)
    if pending is None:
        pending = connection._audit_roles_before = {}
    return pending


def _transaction_key() -> int | None:
    blocks = connection.atomic_blocks
    return id(blocks[0]) if blocks else None


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A change of someone's groups, from either side (user.groups or group.user_set), by
    the admin or by code. One entry per person per transaction, before → after, once it
    commits: the admin's form replaces the groups with a removal and then an addition,
    which is one change of role to whoever reads the log."""
    if action.startswith("pre_"):
        if reverse:
            if instance.name not in roles.ROLES:
                return
            user_pks = (
                list(pk_set)
                if pk_set is not None
                else list(instance.user_set.values_list("pk", flat=True))
            )
        else:
            user_pks = [instance.pk]
        instance._audit_role_users = user_pks
        pending, key = _pending_roles(), _transaction_key()
        for user_pk in user_pks:
            entry = pending.get(user_pk)
            # An entry from another transaction belongs to one that rolled back.
            if entry is None or entry[0] != key:
                pending[user_pk] = [key, _role_names(user_pk), False]
    elif action.startswith("post_"):
        pending = _pending_roles()
        for user_pk in getattr(instance, "_audit_role_users", ()):
            entry = pending.get(user_pk)
            if entry is not None and not entry[2]:
                entry[2] = True
                transaction.on_commit(partial(_record_role_change, user_pk))


def _record_role_change(user_pk: int) -> None:
    entry = _pending_roles().pop(user_pk, None)
    user = get_user_model().objects.filter(pk=user_pk).first()
    if entry is None or user is None:
        return
    before, after = entry[1], _role_names(user_pk)
    if before != after:
        record(
            Action.ROLE_CHANGED,
            target=describe_account(user),
            detail=f"{_roles_label(before)} → {_roles_label(after)}",
        )


def _user_saving(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Remember whether a user was a superuser, unless the save cannot change it (signing
    in saves only last_login)."""
    if raw or (update_fields is not None and "is_superuser" not in update_fields):
        return
    if instance.pk is not None:
        was = sender.objects.filter(pk=instance.pk).values_list("is_superuser", flat=True)
        instance._audit_was_superuser = next(iter(was), None)


def _user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    was = False if created else getattr(instance, "_audit_was_superuser", None)
    if was is None or was == instance.is_superuser:
        return
    instance._audit_was_superuser = instance.is_superuser
    change = "Not superuser → Superuser" if instance.is_superuser else "Superuser → Not superuser"
    record(Action.ROLE_CHANGED, target=describe_account(instance), detail=change)


# --- Invitations and accounts (config/signals.py) ---------------------------------------------


def _invited(sender, user, by=None, request=None, **kwargs) -> None:
    record(
        Action.INVITED,
        actor=by,
        target=describe_account(user),
        detail=getattr(user, "email", "") or "",
        request=request,
    )


def _own_account(action: str) -> Callable:
    def receiver(sender, user, request=None, **kwargs) -> None:
        record(action, actor=user, target=describe_account(user), request=request)

    return receiver


def _someone_elses_account(action: str) -> Callable:
    def receiver(sender, user, by=None, request=None, **kwargs) -> None:
        record(action, actor=by, target=describe_account(user), request=request)

    return receiver


# --- Publishing (practice/workflow.py) ----------------------------------------------------------


def _transitioned(sender, transition, **kwargs) -> None:
    from practice.publishing import Status

    published = Status.PUBLISHED
    if transition.to_status == published:
        action = Action.PUBLISHED
    elif transition.from_status == published:
        action = Action.UNPUBLISHED
    else:
        return
    model = transition.content_type.model_class()
    item = model._default_manager.filter(pk=transition.object_id).first() if model else None
    if item is not None:
        target = describe(item)
    else:
        target = f"{capfirst(transition.content_type.name)} #{transition.object_id}"
    labels = dict(Status.choices)
    before = labels.get(transition.from_status, "New") if transition.from_status else "New"
    record(
        action,
        actor=transition.user,
        target=target,
        detail=f"{before} → {labels.get(transition.to_status, transition.to_status)}",
    )


# --- Deletions --------------------------------------------------------------------------------


def _item_deleted(sender, instance, **kwargs) -> None:
    record(Action.DELETED, target=describe(instance))


def _user_deleted(sender, instance, **kwargs) -> None:
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated and user.pk == instance.pk:
        # Someone deleting their own account: the entry cannot point at a row that is
        # going, so it keeps only their name.
        _write(
            Action.DELETED,
            actor_id=None,
            actor_label=user.get_username(),
            target=describe_account(instance),
            detail="",
            request=request,
        )
        return
    record(Action.DELETED, target=describe_account(instance))


# --- Synonyms (search/models.py) --------------------------------------------------------------


def _synonym_saving(sender, instance, raw=False, **kwargs) -> None:
    if not raw and instance.pk is not None:
        before = sender.objects.filter(pk=instance.pk).values_list("terms", "kind").first()
        instance._audit_before = before


def _synonym_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    target = f"Synonyms #{instance.pk}"
    if created:
        record(Action.SYNONYM_ADDED, target=target, detail=instance.terms)
        return
    before = getattr(instance, "_audit_before", None)
    if before == (instance.terms, instance.kind):
        return
    instance._audit_before = (instance.terms, instance.kind)
    if before is None:
        detail = instance.terms
    elif before[0] == instance.terms:
        kinds = dict(sender.Kind.choices)
        detail = f"{instance.terms}: {kinds.get(before[1], before[1])} → {kinds.get(instance.kind)}"
    else:
        detail = f"{before[0]} → {instance.terms}"
    record(Action.SYNONYM_CHANGED, target=target, detail=detail)


def _synonym_deleted(sender, instance, **kwargs) -> None:
    record(Action.SYNONYM_DELETED, target=f"Synonyms #{instance.pk}", detail=instance.terms)


def connect() -> None:
    from events.models import Event, EventNote
    from practice.models import WriteUp
    from practice.workflow import transitioned
    from search.models import Synonym

    user_model = get_user_model()
    uid = "audit-"
    user_logged_in.connect(_signed_in, dispatch_uid=uid + "signed-in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid=uid + "sign-in-failed")
    user_logged_out.connect(_signed_out, dispatch_uid=uid + "signed-out")

    m2m_changed.connect(
        _groups_changed, sender=user_model.groups.through, dispatch_uid=uid + "groups"
    )
    pre_save.connect(_user_saving, sender=user_model, dispatch_uid=uid + "user-saving")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid=uid + "user-saved")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid=uid + "user-deleted")

    signals.invitation_sent.connect(_invited, dispatch_uid=uid + "invited")
    for signal, action in (
        (signals.invitation_accepted, Action.INVITATION_ACCEPTED),
        (signals.password_reset_done, Action.PASSWORD_RESET),
    ):
        signal.connect(_own_account(action), dispatch_uid=uid + action, weak=False)
    for signal, action in (
        (signals.account_deactivated, Action.DEACTIVATED),
        (signals.account_reactivated, Action.REACTIVATED),
    ):
        signal.connect(_someone_elses_account(action), dispatch_uid=uid + action, weak=False)

    transitioned.connect(_transitioned, dispatch_uid=uid + "transitioned")
    for model in (WriteUp, Event, EventNote):
        post_delete.connect(
            _item_deleted, sender=model, dispatch_uid=f"{uid}deleted-{model._meta.label}"
        )

    pre_save.connect(_synonym_saving, sender=Synonym, dispatch_uid=uid + "synonym-saving")
    post_save.connect(_synonym_saved, sender=Synonym, dispatch_uid=uid + "synonym-saved")
    post_delete.connect(_synonym_deleted, sender=Synonym, dispatch_uid=uid + "synonym-deleted")
