"""The digest's hand-written MIME must read back exactly through a real SMTP server."""

from __future__ import annotations

import pytest
from django.core.mail import BadHeaderError

from stakeholders.mime import AlternativeEmail


def _send(**fields) -> None:
    message = AlternativeEmail(
        subject=fields.get("subject", "Hello"),
        body=fields.get("text", "Plain text"),
        to=[fields.get("to", "Zoë Ärnström <zoe@example.org>")],
        headers=fields.get("headers", {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}),
    )
    message.attach_alternative(fields.get("html", "<p>Hello</p>"), "text/html")
    message.send()


def test_non_ascii_headers_and_bodies_round_trip(smtp):
    _send(subject="3 new: Carers’ café in Cymru", text="Café ✓\nline two", html="<p>Café ✓</p>")
    [received] = smtp.messages
    assert received["Subject"] == "3 new: Carers’ café in Cymru"
    assert received["To"] == "Zoë Ärnström <zoe@example.org>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.get_body(("plain",)).get_content().splitlines() == ["Café ✓", "line two"]
    assert received.get_body(("html",)).get_content().strip() == "<p>Café ✓</p>"
    assert received.is_multipart() and received.get_content_subtype() == "alternative"


def test_lines_too_long_for_smtp_switch_that_part_to_base64(smtp):
    long_line = "word " * 400
    _send(text=long_line, html="<p>short</p>")
    [received] = smtp.messages
    plain = received.get_body(("plain",))
    assert plain["Content-Transfer-Encoding"] == "base64"
    assert plain.get_content().strip() == long_line.strip()
    assert received.get_body(("html",))["Content-Transfer-Encoding"] == "8bit"


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Hi\r\nBcc: victim@example.org"},
        {"to": "a@example.org\nBcc: victim@example.org"},
        {"headers": {"X-Note": "a\rb"}},
    ],
)
def test_header_injection_is_refused(smtp, fields):
    # Django's SMTP backend refuses a bad recipient (ValueError) before our writer runs.
    with pytest.raises((BadHeaderError, ValueError)):
        _send(**fields)
    assert smtp.messages == []
