"""A lean MIME writer for the digest, the one email sent a hundred thousand times a week.

Python's email generator spent more time folding headers and re-splitting lines than the
rest of composing a digest (see bench/digest.py). This writes the same multipart/alternative
message directly: 8bit parts when every line fits RFC 5322's 998 characters, base64
otherwise, and RFC 2047 encoded words for non-ASCII headers. Django's mail backends accept it
because `message()` still returns an object with `as_bytes()`.
"""

from __future__ import annotations

import base64
import secrets
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from django.core.mail import BadHeaderError, EmailMultiAlternatives

MAX_LINE = 998


def _header(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r} for {name})")
    if value.isascii():
        return f"{name}: {value}"
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}"


def _address(value: str) -> str:
    name, address = parseaddr(value)
    if "\n" in value or "\r" in value or not address:
        raise BadHeaderError(f"Not a usable address: {value!r}")
    local, _, domain = address.rpartition("@")
    # Internationalised domains travel as punycode; the name as an RFC 2047 encoded word.
    address = f"{local}@{domain.encode('idna').decode('ascii')}" if domain else address
    return formataddr((name, address), charset="utf-8")


def _part(content_type: str, text: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode()
    if max(map(len, data.split(b"\r\n"))) <= MAX_LINE:
        encoding, body = "8bit", data
    else:
        encoding, body = "base64", base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")
    head = (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode() + body


class PrebuiltMessage:
    """What Django's backends ask of `EmailMessage.message()`: bytes and a charset."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if linesep == "\r\n":
            return self._data
        return self._data.replace(b"\r\n", linesep.encode())

    def get_charset(self) -> None:
        return None


class AlternativeEmail(EmailMultiAlternatives):
    """A plain-text body with one HTML alternative, written by hand (see module docstring)."""

    def message(self) -> PrebuiltMessage:  # type: ignore[override]
        [(html, mimetype)] = self.alternatives
        boundary = f"=={secrets.token_hex(16)}=="
        headers = [
            _header("Subject", self.subject),
            f"From: {_address(self.from_email)}",
            f"To: {', '.join(_address(a) for a in self.to)}",
            f"Date: {formatdate()}",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
        ]
        headers += [_header(name, value) for name, value in self.extra_headers.items()]
        data = b"".join(
            [
                "\r\n".join(headers).encode(),
                f"\r\n\r\n--{boundary}\r\n".encode(),
                _part("text/plain", self.body),
                f"\r\n--{boundary}\r\n".encode(),
                _part(mimetype, html),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        return PrebuiltMessage(data)
