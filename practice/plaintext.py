"""Rules for the plain text people type, shared by every form in every app."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

ONE_LINE_MESSAGE = "Use a single line of text, without line breaks."
# Line breaks of every kind, and the other control characters (C0, DEL, C1).
_BREAKS_AND_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_one_line(value: str) -> None:
    """One-line fields (names, titles, organisations) never keep CR, LF or any other control
    character: they end up in email headers and calendar lines, where a line break starts a
    new header."""
    if _BREAKS_AND_CONTROLS.search(value):
        raise ValidationError(ONE_LINE_MESSAGE, code="one_line")
