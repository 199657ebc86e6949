"""Signed links for invitations and password resets, each with its own lifetime.

Django 5.2's `PasswordResetTokenGenerator.check_token` reads `settings.PASSWORD_RESET_TIMEOUT`
itself, so a generator with another lifetime has to check the timestamp on its own: the
signature is checked by Django's code (`_make_token_with_timestamp`, every secret in
`SECRET_KEY_FALLBACKS` too) and the age against `timeout` here. `problem()` says why a link
fails, so the page can say so in plain English.

A token signs the account's state (password hash, last sign-in, whether it is active), so it
dies once used: accepting an invitation sets a password and activates the account; a reset
sets a new password.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

INVITATION_LIFETIME = timedelta(days=7)


class LinkProblem(StrEnum):
    EXPIRED = "expired"  # signed by us, but older than the link's lifetime
    USED = "used"  # the invitation was accepted already
    INVALID = "invalid"  # changed, cut short, already used or replaced by a newer one


class TimedTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator with a lifetime of its own and a reason when a token fails."""

    @property
    def timeout(self) -> int:
        raise NotImplementedError

    def _make_hash_value(self, user, timestamp: int) -> str:
        # Django's value (pk, password hash, last sign-in, timestamp, email) and whether the
        # account is active: deactivating or activating an account ends its links.
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"

    def _signed_timestamp(self, user, token: str) -> int | None:
        """The token's timestamp if we signed it for this user as they are now."""
        if not (user and token):
            return None
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return None
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                return ts
        return None

    def problem(self, user, token: str) -> LinkProblem | None:
        """None if the token is good for this user now; otherwise what is wrong with it."""
        ts = self._signed_timestamp(user, token)
        if ts is None:
            return LinkProblem.INVALID
        if self._num_seconds(self._now()) - ts > self.timeout:
            return LinkProblem.EXPIRED
        return None

    def check_token(self, user, token) -> bool:
        return self.problem(user, token) is None


class InvitationTokenGenerator(TimedTokenGenerator):
    key_salt = "wheelhouse.config.accounts.InvitationTokenGenerator"

    @property
    def timeout(self) -> int:
        return int(INVITATION_LIFETIME.total_seconds())


class PasswordResetTokens(TimedTokenGenerator):
    """Django's reset tokens (same salt, PASSWORD_RESET_TIMEOUT), which also die when the
    account is deactivated."""

    @property
    def timeout(self) -> int:
        return settings.PASSWORD_RESET_TIMEOUT


invitation_tokens = InvitationTokenGenerator()
reset_tokens = PasswordResetTokens()


def encode_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def decode_uid(uidb64: str) -> int | None:
    try:
        value = force_str(urlsafe_base64_decode(uidb64))
    except (TypeError, ValueError, OverflowError):
        return None
    return int(value) if value.isdigit() and len(value) < 19 else None
