"""What the privacy notice says that the code decides: how long things are kept, how long
links last, the consent wording in force and the cookies set. Each figure is read from the
code that enforces it when the page is drawn, so the page cannot drift from the code."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.utils import timezone

from stakeholders import consent, services, tokens
from stakeholders.models import Subscriber

# stakeholders/retention.py deletes rate-limit and form-token records "over a day old" with a
# literal in the function body, so there is no name to read. This mirrors it, and
# tests/config/test_trust_pages.py runs that purge on either side of it: changing the period
# there fails the tests until this follows.
ABUSE_RECORDS_KEPT = timedelta(days=1)


def unconfirmed_kept() -> timedelta:
    """How old an unconfirmed sign-up is when the daily purge deletes it, read from the
    queryset the purge uses (`Subscriber.objects.purgeable`)."""
    now = timezone.now()
    for child in Subscriber.objects.purgeable(now=now).query.where.children:
        field = getattr(getattr(child, "lhs", None), "target", None)
        if (
            getattr(child, "lookup_name", None) == "lt"
            and getattr(field, "name", "") == "created_at"
        ):
            return now - child.rhs
    raise LookupError("Subscriber.objects.purgeable() no longer filters on created_at__lt.")


def duration(period: timedelta) -> str:
    """A period in words: "1 day", "7 days", "2 weeks", "1 year", "3 hours". Weeks only from
    14 days, so a 7-day link reads "7 days", as its email says."""
    seconds = int(period.total_seconds())
    if seconds % 86400:
        for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
            if seconds % size == 0:
                return _plural(seconds // size, unit)
    days = seconds // 86400
    if days and days % 365 == 0:
        return _plural(days // 365, "year")
    if days >= 14 and days % 7 == 0 and days < 365:
        return _plural(days // 7, "week")
    return _plural(days, "day")


def _plural(count: int, unit: str) -> str:
    return f"{count:,} {unit}{'' if count == 1 else 's'}"


def _rate(scope: str) -> str:
    """A rate limit in words: "3 an hour", "10 a day", "5 every 2 hours"."""
    limit, window = services.LIMITS[scope]
    period = duration(window)
    if period.startswith("1 "):
        unit = period.removeprefix("1 ")
        return f"{limit} {'an' if unit == 'hour' else 'a'} {unit}"
    return f"{limit} every {period}"


def _messages_cookie() -> str:
    """The cookie Django's messages framework uses, or "" if it keeps messages elsewhere."""
    storage = getattr(
        settings, "MESSAGE_STORAGE", "django.contrib.messages.storage.fallback.FallbackStorage"
    )
    uses_cookie = storage.rsplit(".", 1)[-1] in ("FallbackStorage", "CookieStorage")
    return CookieStorage.cookie_name if uses_cookie else ""


def privacy_facts() -> dict:
    version, wording = consent.current_consent()
    session_age = (
        "until you close your browser"
        if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
        else f"for {duration(timedelta(seconds=settings.SESSION_COOKIE_AGE))}"
    )
    return {
        "consent_version": version,
        "consent_wording": wording,
        "unconfirmed_kept": duration(unconfirmed_kept()),
        "abuse_records_kept": duration(ABUSE_RECORDS_KEPT),
        "email_limit": _rate("email"),
        "ip_limit": _rate("ip"),
        "confirm_link_lasts": duration(tokens.MAX_AGE[tokens.Purpose.CONFIRM]),
        "manage_link_lasts": duration(tokens.MAX_AGE[tokens.Purpose.MANAGE]),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_cookie_lasts": session_age,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_cookie_lasts": (
            "until you close your browser"
            if settings.CSRF_COOKIE_AGE is None
            else f"for {duration(timedelta(seconds=settings.CSRF_COOKIE_AGE))}"
        ),
        "csrf_in_session": settings.CSRF_USE_SESSIONS,
        "messages_cookie": _messages_cookie(),
        "cookies_secure": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
        "lockout_failures": settings.AXES_FAILURE_LIMIT,
        "lockout_lasts": duration(settings.AXES_COOLOFF_TIME),
    }
