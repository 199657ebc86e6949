"""Did you mean: corrections drawn from the words of published content, for words that are
not English (checked against wordfreq's English frequencies).

The embedded PostgreSQL has no pg_trgm or fuzzystrmatch, so candidates are fetched by length
and either the first letter or the second and third (two index scans, so that a wrong first
letter is corrected too) and compared in Python with rapidfuzz.
"""

from __future__ import annotations

import re

from django.db import connection
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from search.models import SearchWord
from search.synonyms import normalise_term

_WORD = SearchWord._meta.db_table

MIN_WORD_LENGTH = 4
MAX_WORDS_CHECKED = 4
# A word at least this common in English (wordfreq's Zipf scale: 3 is about once per
# million words, "running" is 5.2, the typo "comunity" 1.8) is real English: someone who
# typed it meant it, even if the site never uses it, so it is never "corrected".
ENGLISH_ZIPF = 3.0


def is_english(word: str) -> bool:
    return zipf_frequency(word, "en") >= ENGLISH_ZIPF


def _max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def corrections(words: list[str]) -> dict[str, str]:
    """Misspelt word -> the most frequent published word within a small edit distance.

    One query whatever the number of words; words already in the vocabulary are left alone.
    """
    checked = []
    for typed in words:
        word = normalise_term(typed)
        if (
            len(word) >= MIN_WORD_LENGTH
            and word.isalpha()
            and word not in checked
            and not is_english(word)
        ):
            checked.append(word)
    checked = checked[:MAX_WORDS_CHECKED]
    if not checked:
        return {}
    conditions, params = [], []
    for word in checked:
        conditions.append(
            "((word LIKE %s OR substr(word, 2, 2) = %s) AND length(word) BETWEEN %s AND %s)"
        )
        limit = _max_distance(word)
        params += [f"{word[0]}%", word[1:3], len(word) - limit, len(word) + limit]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word, frequency FROM {_WORD} WHERE " + " OR ".join(conditions),
            params,
        )
        vocabulary = cursor.fetchall()
    known = {word for word, _ in vocabulary}
    fixes: dict[str, str] = {}
    for word in checked:
        if word in known:
            continue
        limit = _max_distance(word)
        best: tuple[int, int, str] | None = None
        for candidate, frequency in vocabulary:
            if candidate[0] != word[0] and candidate[1:3] != word[1:3]:
                continue
            distance = Levenshtein.distance(word, candidate, score_cutoff=limit)
            if distance <= limit and (best is None or (distance, -frequency) < best[:2]):
                best = (distance, -frequency, candidate)
        if best:
            fixes[word] = best[2]
    return fixes


def corrected_query(text: str, fixes: dict[str, str]) -> str | None:
    """`text` with each misspelt word replaced, keeping quotes, OR and minus signs."""
    if not fixes:
        return None

    def replace(match: re.Match) -> str:
        return fixes.get(match.group(0).lower(), match.group(0))

    fixed = re.sub(r"[^\W\d_]+", replace, text)
    return fixed if fixed != text else None
