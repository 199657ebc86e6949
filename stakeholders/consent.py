"""The consent wording shown on the sign-up form. Change the wording only by adding a new
version: each subscriber's record keeps the version and text they agreed to."""

from __future__ import annotations

CONSENT_WORDING = {
    "2026-11-v1": (
        "Email me a weekly digest of new write-ups, event notes and upcoming events on the "
        "topics I choose. Wheelhouse keeps my email address, name, organisation, role, topics "
        "and region only to send this digest, never shares them, and deletes them when I ask. "
        "I can change my choices, pause or unsubscribe from a link in every email."
    ),
}
CURRENT_CONSENT_VERSION = "2026-11-v1"


def current_consent() -> tuple[str, str]:
    return CURRENT_CONSENT_VERSION, CONSENT_WORDING[CURRENT_CONSENT_VERSION]
