"""Absolute links and addresses for the mail Wheelhouse sends subscribers."""

from __future__ import annotations

import functools
from email.utils import formataddr
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from stakeholders.models import Subscriber
from stakeholders.tokens import Purpose, make_token


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _token_url_pattern(view_name: str) -> str:
    return _cached_url_pattern(view_name, settings.SITE_URL)


@functools.cache
def _cached_url_pattern(view_name: str, site_url: str) -> str:
    # reverse() costs more than signing; resolve each pattern once, then fill in tokens.
    return f"{site_url}{reverse(view_name, args=['TOKEN'])}".replace("TOKEN", "{token}")


def confirm_link(subscriber: Subscriber) -> str:
    token = make_token(subscriber, Purpose.CONFIRM)
    return _token_url_pattern("stakeholders:confirm").format(token=token)


def manage_links(subscriber: Subscriber) -> dict[str, str]:
    token = make_token(subscriber, Purpose.MANAGE)
    return {
        "preferences_url": _token_url_pattern("stakeholders:preferences").format(token=token),
        "unsubscribe_url": _token_url_pattern("stakeholders:unsubscribe").format(token=token),
        "unsubscribe_mailto": f"mailto:{settings.STAKEHOLDERS_UNSUBSCRIBE_MAILBOX}"
        f"?subject={quote('unsubscribe ' + token)}",
    }


def recipient(subscriber: Subscriber) -> str:
    """The To address, with the name when there is one. formataddr refuses a non-ASCII
    domain (exämple.org), so the domain travels as punycode, as mail servers expect."""
    if not subscriber.name:
        return subscriber.email
    local, _, domain = subscriber.email.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return subscriber.email  # not a domain IDNA can write: send without the name
    return formataddr((subscriber.name, f"{local}@{domain}"))
