"""The query parser (search/parser.py): what someone typed, as clauses of alternatives.

No database: the parser knows nothing of SQL or synonym rows; a synonym map is passed in.
"""

from __future__ import annotations

from search.parser import MAX_QUERY_LENGTH, Alternative, clean_query, parse_query
from search.synonyms import synonym_map

SYNONYMS = synonym_map(
    [
        ["A&E", "accident and emergency"],
        ["LD", "learning disability"],
        ["organisation", "organization"],
    ]
)


def shape(raw: str, synonyms=None) -> list[tuple[bool, list[tuple[str, bool]]]]:
    """Each clause as (negated, [(alternative, phrase?)])."""
    return [
        (clause.negated, [(a.text, a.phrase) for a in clause.alternatives])
        for clause in parse_query(raw, synonyms).clauses
    ]


def test_words_are_clauses_that_must_all_match():
    assert shape("Carers  Dementia") == [
        (False, [("carers", False)]),
        (False, [("dementia", False)]),
    ]


def test_quotes_make_a_phrase_and_an_unclosed_quote_runs_to_the_end():
    assert shape('"social prescribing" carers') == [
        (False, [("social prescribing", True)]),
        (False, [("carers", False)]),
    ]
    assert shape('carers "link workers') == [
        (False, [("carers", False)]),
        (False, [("link workers", True)]),
    ]


def test_or_joins_the_terms_either_side_into_one_clause():
    assert shape("cafe OR walking group") == [
        (False, [("cafe", False), ("walking", False)]),
        (False, [("group", False)]),
    ]
    # "or" in lower case is a word, and a dangling OR joins nothing.
    assert shape("cafe or walking") == [
        (False, [("cafe", False)]),
        (False, [("or", False)]),
        (False, [("walking", False)]),
    ]
    assert shape("OR carers OR") == [(False, [("carers", False)])]


def test_minus_excludes_a_word_or_a_phrase_and_never_joins_an_or():
    assert shape('carers -dementia -"walking group"') == [
        (False, [("carers", False)]),
        (True, [("dementia", False)]),
        (True, [("walking group", True)]),
    ]
    assert shape("carers OR -dementia") == [
        (False, [("carers", False)]),
        (True, [("dementia", False)]),
    ]


def test_synonyms_expand_the_longest_phrase_typed_both_ways():
    assert shape("accident and emergency waits", SYNONYMS) == [
        # "A&E" is folded as it is when indexing (search/text.py).
        (False, [("aande", False), ("accident and emergency", False)]),
        (False, [("waits", False)]),
    ]
    assert shape("LD", SYNONYMS) == [(False, [("ld", False), ("learning disability", False)])]
    assert shape("-organization", SYNONYMS) == [
        (True, [("organisation", False), ("organization", False)])
    ]


def test_typed_words_left_for_spelling_and_for_highlighting():
    parsed = parse_query("lonelyness LD -dementia cafe OR walk", SYNONYMS)
    # Synonyms explained "LD"; negated and OR-joined words are not single misspellings.
    assert parsed.plain_words() == ["lonelyness"]
    assert parsed.highlight_text().split() == [
        "lonelyness",
        "lonelyness",
        "ld",
        "learning",
        "disability",
        "LD",
        "cafe",
        "walk",
        "cafe",
        "walk",
    ]


def test_text_is_cleaned_and_cut_at_a_word():
    assert clean_query("  carers\x00\n\tdementia\x1b ") == ("carers dementia", False)
    text, truncated = clean_query("carers " * 100)
    assert truncated and len(text) <= MAX_QUERY_LENGTH and text.endswith("carers")
    assert parse_query("carers " * 100).truncated


def test_nothing_to_search_for_is_an_empty_query():
    for raw in ["", "   ", "OR", '""', '-""', "OR OR", "!!! ..."]:
        assert parse_query(raw).is_empty, raw
    assert parse_query("carers").clauses[0].alternatives == [Alternative("carers")]
