"""Synonym groups as a lookup table for the query parser."""

from __future__ import annotations

from collections.abc import Iterable

from search.models import Synonym
from search.text import fold

_EDGE_PUNCTUATION = ".,;:!?()[]{}<>'\"*“”‘’«»"

SynonymMap = dict[str, tuple[str, ...]]


def normalise_term(text: str) -> str:
    """The form a word or phrase is compared in: folded, lowercase, single-spaced."""
    words = (word.strip(_EDGE_PUNCTUATION) for word in fold(text).split())
    return " ".join(word for word in words if word)


def synonym_map(groups: Iterable[Iterable[str]]) -> SynonymMap:
    """Each term maps to every term of its groups (itself included), in first-seen order."""
    found: dict[str, dict[str, None]] = {}
    for group in groups:
        terms = [t for t in (normalise_term(term) for term in group) if t]
        for term in terms:
            found.setdefault(term, {}).update(dict.fromkeys(terms))
    return {term: tuple(others) for term, others in found.items()}


# The map built from the last rows read: rows are read on every search (so a new row works
# on the next one), but folding and grouping them again only happens when they changed.
_last: tuple[tuple[str, ...], SynonymMap] | None = None


def load_synonym_map() -> SynonymMap:
    global _last
    rows = tuple(Synonym.objects.values_list("terms", flat=True))
    last = _last
    if last is None or last[0] != rows:
        last = (rows, synonym_map(Synonym(terms=terms).term_list() for terms in rows))
        _last = last
    return last[1]
