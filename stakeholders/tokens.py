"""Signed links. Each token names a subscriber's random key and a purpose; the purpose is
also the salt, so a confirmation token can never be replayed as a preferences token."""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import Enum, StrEnum

from django.core import signing

from stakeholders.models import Subscriber


class Purpose(StrEnum):
    CONFIRM = "confirm"
    MANAGE = "manage"


# Confirmation links expire after 7 days, as promised in the email. Preferences and
# unsubscribe links must keep working from any digest a person might still have, so they
# last a year; a new digest or a fresh-link request always carries a new one.
MAX_AGE = {Purpose.CONFIRM: timedelta(days=7), Purpose.MANAGE: timedelta(days=365)}


class TokenProblem(Enum):
    EXPIRED = "expired"
    INVALID = "invalid"
    UNKNOWN = "unknown"


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _salt(purpose: Purpose) -> str:
    return f"stakeholders.{purpose.value}"


def make_token(subscriber: Subscriber, purpose: Purpose) -> str:
    return signing.dumps(subscriber.key.hex, salt=_salt(purpose), compress=False)


def key_from_token(token: str, purpose: Purpose) -> uuid.UUID:
    """The subscriber key a token carries, or TokenError saying why it is unusable."""
    if len(token) > 200:
        raise TokenError(TokenProblem.INVALID)
    try:
        value = signing.loads(token, salt=_salt(purpose), max_age=MAX_AGE[purpose])
    except signing.SignatureExpired as error:
        raise TokenError(TokenProblem.EXPIRED) from error
    except signing.BadSignature as error:
        raise TokenError(TokenProblem.INVALID) from error
    try:
        return uuid.UUID(hex=str(value))
    except ValueError as error:
        raise TokenError(TokenProblem.INVALID) from error


def subscriber_from_token(token: str, purpose: Purpose, *, for_update: bool = False) -> Subscriber:
    key = key_from_token(token, purpose)
    subscribers = Subscriber.objects.exclude(status="erased")
    if for_update:
        subscribers = subscribers.select_for_update()
    subscriber = subscribers.filter(key=key).first()
    if subscriber is None:
        raise TokenError(TokenProblem.UNKNOWN)
    return subscriber
