"""Snippets: a passage of an item's text around the words a search matched, those words marked.

PostgreSQL's ts_headline parses all the text it is given, for every result: a quarter of a
millisecond per result for 1,500 characters, a fifth of a results page's database time. Here
PostgreSQL only reduces the query to its lexemes (stems), once per page. One regular
expression then finds the words that begin like a stem, anywhere in the stored text, and the
Snowball English stemmer that PostgreSQL's `english` configuration uses confirms each one, so
"councillor" is not marked for "council" but "communities" is for "community".
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.text import stem

# About 35 words, the longest passage shown, and how much comes before the first match.
SNIPPET_LENGTH = 240
LEAD = 70
MAX_CANDIDATES = 200


@lru_cache(maxsize=256)
def _pattern(stems: frozenset[str]) -> re.Pattern | None:
    # A stem is the start of the words it comes from, except that a final "y" became "i"
    # ("community" -> "communiti"): look for the stem without its final "i".
    starts = {stem[:-1] if stem.endswith("i") and len(stem) > 2 else stem for stem in stems}
    starts = sorted((s for s in starts if s), key=len, reverse=True)
    if not starts:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(s) for s in starts) + r")\w*", re.IGNORECASE
    )


def _cut_start(text: str, position: int) -> int:
    """`position` moved forward to the start of a word."""
    if position <= 0:
        return 0
    space = text.find(" ", position)
    return space + 1 if 0 <= space < position + 30 else position


def _cut_end(text: str, position: int) -> int:
    """`position` moved back to the end of a word."""
    if position >= len(text):
        return len(text)
    space = text.rfind(" ", position - 40, position)
    return space if space > 0 else position


def _best_start(matches: list[re.Match], stems_of: list[str]) -> int:
    """Where the passage holding the most different matched words (the earliest) begins."""
    best, best_score = 0, (0, 0)
    end = 0
    for i, first in enumerate(matches):
        end = max(end, i)
        while end + 1 < len(matches) and (
            matches[end + 1].end() - first.start() <= SNIPPET_LENGTH - LEAD
        ):
            end += 1
        inside = stems_of[i : end + 1]
        score = (len(set(inside)), len(inside))
        if score > best_score:
            best, best_score = i, score
    return matches[best].start()


def snippet(text: str, stems: Collection[str]) -> SafeString:
    """About SNIPPET_LENGTH characters of `text` around its best matches, escaped, each match
    in <mark>; the start of the text when no word matches."""
    stem_set = frozenset(stems)
    pattern = _pattern(stem_set) if stem_set else None
    matches, stems_of = [], []
    if pattern is not None:
        for match in pattern.finditer(text):
            word_stem = stem(match.group())
            if word_stem in stem_set:
                matches.append(match)
                stems_of.append(word_stem)
                if len(matches) >= MAX_CANDIDATES:
                    break
    start = _cut_start(text, _best_start(matches, stems_of) - LEAD) if matches else 0
    end = _cut_end(text, start + SNIPPET_LENGTH)
    parts = ["… "] if start > 0 else []
    position = start
    for match in matches:
        if match.start() < start:
            continue
        if match.end() > end:
            break
        parts += [
            escape(text[position : match.start()]),
            "<mark>",
            escape(match.group()),
            "</mark>",
        ]
        position = match.end()
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append(" …")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every text part escaped
