"""Text normalisation shared by indexing and querying, so both sides fold words the same way."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

import snowballstemmer

# Closed forms of hyphenated words ("co-production" -> "coproduction") and letter-ampersand
# acronyms ("A&E" -> "aande"): the English parser splits both, which makes the hyphenated form
# a slow phrase query and reduces "A&E" to the lone letter "e".
_HYPHENATED = re.compile(r"(?<![\w-])[^\W_]+(?:-[^\W_]+)+(?![\w-])")
_AMPERSAND = re.compile(r"(?<![\w&])([A-Za-z]{1,2}) ?& ?([A-Za-z]{1,2})(?![\w&])")
_VOCABULARY_WORD = re.compile(r"[^\W\d_]{3,30}")
# Stored and searched text holds only printable characters: no control, surrogate,
# private-use or unassigned code points.
_UNSAFE_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}

MAX_VOCABULARY_WORDS = 3000


def strip_control(text: str) -> str:
    """Whitespace stays (as spaces); NUL, other control and private-use characters go."""
    text = re.sub(r"\s", " ", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        self.parts.append(" ")  # block and inline boundaries both separate words


def html_to_text(markup: str) -> str:
    """Visible text of sanitised HTML in one pass, so escaped "<b>" text survives as text."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _closed(match: re.Match) -> str:
    return match.group(0).replace("-", "")


def _anded(match: re.Match) -> str:
    return f"{match.group(1)}and{match.group(2)}"


def fold(text: str) -> str:
    """The text with hyphenated words closed up and A&E-style acronyms made one word."""
    return _AMPERSAND.sub(_anded, _HYPHENATED.sub(_closed, text)).lower()


def folded_extras(text: str) -> str:
    """Only the folded forms found in `text`, to append to it before indexing.

    Appending (rather than replacing) keeps "production" matching "co-production".
    """
    forms = [_closed(m) for m in _HYPHENATED.finditer(text)]
    forms += [_anded(m) for m in _AMPERSAND.finditer(text)]
    return " ".join(forms).lower()


def for_index(text: str) -> str:
    extras = folded_extras(text)
    return f"{text} {extras}" if extras else text


def vocabulary_words(text: str) -> list[str]:
    """Distinct lowercase words of `text` that a did-you-mean correction could offer."""
    seen = dict.fromkeys(_VOCABULARY_WORD.findall(text.lower()))
    return sorted(seen)[:MAX_VOCABULARY_WORDS]


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball English stem, as PostgreSQL's english configuration makes it. Cached:
    in pure Python it costs ~15 µs a word, and a page stems hundreds of titles."""
    return _stemmer.stemWord(word.lower())
