"""Markdown to safe HTML: rendered once on save, and for the editor's live preview.

Python-Markdown turns the text into HTML; nh3 then keeps only an allowlist of tags and
attributes, so script, event handlers, javascript: URLs, iframes and styles never survive.
Headings are shifted so that content starts at <h2> (the page's <h1> is its title).
"""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_EMPTY_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>\s*</a>')
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)([^>]*)>")


def _demote_headings(html: str) -> str:
    # h1 becomes h2 and so on; h6 stays h6.
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}", html)


def sanitise_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # A link with no text tells a screen reader nothing: show its address instead.
    cleaned = _EMPTY_LINK.sub(
        lambda m: f'<a href="{m.group(1)}"{m.group(2)}>{m.group(1)}</a>', cleaned
    )
    # Images must carry alt text; an empty one marks them as decorative.
    return _IMG_WITHOUT_ALT.sub(r'<img alt=""\1>', cleaned)


def render_markdown(text: str) -> str:
    """Render Markdown source to sanitised HTML."""
    if not text:
        return ""
    html = markdown.markdown(
        text,
        extensions=["extra", "sane_lists", "smarty"],
        output_format="html",
    )
    return sanitise_html(_demote_headings(html))
