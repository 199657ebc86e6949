"""Hostile text for the property-based security tests, and the checks every response and every
saved row must pass whatever was typed.

The text mixes what people paste by accident (line breaks, odd Unicode, very long text) with
what attackers send on purpose (markup, script, template syntax, tsquery and SQL operators,
control characters, bidi overrides). Most examples are short; now and then one runs to a
megabyte, because length limits are part of what is under test.
"""

from __future__ import annotations

import os
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings as django_settings
from django.db import models
from django.utils.html import escape
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

# --- How hard to look ------------------------------------------------------------------------

# The default keeps the whole module near 90 seconds on a 2-core machine; HYPOTHESIS_EXAMPLES=500
# looks much harder. Failing examples are kept under .pytest_cache (ignored by git) and tried
# first on the next run.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "10"))
hostile_examples = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Shrinking finds the smallest failing input; the "explain" phase after it re-runs every
    # example many more times to say which parts mattered, which costs minutes here.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    database=DirectoryBasedExampleDatabase(
        Path(__file__).resolve().parents[2] / ".pytest_cache" / "hypothesis-security"
    ),
    print_blob=True,
)

# --- The ingredients -------------------------------------------------------------------------

C0 = [chr(code) for code in range(0x20)]
C1 = [chr(code) for code in range(0x80, 0xA0)]
CONTROL_CHARACTERS = [*C0, "\x7f", *C1]

SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = "<img src=x onerror=alert(1)>"
MARKUP = [
    SCRIPT,
    IMG_ONERROR,
    '"><svg onload=alert(1)>',
    "'><svg/onload=alert(1)>",
    '" autofocus onfocus="alert(1)',
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</pre><script>alert(1)</script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>*{display:none}</style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "<",
    ">",
    "&",
]
TEMPLATE_SYNTAX = [
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "{{7*7}}",
    "{% load static %}",
    "{{ request.user.password }}",
    "{# comment #}",
    "{% endblock %}",
    "${7*7}",
    "%(name)s",
    "{0}",
]
BIDI_AND_INVISIBLE = [
    "\u202e",
    "\u202d",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00ad",
]
TSQUERY = [
    "&",
    "|",
    "!",
    "!!",
    "<->",
    "<2>",
    ":*",
    "(",
    ")",
    "'",
    '"',
    "\\",
    ":",
    "a & b | !c",
    "care:*",
    "'carer' <-> 'support'",
    "(carers | !dementia)",
    '"unterminated phrase',
    "OR",
    "OR OR",
    "-",
    '-"',
    "--",
]
SQL = [
    "'; DROP TABLE x; --",
    '" OR 1=1 --',
    "') OR ('1'='1",
    "%",
    "_",
    "%_%",
    "$$",
    "E'\\\\'",
    "/*",
    "*/",
    "; SELECT pg_sleep(5); --",
    "\\x00",
    "\\",
]
LINE_BREAKS = [
    "\r\n",
    "\r",
    "\n",
    "\r\nSubject: hi",
    "\nBcc: victim@example.org",
    "\x0b",
    "\x0c",
    "\x85",
    "\u2028",
    "\u2029",
]
EXOTIC_UNICODE = [
    "😀",
    "👩🏽‍⚕️",
    "\U0010ffff",
    "\U000e0041",
    "\U0001d54f",
    "\ufffd",
    "\ufdd0",
    "\uffff",
    "\u0301",
    "İ",
    "ß",
    "ﬁ",
    "Ⅻ",
    "ǅ",
    "\U00020000",
    "\U000f0000",
]
# Numbers as query strings carry them: str.isdigit() is true of "²" and "①", which int()
# refuses, and int() refuses more than 4,300 digits.
NUMBERS = ["²", "①", "٣", "9" * 5000, "99999999999999999999", "-1", "+1", "1e9", "0", "00", " 1"]
WORDS = [
    "carers",
    "dementia",
    "co-production",
    "A&E",
    "health",
    "Leeds",
    "respite",
    "Carers drop-in",
]
# Pieces whose raw form in an HTML page means escaping failed (the page never contains them).
RAW_MARKERS = [
    "<script>alert(1)",
    "<img src=x onerror",
    "<svg onload",
    "<svg/onload",
    '" autofocus onfocus="',
    "' onmouseover='",
    "<iframe src=javascript",
    '<meta http-equiv="refresh" content="0;url=javascript',
    "<style>*{display:none}",
]

# Every plane, no surrogates (they cannot be sent as UTF-8).
any_character = st.characters(exclude_categories=("Cs",))
fragment = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(TEMPLATE_SYNTAX),
    st.sampled_from(BIDI_AND_INVISIBLE),
    st.sampled_from(TSQUERY),
    st.sampled_from(SQL),
    st.sampled_from(LINE_BREAKS),
    st.sampled_from(CONTROL_CHARACTERS),
    st.sampled_from(EXOTIC_UNICODE),
    st.sampled_from(WORDS),
    st.sampled_from(NUMBERS),
    st.text(any_character, min_size=1, max_size=12),
    st.just(" "),
)
short_hostile_text = st.lists(fragment, max_size=8).map("".join)


def _repeated(text: str, size: int) -> str:
    text = text or "x"
    return (text * (size // len(text) + 1))[:size]


def long_hostile_text(sizes: tuple[int, ...]) -> st.SearchStrategy[str]:
    return st.builds(_repeated, short_hostile_text, st.sampled_from(sizes))


def _mostly_short(long: st.SearchStrategy[str], one_in: int) -> st.SearchStrategy[str]:
    # Shrinks towards 0, and so towards short text.
    return st.integers(0, one_in - 1).flatmap(
        lambda n: long if n == one_in - 1 else short_hostile_text
    )


# For form fields: one field in 40 is long, and a quarter of those run to a megabyte.
hostile_text = _mostly_short(long_hostile_text((3_000, 40_000, 250_000, 1_000_000)), 40)
# For the address bar, where real servers stop at a few kilobytes.
hostile_param = _mostly_short(long_hostile_text((2_000, 10_000)), 30)


def hostile_or(*benign: str) -> st.SearchStrategy[str]:
    """A valid value (a choice, a date) or hostile text, so that forms are sometimes accepted."""
    return st.one_of(st.sampled_from(benign), hostile_text)


hostile_email = st.one_of(
    st.sampled_from(
        [
            "asha@example.org",
            "Asha.Patel+digest@Example.ORG",
            f'"{SCRIPT}"@example.org',
            '"\\"><svg onload=alert(1)>"@example.org',
            "asha@exämple.org",
            "asha@example.org\r\nBcc: victim@example.org",
            "asha@example.org\x00",
            " asha@example.org ",
            "@example.org",
            "asha@",
            "asha@@example.org",
        ]
    ),
    st.builds(lambda n: "a" * n + "@example.org", st.integers(1, 100)),
    st.builds(lambda n: "asha@" + "d" * n + ".org", st.integers(1, 260)),
    st.builds(lambda local: f"{local}@example.org", short_hostile_text),
    hostile_text,
)

# --- Checks ---------------------------------------------------------------------------------


def model_named(name: str) -> type[models.Model]:
    """A model by class name, wherever it lives (search moved out of practice once)."""
    from django.apps import apps

    [model] = [model for model in apps.get_models() if model.__name__ == name]
    return model


_ONE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f]")
_MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SCRIPT_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
# The admin draws its icons with inline SVG, so <svg> itself is no sign; its handlers are.
_FOREIGN_TAGS = {"object", "embed", "base", "frame", "frameset", "applet", "style"}
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"}


def squash(text: str) -> str:
    """Text without whitespace, control, format, private-use or unassigned characters: what a
    saved value must still hold of what was typed, however the application tidied it."""
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE
    )


def without_controls(text: str, *, multi_line: bool = True) -> str:
    pattern = _MULTI_LINE_FORBIDDEN if multi_line else _ONE_LINE_FORBIDDEN
    return pattern.sub("", text)


def _is_script_url(value: str) -> bool:
    # Browsers drop leading spaces and controls and ignore tabs and line breaks in a scheme.
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:text/html"))


class _MarkupAudit(HTMLParser):
    """Finds what only unescaped input could have put in one of the site's pages: it has no
    inline scripts, no event-handler attributes, no javascript: links, no embedded objects
    and no style elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name in _SCRIPT_URL_ATTRIBUTES and _is_script_url(value):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "srcdoc" and re.search(r"<script|\bon\w+=", value, re.IGNORECASE):
                # An iframe's srcdoc is a page of its own: its markup must be escaped too.
                self.problems.append(f"<{tag} srcdoc=... {value[:80]!r}>")
        data_only = attributes.get("type") in ("application/json", "application/ld+json")
        if tag == "script" and not attributes.get("src") and not data_only:
            self.problems.append(f"inline <script {attributes}>")
        if tag in _FOREIGN_TAGS:
            self.problems.append(f"<{tag} {attributes}>")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"<meta refresh {attributes}>")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)


def markup_problems(html: str) -> list[str]:
    """Why this HTML page shows that some input reached it unescaped; empty if it did not."""
    problems = [f"raw {marker!r}" for marker in RAW_MARKERS if marker in html]
    if django_settings.SECRET_KEY in html:
        problems.append("the SECRET_KEY itself")
    audit = _MarkupAudit()
    audit.feed(html)
    audit.close()
    return problems + audit.problems


def typed_text_shown(html: str, typed: str) -> bool:
    """Whether a re-shown form still holds `typed` (escaped), perhaps without the control
    characters the application strips and with line endings normalised."""
    if escape(typed) in html:
        return True
    candidates = {without_controls(typed), without_controls(typed, multi_line=False)}
    if any(escape(candidate) in html for candidate in candidates):
        return True
    return squash(escape(typed)) in squash(html)


def _text_fields(model: type[models.Model]) -> list[tuple[str, bool]]:
    """(name, multi-line?) for every stored text column of `model`."""
    from django.contrib.postgres.fields import ArrayField

    fields = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.TextField | models.JSONField):
            fields.append((field.attname, True))
        elif isinstance(field, models.CharField | ArrayField):
            fields.append((field.attname, False))
    return fields


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def control_characters_stored(model_list) -> list[str]:
    """Every stored value holding a control character: none at all in one-line columns, and
    none but tab, CR and LF in multi-line ones (text and JSON columns)."""
    found = []
    for model in model_list:
        fields = _text_fields(model)
        if not fields:
            continue
        for row in model._base_manager.values("pk", *(name for name, _ in fields)):
            for name, multi_line in fields:
                pattern = _MULTI_LINE_FORBIDDEN if multi_line else _ONE_LINE_FORBIDDEN
                for text in _strings(row[name]):
                    match = pattern.search(text)
                    if match:
                        start = max(match.start() - 20, 0)
                        found.append(
                            f"{model._meta.label}.{name} (pk {row['pk']}): "
                            f"{text[start : match.end() + 20]!r}"
                        )
    return found
