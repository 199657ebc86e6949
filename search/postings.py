"""Writing postings: each entry's words with their impact, computed by PostgreSQL from the
entry's weighted vector (title A, summary and tags B, sections and key points C, body D).

impact(word, item) = sum over fields f of  W_f * sat(tf_f / norm_f)  +  TITLE_SHARE * tf_A / len_A

where sat(x) = x (K1 + 1) / (x + K1) saturates repeated words (six mentions count more than
one, but not six times as much), norm_f = 1 - B_f + B_f * len_f / AVERAGE_f divides by how long
the field is compared with a typical one, and the last term is the share of the title the word
makes up: every word of a query that is exactly an item's title adds up to TITLE_SHARE. A
title's length counts its stop words ("On loneliness for the" is four words, "Loneliness"
one): it is the number of words PostgreSQL's `simple` configuration finds in it. The
weights put a title match above summary and tags, those above sections and key points, and
those above the body. The averages are fixed typical lengths rather than measured ones, so
writing one entry never changes another's impacts.
"""

from __future__ import annotations

from search.models import SearchEntry, SearchLexeme, SearchPosting

ENTRY = SearchEntry._meta.db_table
POSTING = SearchPosting._meta.db_table
LEXEME = SearchLexeme._meta.db_table

_IMPACT_INDEX = SearchPosting._meta.indexes[0].name

K1 = 1.2
# weight, length normalisation, typical length in lexemes
FIELDS = {
    "A": (8.0, 0.9, 5),  # title
    "B": (3.5, 0.75, 30),  # summary, tags
    "C": (2.0, 0.75, 60),  # sections, organisation, key points
    "D": (1.0, 0.75, 400),  # body
}
TITLE_SHARE = 12.0


def _impact_sql() -> str:
    terms = []
    for weight_class, (weight, b, average) in FIELDS.items():
        tf = f"u.t{weight_class.lower()}"
        norm = f"({1 - b} + {b} * n.l{weight_class.lower()} / {average}.0)"
        x = f"({tf} / {norm})"
        terms.append(f"{weight} * {x} * {K1 + 1} / ({x} + {K1})")
    terms.append(f"{TITLE_SHARE} * u.ta / greatest(n.la, 1)")
    return " + ".join(terms)


# Filter lexemes ("r:london") have no positions and get no posting.
_POSTINGS_SELECT = f"""
SELECT e.id, u.lexeme, {_impact_sql()}
FROM {ENTRY} e
CROSS JOIN LATERAL (
    SELECT {", ".join(f"count(*) FILTER (WHERE w = '{c}')::float AS l{c.lower()}" for c in "BCD")},
        length(to_tsvector('simple', e.title))::float AS la
    FROM unnest(e.vector) x, unnest(x.weights) w
) n
CROSS JOIN LATERAL (
    SELECT x.lexeme, {
    ", ".join(
        f"cardinality(array_positions(x.weights, '{c}'))::float AS t{c.lower()}" for c in FIELDS
    )
}
    FROM unnest(e.vector) x
    WHERE x.positions IS NOT NULL
) u
"""  # noqa: S608 - table names from model metadata, numbers from this module

_INSERT = f"INSERT INTO {POSTING} (entry_id, lexeme, impact) {_POSTINGS_SELECT}"


# The lexeme "" (never a word) counts the entries themselves: idf's N.
ALL = ""

_DELETE = (
    f"WITH old AS (DELETE FROM {POSTING} WHERE entry_id = ANY(%s) RETURNING entry_id, lexeme), "
    "counts AS (SELECT lexeme, count(*) AS n FROM old GROUP BY lexeme "
    f"UNION ALL SELECT '{ALL}', count(DISTINCT entry_id) FROM old) "
    f"UPDATE {LEXEME} l SET entries = l.entries - c.n FROM counts c WHERE l.lexeme = c.lexeme"
)


def postings_write(cursor, entry_ids: list[int]) -> None:
    """Replace the postings of these entries, and the lexemes' entry counts by difference."""
    if not entry_ids:
        return
    cursor.execute(_DELETE, [entry_ids])
    cursor.execute(
        f"WITH new AS ({_INSERT} WHERE e.id = ANY(%s) RETURNING entry_id, lexeme) "
        f"INSERT INTO {LEXEME} (lexeme, entries) "
        "SELECT lexeme, count(*) FROM new GROUP BY lexeme "
        f"UNION ALL SELECT '{ALL}', count(DISTINCT entry_id) FROM new "
        f"ON CONFLICT (lexeme) DO UPDATE SET entries = {LEXEME}.entries + EXCLUDED.entries",
        [entry_ids],
    )


def postings_remove(cursor, entry_ids: list[int]) -> None:
    cursor.execute(_DELETE, [entry_ids])


def postings_rebuild(cursor) -> None:
    """Every entry's postings and every lexeme's count, from scratch (the rebuild).

    Written into a new table whose indexes are then built in one sort each, several times
    faster than keeping two indexes over millions of rows current row by row; the new table
    replaces the old one at the end, so searches read the old postings until the rebuild
    commits. The names of the table, its key and index stay those the model declares.
    """
    new = f"{POSTING}_new"
    cursor.execute(f"DROP TABLE IF EXISTS {new}")
    cursor.execute(f"CREATE TABLE {new} (LIKE {POSTING} INCLUDING DEFAULTS)")
    cursor.execute(_INSERT.replace(f"INSERT INTO {POSTING} ", f"INSERT INTO {new} ", 1))
    cursor.execute(f"ALTER TABLE {new} ADD PRIMARY KEY (entry_id, lexeme, impact)")
    cursor.execute(f"CREATE INDEX {new}_impact ON {new} (lexeme, impact DESC, entry_id)")
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [POSTING],
    )
    primary_key = cursor.fetchone()[0]
    cursor.execute(f"DROP TABLE {POSTING}")
    cursor.execute(f"ALTER TABLE {new} RENAME TO {POSTING}")
    cursor.execute(f'ALTER INDEX {new}_pkey RENAME TO "{primary_key}"')
    cursor.execute(f"ALTER INDEX {new}_impact RENAME TO {_IMPACT_INDEX}")
    cursor.execute(f"DELETE FROM {LEXEME}")
    cursor.execute(
        f"INSERT INTO {LEXEME} (lexeme, entries) "
        f"SELECT lexeme, count(*) FROM {POSTING} GROUP BY lexeme "
        f"UNION ALL SELECT '{ALL}', count(*) FROM {ENTRY}"
    )
    cursor.execute(f"ANALYZE {POSTING}")
