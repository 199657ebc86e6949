"""Synonym groups as a lookup table for the query parser."""

from __future__ import annotations

from collections.abc import Iterable

from practice.search.text import fold

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


def load_synonym_map() -> SynonymMap:
    from practice.search.models import Synonym

    return synonym_map(synonym.term_list() for synonym in Synonym.objects.all())
