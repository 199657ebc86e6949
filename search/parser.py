"""Parse what someone typed into a structure: clauses of alternatives, some negated.

Supports words, "quoted phrases", OR between terms and -exclusions (of words or phrases), with
synonyms expanded. Nothing here knows SQL: `builder.tsquery` turns the structure into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.synonyms import SynonymMap, normalise_term
from search.text import strip_control

MAX_QUERY_LENGTH = 200
# Longest synonym phrase looked for in the typed words, in words ("accident and emergency").
MAX_SYNONYM_WORDS = 4
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Alternative:
    text: str
    phrase: bool = False
    # The words as typed, when this alternative is what was typed: hyphenated words are
    # indexed in place and folded ("assetbased") after the text, so a phrase of several
    # words is matched in the form typed.
    as_typed: str = ""

    @property
    def is_phrase(self) -> bool:
        """Quoted, or several words (a synonym such as "social isolation"): word order
        and adjacency matter."""
        return self.phrase or " " in self.text.strip()

    @property
    def phrase_text(self) -> str:
        return self.as_typed or self.text


@dataclass
class Clause:
    """Items match when any alternative matches (or, if negated, when none does)."""

    alternatives: list[Alternative]
    negated: bool = False
    # What was typed, for highlighting the unfolded form and for did-you-mean.
    typed: list[str] = field(default_factory=list)
    expanded: bool = False


@dataclass
class ParsedQuery:
    """Items match when every clause does. `text` is what was typed, cleaned."""

    text: str
    clauses: list[Clause]
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def highlight_text(self) -> str:
        """Every word a snippet should mark: the alternatives searched for and what was
        typed, so "co-production" is marked as well as "coproduction"."""
        words = []
        for clause in self.clauses:
            if not clause.negated:
                words += [alternative.text for alternative in clause.alternatives]
                words += clause.typed
        return " ".join(words)

    def any_words(self) -> ParsedQuery:
        """The same query matching items with any of its words (exclusions kept): what "most
        of your words" counts and facets."""
        wanted = [c for c in self.clauses if not c.negated]
        if len(wanted) < 2:
            return self
        merged = Clause(
            [a for c in wanted for a in c.alternatives],
            typed=[w for c in wanted for w in c.typed],
            expanded=True,
        )
        return ParsedQuery(self.text, [merged, *(c for c in self.clauses if c.negated)])

    def plain_words(self) -> list[str]:
        """Typed single words that synonyms did not explain: candidates for spelling fixes."""
        return [
            clause.typed[0]
            for clause in self.clauses
            if not clause.negated and not clause.expanded and len(clause.typed) == 1
        ]


def clean_query(raw: str) -> tuple[str, bool]:
    """Printable, single-spaced text of at most MAX_QUERY_LENGTH characters, and whether cut."""
    text = " ".join(strip_control(raw).split())
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    cut = text[:MAX_QUERY_LENGTH]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut, True


def _word_clauses(words: list[str], synonyms: SynonymMap) -> list[Clause]:
    """Plain words, with the longest synonym phrases among them expanded."""
    clauses, i = [], 0
    normalised = [normalise_term(word) for word in words]
    while i < len(words):
        for size in range(min(MAX_SYNONYM_WORDS, len(words) - i), 0, -1):
            key = " ".join(w for w in normalised[i : i + size] if w)
            if size > 1 and key in synonyms or size == 1:
                break
        group = synonyms.get(key)
        if not key:
            i += size
            continue
        typed = " ".join(words[i : i + size]) if size > 1 else ""
        alternatives = [
            Alternative(term, as_typed=typed if term == key else "") for term in group or [key]
        ]
        clauses.append(
            Clause(alternatives, typed=words[i : i + size], expanded=bool(group) and len(group) > 1)
        )
        i += size
    return clauses


def parse_query(raw: str, synonyms: SynonymMap | None = None) -> ParsedQuery:
    synonyms = synonyms or {}
    text, truncated = clean_query(raw)
    clauses: list[Clause] = []
    pending_words: list[str] = []
    join_next = False

    def add(new: list[Clause]) -> None:
        nonlocal join_next
        for clause in new:
            previous = clauses[-1] if clauses else None
            if join_next and previous and not previous.negated and not clause.negated:
                previous.alternatives += clause.alternatives
                previous.typed += clause.typed
                previous.expanded = True  # an OR query is not a single misspelt word
            else:
                clauses.append(clause)
            join_next = False

    def flush() -> None:
        if pending_words:
            add(_word_clauses(pending_words, synonyms))
            pending_words.clear()

    for match in _TOKEN.finditer(text):
        minus, quoted, bare = match.group(1), match.group(2), match.group(3)
        if quoted is not None:
            flush()
            phrase = normalise_term(quoted)
            if phrase:
                add([Clause([Alternative(phrase, phrase=True)], bool(minus), [quoted], True)])
        elif bare == "OR":
            flush()
            join_next = bool(clauses)
        elif bare.startswith("-") and len(bare) > 1:
            flush()
            word = bare.lstrip("-")
            key = normalise_term(word)
            if key:
                alternatives = [Alternative(term) for term in synonyms.get(key, (key,))]
                add([Clause(alternatives, negated=True, typed=[word])])
        else:
            if join_next and not pending_words:
                # "a OR b c": b joins a's clause on its own, c starts a new one.
                add(_word_clauses([bare], synonyms))
            else:
                pending_words.append(bare)
    flush()
    return ParsedQuery(text=text, clauses=clauses, truncated=truncated)
