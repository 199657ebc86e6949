"""Response headers Django has no setting for, and who a request came from."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Powerful features no page here uses, refused to every page and to anything it embeds
# (interest-cohort and browsing-topics are the advertising-interest APIs).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """Permissions-Policy and Cross-Origin-Resource-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Nothing here is meant to be loaded into another site's pages: no hotlinked images,
        # no reading our responses from a cross-origin script, whatever the browser guesses.
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, as django-axes counts sign-in failures by it.

    REMOTE_ADDR, unless a proxy we trust (TRUST_X_FORWARDED_PROTO=1) stands in front: then
    REMOTE_ADDR is the proxy, and the client is the address it appended to X-Forwarded-For.
    Entries to the left of that one were sent by the client and prove nothing.
    """
    if settings.TRUST_PROXY_HEADERS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


class NoSessionNoUserMiddleware:
    """A request without a session cookie is anonymous: `request.user` is set without
    reading the session, so a visitor's page never says `Vary: Cookie` (which no shared
    cache could hold) just because the header asked whether they are staff. After
    AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            from django.contrib.auth.models import AnonymousUser

            request.user = AnonymousUser()
        return self.get_response(request)
