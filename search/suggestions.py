"""Suggestions as someone types in the header's search box: titles, then tags."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.urls import reverse
from taggit.models import Tag

from search import registry, results
from search.models import SearchEntry
from search.parser import clean_query
from search.text import fold

MAX_SUGGESTIONS = 6
MAX_TAG_SUGGESTIONS = 3
_ENTRY = SearchEntry._meta.db_table


@dataclass(frozen=True)
class Suggestion:
    label: str
    url: str
    kind: str


def suggestions_for(raw: str) -> list[Suggestion]:
    """Titles starting with the typed words (the last one as a prefix), then matching tags."""
    text, _ = clean_query(raw)
    words = re.findall(r"[^\W_]+", fold(text))[:6]
    if not words:
        return []
    # Only letters and digits reach the tsquery syntax; ":*A" = prefix, title weight only.
    tsquery = " & ".join(f"{w}:A" for w in words[:-1]) + (" & " if len(words) > 1 else "")
    tsquery += f"{words[-1]}:*A"
    with connection.cursor() as cursor:
        # A two-letter prefix can match most titles: rank a bounded set, as the search does.
        cursor.execute(
            f"SELECT c.title, c.url, c.kind, c.family, c.is_head FROM (SELECT e.title, e.url, "
            "e.kind, e.date, e.rank_vector, e.family, "
            f"{results.FAMILY_HEAD_SQL} AS is_head "
            f"FROM {_ENTRY} e WHERE e.rank_vector @@ to_tsquery('english', %s) "
            f"LIMIT {results.COUNT_CAP}) c "
            "ORDER BY ts_rank(c.rank_vector, to_tsquery('english', %s)) DESC, c.date DESC "
            "LIMIT %s",
            # Twice as many: an event and its note are one suggestion.
            [tsquery, tsquery, 2 * MAX_SUGGESTIONS],
        )
        rows = results.one_per_family(cursor.fetchall(), lambda r: r[3], lambda r: r[4])
        titles = [
            Suggestion(title, url, registry.kind_label(kind))
            for title, url, kind, _, _ in rows[:MAX_SUGGESTIONS]
        ]
        prefix = " ".join(text.lower().split()).replace("\\", "").replace("%", "").replace("_", "")
        cursor.execute(
            f"SELECT t.name, t.slug FROM {Tag._meta.db_table} t "
            "WHERE (lower(t.name) LIKE %s OR lower(t.name) LIKE %s) "
            f"AND EXISTS (SELECT 1 FROM {_ENTRY} e WHERE e.tags @> ARRAY[t.slug]::varchar[]) "
            "ORDER BY t.name LIMIT %s",
            [f"{prefix}%", f"% {prefix}%", MAX_TAG_SUGGESTIONS],
        )
        tags = [
            Suggestion(name, f"{reverse('search:results')}?tag={slug}", "Tag")
            for name, slug in cursor
        ]
    return titles + tags
