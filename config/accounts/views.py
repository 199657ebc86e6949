"""People and accounts: the administrators' people page, accepting an invitation, and
Django's password reset in the site's style. Thin: parse, call config/accounts/services.py,
render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from config import roles, signals
from config.accounts import services
from config.accounts.forms import (
    ROLE_CHOICES,
    ROLE_HINTS,
    AcceptInvitationForm,
    InviteForm,
    ResetPasswordForm,
    ResetRequestForm,
    RoleForm,
)
from config.accounts.mail import RESET_MAIL_GAP, lifetime_words, with_article
from config.accounts.people import is_pending, role_of
from config.accounts.tokens import (
    INVITATION_LIFETIME,
    LinkProblem,
    decode_uid,
    invitation_tokens,
    reset_tokens,
)
from practice.permissions import administrator_required

# --- The people page ------------------------------------------------------------------


@dataclass
class Person:
    user: object
    role: str
    status: str  # "invited", "active" or "deactivated"
    is_you: bool

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.email or self.user.get_username()


SECTIONS = [
    ("invited", "Invited, not accepted yet"),
    ("active", "Active"),
    ("deactivated", "Deactivated"),
]


def _status(user) -> str:
    if user.is_active:
        return "active"
    return "invited" if is_pending(user) else "deactivated"


def _people(viewer) -> list[tuple[str, str, list[Person]]]:
    """Every staff account (anyone with a role), by where it stands, by name."""
    User = get_user_model()
    with_a_role = User.objects.filter(
        Q(groups__name__in=roles.ROLES) | Q(is_staff=True) | Q(is_superuser=True)
    )
    users = User.objects.filter(pk__in=with_a_role.values("pk")).prefetch_related("groups")
    people = [
        Person(user=user, role=role_of(user), status=_status(user), is_you=user.pk == viewer.pk)
        for user in users
    ]
    people.sort(key=lambda person: (person.name.casefold(), person.user.pk))
    return [
        (key, label, [person for person in people if person.status == key])
        for key, label in SECTIONS
    ]


def _people_page(request: HttpRequest, invite_form: InviteForm) -> HttpResponse:
    return render(
        request,
        "accounts/people.html",
        {
            "invite_form": invite_form,
            "sections": _people(request.user),
            "role_choices": ROLE_CHOICES,
            "role_options": [(value, label, ROLE_HINTS[value]) for value, label in ROLE_CHOICES],
            "invitation_days": INVITATION_LIFETIME.days,
        },
    )


@never_cache
@administrator_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    """The list of staff accounts and the invitation form (its POST)."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = services.invitation_send(**form.cleaned_data, by=request.user, request=request)
        except services.AccountError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"Invitation on its way to {user.email}. The link in it works for "
                f"{INVITATION_LIFETIME.days} days.",
            )
            return redirect("people")
    return _people_page(request, form)


def _account(pk: int):
    return get_object_or_404(get_user_model(), pk=pk)


def _name(user) -> str:
    return user.get_full_name() or user.email or user.get_username()


def _account_change(request: HttpRequest, change, done: str) -> HttpResponse:
    """Run one of the services' account changes and say how it went on the people page:
    `done` if it worked, the service's own words if it refused."""
    try:
        change()
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("people")


@administrator_required
@require_POST
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: nothing was changed.")
        return redirect("people")
    role = form.cleaned_data["role"]
    return _account_change(
        request,
        lambda: services.account_role_set(user=user, role=role, by=request.user, request=request),
        f"{_name(user)} is now {with_article(role)}.",
    )


@administrator_required
@require_POST
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    return _account_change(
        request,
        lambda: services.account_deactivate(user=user, by=request.user, request=request),
        f"{_name(user)} can no longer sign in. Everything they wrote stays, under their name.",
    )


@administrator_required
@require_POST
def reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    return _account_change(
        request,
        lambda: services.account_reactivate(user=user, by=request.user, request=request),
        f"{_name(user)} can sign in again.",
    )


@administrator_required
@require_POST
def invite_again(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh invitation for someone who has not accepted: the old link stops working."""
    user = _account(pk)
    if not is_pending(user):
        messages.error(request, f"{_name(user)} has already accepted their invitation.")
        return redirect("people")
    return _account_change(
        request,
        lambda: services.invitation_send(
            email=user.email,
            role=role_of(user) or roles.CONTRIBUTOR,
            by=request.user,
            request=request,
        ),
        f"A new invitation is on its way to {user.email}; the earlier link no longer works.",
    )


@administrator_required
@require_POST
def cancel_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    return _account_change(
        request,
        lambda: services.invitation_cancel(user=user),
        f"The invitation to {_name(user)} is cancelled: its link no longer works.",
    )


# --- Bad links ------------------------------------------------------------------------


def link_problem(request: HttpRequest, *, kind: str, problem: LinkProblem) -> HttpResponse:
    """An expired, used or broken invitation or reset link, said plainly, with what to do.
    400: the link cannot be used (and a 400 is never kept by the page cache)."""
    return render(
        request,
        "accounts/link_problem.html",
        {"kind": kind, "problem": problem.value, "invitation_days": INVITATION_LIFETIME.days},
        status=400,
    )


# --- Accepting an invitation ----------------------------------------------------------


def _invitee(uidb64: str):
    pk = decode_uid(uidb64)
    return get_user_model().objects.filter(pk=pk).first() if pk is not None else None


def _invitation_problem(user, token: str) -> LinkProblem | None:
    if user is None:
        return LinkProblem.INVALID
    if not is_pending(user):
        return LinkProblem.USED  # accepted already (and perhaps deactivated since)
    return invitation_tokens.problem(user, token)


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _invitee(uidb64)
    problem = _invitation_problem(user, token)
    if problem:
        return link_problem(request, kind="invitation", problem=problem)
    form = AcceptInvitationForm(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        accepted = services.invitation_accept(
            user_id=user.pk,
            token=token,
            name=form.cleaned_data["name"],
            password=form.cleaned_data["new_password1"],
            request=request,
        )
        if accepted is None:  # accepted in another tab a moment ago
            return link_problem(request, kind="invitation", problem=LinkProblem.USED)
        messages.success(
            request,
            f"Welcome, {accepted.get_full_name()}. Your account is ready: you sign in with "
            f"the username {accepted.get_username()}. Your work will be listed here.",
        )
        return redirect("my_work")
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitee": user})


# --- Password reset -------------------------------------------------------------------
# Django's views, with our forms, templates and tokens (which also die on deactivation).


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    token_generator = reset_tokens


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"
    extra_context = {"reset_gap": lifetime_words(int(RESET_MAIL_GAP.total_seconds()))}


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class ResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    token_generator = reset_tokens
    success_url = reverse_lazy("password_reset_complete")

    def render_to_response(self, context, **kwargs) -> HttpResponse:
        if not self.validlink:
            return link_problem(self.request, kind="reset", problem=self._problem())
        return super().render_to_response(context, **kwargs)

    def _problem(self) -> LinkProblem:
        token = self.kwargs["token"]
        if token == self.reset_url_token:
            token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        if self.user is None:
            return LinkProblem.INVALID
        return reset_tokens.problem(self.user, token) or LinkProblem.INVALID

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        signals.password_reset_done.send(
            sender=type(form.user), user=form.user, request=self.request
        )
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
