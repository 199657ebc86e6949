from __future__ import annotations

import csv
import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from practice.permissions import editor_required
from stakeholders import queries, services
from stakeholders.digest.content import digest_preview
from stakeholders.forms import AntiBot, LinkRequestForm, PreferencesForm, SignupForm
from stakeholders.models import RequestKind, Subscriber, SubscriberStatus
from stakeholders.tokens import (
    Purpose,
    TokenError,
    TokenProblem,
    make_token,
    subscriber_from_token,
)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy
    # rewrites it, and a spoofable key would make the IP limit useless.
    return request.META.get("REMOTE_ADDR", "")


def _link_problem(request: HttpRequest, problem: TokenProblem) -> HttpResponse:
    status = {TokenProblem.EXPIRED: 410, TokenProblem.INVALID: 400, TokenProblem.UNKNOWN: 404}
    return render(
        request,
        "stakeholders/link_problem.html",
        {"problem": problem.value},
        status=status[problem],
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    initial_topics = request.GET.getlist("topic")[:20]
    choices = queries.topic_choices()
    form = SignupForm(
        request.POST or None,
        topic_choices=choices,
        initial={"topics": [t for t in initial_topics if t in dict(choices)]},
    )
    if request.method == "POST":
        valid = form.is_valid()
        verdict, nonce = form.anti_bot()
        if verdict == AntiBot.BOT:
            # Quietly: a bot learns nothing from the reply.
            return redirect("stakeholders:check_email")
        if verdict == AntiBot.EXPIRED:
            form.renew_token()
        elif valid:
            if not services.form_token_spend(nonce=nonce):
                # The same form sent twice (a double click, or a bot replaying it): the first
                # submission did the work.
                return redirect("stakeholders:check_email")
            problem = services.rate_limit_hit(
                email=form.cleaned_data["email"], ip=_client_ip(request), kind=RequestKind.SIGNUP
            )
            if problem:
                form.add_error("email", problem)
            else:
                services.subscriber_signup(email=form.cleaned_data["email"], choices=form.choices())
                return redirect("stakeholders:check_email")
    return render(request, "stakeholders/signup.html", {"form": form})


def check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "stakeholders/check_email.html")


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = services.rate_limit_hit(
            email=form.cleaned_data["email"], ip=_client_ip(request), kind=RequestKind.LINK
        )
        if problem:
            form.add_error("email", problem)
        else:
            services.preferences_link_request(email=form.cleaned_data["email"])
            return redirect("stakeholders:check_email")
    return render(request, "stakeholders/request_link.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners follow links, and must not confirm for people.
    try:
        if request.method == "POST":
            outcome, subscriber = services.subscriber_confirm(token=token)
            return render(
                request,
                "stakeholders/confirmed.html",
                {
                    "already": outcome == services.ConfirmOutcome.ALREADY,
                    "manage_token": make_token(subscriber, Purpose.MANAGE),
                },
            )
        subscriber = subscriber_from_token(token, Purpose.CONFIRM)
    except TokenError as error:
        return _link_problem(request, error.problem)
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return render(
            request,
            "stakeholders/confirmed.html",
            {"already": True, "manage_token": make_token(subscriber, Purpose.MANAGE)},
        )
    if subscriber.status != SubscriberStatus.PENDING:
        return _link_problem(request, TokenProblem.UNKNOWN)
    return render(request, "stakeholders/confirm.html", {"subscriber": subscriber})


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriber_from_token(token, Purpose.MANAGE)
    except TokenError as error:
        return _link_problem(request, error.problem)
    choices = queries.topic_choices(keep=subscriber.topics)
    if request.method == "POST":
        form = PreferencesForm(request.POST, topic_choices=choices)
        if form.is_valid():
            services.subscriber_update_preferences(subscriber=subscriber, choices=form.choices())
            return render(
                request,
                "stakeholders/preferences.html",
                {"form": form, "subscriber": subscriber, "token": token, "saved": True},
            )
    else:
        form = PreferencesForm(
            topic_choices=choices,
            initial={
                "name": subscriber.name,
                "organisation": subscriber.organisation,
                "role": subscriber.role,
                "all_topics": subscriber.all_topics,
                "topics": subscriber.topics,
                "region": subscriber.region,
            },
        )
    return render(
        request,
        "stakeholders/preferences.html",
        {"form": form, "subscriber": subscriber, "token": token},
    )


@never_cache
@require_http_methods(["POST"])
def preferences_action(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriber_from_token(token, Purpose.MANAGE)
    except TokenError as error:
        return _link_problem(request, error.problem)
    action = request.POST.get("action", "")
    if action in ("pause", "resume"):
        services.subscriber_set_paused(subscriber=subscriber, paused=action == "pause")
    elif action == "unsubscribe":
        services.subscriber_unsubscribe(subscriber=subscriber)
    elif action == "resubscribe":
        services.subscriber_resubscribe(subscriber=subscriber)
    return redirect(f"{reverse('stakeholders:preferences', args=[token])}?done={action[:20]}")


@never_cache
@require_http_methods(["GET"])
def export(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriber_from_token(token, Purpose.MANAGE)
    except TokenError as error:
        return _link_problem(request, error.problem)
    response = HttpResponse(
        json.dumps(services.subscriber_export(subscriber=subscriber), indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="wheelhouse-my-data.json"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, token: str) -> HttpResponse:
    try:
        with transaction.atomic():
            subscriber = subscriber_from_token(
                token, Purpose.MANAGE, for_update=request.method == "POST"
            )
            if request.method == "POST":
                services.subscriber_erase(subscriber=subscriber)
                return render(request, "stakeholders/erased.html")
    except TokenError as error:
        return _link_problem(request, error.problem)
    return render(request, "stakeholders/erase.html", {"token": token})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click` with no cookie
    and no CSRF token, so the signed token alone authorises it. GET only asks to confirm,
    because link scanners follow GETs."""
    try:
        subscriber = subscriber_from_token(token, Purpose.MANAGE)
    except TokenError as error:
        return _link_problem(request, error.problem)
    if request.method == "POST":
        services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "stakeholders/unsubscribed.html", {"token": token})
    return render(
        request, "stakeholders/unsubscribe.html", {"subscriber": subscriber, "token": token}
    )


# --- Staff ------------------------------------------------------------------------------


@editor_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "stakeholders/staff_dashboard.html",
        {
            "counts": queries.subscriber_counts(),
            "runs": queries.run_history(),
            "in_doubt": queries.in_doubt_deliveries(),
        },
    )


def _preview_subscriber(request: HttpRequest) -> tuple[str, Subscriber | None]:
    email = request.GET.get("email", "").strip()[:254]
    subscriber = None
    if email:
        subscriber = (
            Subscriber.objects.filter(email__iexact=email)
            .exclude(status=SubscriberStatus.ERASED)
            .first()
        )
    return email, subscriber


@editor_required
def staff_preview(request: HttpRequest) -> HttpResponse:
    email, subscriber = _preview_subscriber(request)
    content = message = None
    if subscriber:
        content, message = digest_preview(subscriber=subscriber)
    return render(
        request,
        "stakeholders/staff_preview.html",
        {"email": email, "subscriber": subscriber, "message": message, "content": content},
    )


# The email's HTML carries inline styles (mail clients ignore style sheets), which the site's
# policy forbids, and it must not run anything or reach the site: served on its own, framed
# only by the preview page, sandboxed, with scripts, forms and plugins off.
PREVIEW_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


@editor_required
@xframe_options_sameorigin
def staff_preview_html(request: HttpRequest) -> HttpResponse:
    _email, subscriber = _preview_subscriber(request)
    message = digest_preview(subscriber=subscriber)[1] if subscriber else None
    if message is None:
        return HttpResponse(
            "No digest to preview.", content_type="text/plain; charset=utf-8", status=404
        )
    response = HttpResponse(message.alternatives[0][0], content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_POLICY
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@editor_required
def staff_export(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["email", "name", "organisation", "role", "topics", "region", "status", "paused"]
    header += ["signed_up_at", "confirmed_at", "consent_version"]

    def rows():
        yield writer.writerow(header)
        subscribers = (
            Subscriber.objects.exclude(status=SubscriberStatus.ERASED).order_by("pk").iterator()
        )
        for s in subscribers:
            yield writer.writerow(
                [
                    _csv_safe(s.email),
                    _csv_safe(s.name),
                    _csv_safe(s.organisation),
                    s.role,
                    "everything" if s.all_topics else " ".join(s.topics),
                    s.region,
                    s.status,
                    "yes" if s.paused else "no",
                    s.created_at.isoformat(),
                    s.confirmed_at.isoformat() if s.confirmed_at else "",
                    s.consent_version,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wheelhouse-subscribers.csv"'
    return response


def _csv_safe(value: str | None) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote defuses them."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
