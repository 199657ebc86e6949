"""Similar work: published items sharing the most distinctive words with a title and summary.

The same measure serves the "Has this been done before?" panel on the write-up and note forms
and the related items on their pages.
"""

from __future__ import annotations

import re

from django.db import connection

from search.models import SearchEntry, SearchWord
from search.results import FAMILY_HEAD_SQL, HIT_COLUMNS, Hit, hits_from_rows, one_per_family
from search.text import fold, strip_control

_SIMILAR_WORD = re.compile(r"[^\W_]{3,}")
MAX_SIMILAR_WORDS = 40
MAX_DISTINCTIVE_WORDS = 15
_ENTRY = SearchEntry._meta.db_table
_WORD = SearchWord._meta.db_table


def similar_text(title: str, summary: str) -> str:
    """What a draft is compared by: the start of its title and summary."""
    return f"{title[:300]} {summary[:600]}"


def _distinctive(words: list[str]) -> list[str]:
    """Drop words so common in published content that sharing them says nothing.

    The vocabulary's document frequencies stand in for IDF, which ts_rank lacks: without
    this, two write-ups are "similar" because both say "team" and "happened".
    """
    if not words:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.word, w.frequency, (SELECT count(*) FROM {_ENTRY}) "
            f"FROM {_WORD} w WHERE w.word = ANY(%s::varchar[])",
            [words],
        )
        rows = cursor.fetchall()
    if not rows:
        return words
    total = rows[0][2]
    frequency = {word: count for word, count, _ in rows}
    common = max(2, total // 4) if total >= 20 else total

    def is_common(word: str) -> bool:
        return frequency.get(word, 0) >= common

    # When every word is common (a small site, or a one-topic draft) the words still count.
    distinctive = [word for word in words if not is_common(word)] or words
    return sorted(distinctive, key=lambda w: frequency.get(w, 0))[:MAX_DISTINCTIVE_WORDS]


def similar_items(
    *, text: str, exclude: tuple[str, int] | None = None, limit: int = 5
) -> list[Hit]:
    """Published items whose title, summary and tags share the most words with `text`."""
    words = list(dict.fromkeys(_SIMILAR_WORD.findall(fold(strip_control(text)))))
    words = _distinctive(words[:MAX_SIMILAR_WORDS])
    if not words:
        return []
    q_sql = "(" + " || ".join("plainto_tsquery('english', %s)" for _ in words) + ")"
    conditions, params = [f"e.rank_vector @@ {q_sql}"], list(words)
    if exclude:
        # Neither the item itself nor its family (a note's event, an event's notes).
        conditions.append(
            "NOT (e.kind = %s AND e.object_id = %s) AND e.family NOT IN (SELECT x.family "
            f"FROM {_ENTRY} x WHERE x.kind = %s AND x.object_id = %s AND x.family <> '')"
        )
        params += [*exclude, *exclude]
    sql = (
        f"SELECT {HIT_COLUMNS}, NULL, e.family, {FAMILY_HEAD_SQL} "
        f"FROM {_ENTRY} e WHERE {' AND '.join(conditions)} "
        f"ORDER BY ts_rank(e.rank_vector, {q_sql}) DESC, e.date DESC, e.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        # Twice as many: an event and its note are one item.
        cursor.execute(sql, [*params, *words, 2 * limit])
        rows = one_per_family(cursor.fetchall(), lambda r: r[11], lambda r: r[12])
    return hits_from_rows([row[:11] for row in rows[:limit]])
