"""What the people page says about an account."""

from __future__ import annotations

from config import roles


def is_pending(user) -> bool:
    """An invitation not yet accepted: never activated, no password set. (A deactivated
    account has a password.)"""
    return not user.is_active and not user.has_usable_password()


def role_of(user) -> str:
    """The one role the people page shows: the highest the user has, "" for none."""
    names = roles.roles(user)
    return next((role for role in reversed(roles.ROLES) if role in names), "")
