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

import re
from dataclasses import dataclass

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


def _impact_sql(words: int = 1) -> str:
    """The impact of `u`'s counts per weight class (`words`: how many title words each
    counted occurrence covers, for the share of the title)."""
    terms = []
    for weight_class, (weight, b, average) in FIELDS.items():
        tf = f"u.t{weight_class.lower()}"
        norm = f"({1 - b} + {b} * n.l{weight_class.lower()} / {average}.0)"
        x = f"({tf} / {norm})"
        terms.append(f"{weight} * {x} * {K1 + 1} / ({x} + {K1})")
    terms.append(f"{TITLE_SHARE * words} * u.ta / greatest(n.la, 1)")
    return " + ".join(terms)


# Each field's length in lexemes, and the title's in words (stop words too), for the
# length normalisation.
_LENGTHS = f"""
CROSS JOIN LATERAL (
    SELECT {", ".join(f"count(*) FILTER (WHERE w = '{c}')::float AS l{c.lower()}" for c in "BCD")},
        length(to_tsvector('simple', e.title))::float AS la
    FROM unnest(e.vector) x, unnest(x.weights) w
) n
"""

# Which of the common words the entry holds (parameters: their bits and their tsquery texts).
_COMMON = """
CROSS JOIN LATERAL (
    SELECT coalesce(bit_or(1::bigint << c.bit), 0) AS common
    FROM unnest(%s::int[], %s::tsquery[]) c(bit, word) WHERE e.vector @@ c.word
) m
"""

# Filter lexemes ("r:london") have no positions and get no posting.
_POSTINGS_SELECT = f"""
SELECT e.id, u.lexeme, {_impact_sql()}, m.common
FROM {ENTRY} e
{_LENGTHS}
{_COMMON}
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

# --- Phrase tokens -------------------------------------------------------------------------
# The site's own phrases, its synonyms of several words ("integrated care board", the
# synonym of "ICB") and its topics of several words ("public health"), are also indexed each
# as one posting list of its own, under its tsquery text ("'integr' <-> 'care' <-> 'board'":
# no lexeme holds a space, so the two never meet). Its impact is a word's (postings above),
# counting the phrase's occurrences: where its first word stands, with that word's weight
# class, and the rest of the words at the distances the phrase puts them. Ranking then reads
# such a phrase as one impact-ordered list, with no check of word positions, instead of
# lists of common words whose items mostly lack the phrase (ranking.py).
#
# The token is also a lexeme (without positions) in the vector of every entry holding the
# phrase, so that matching the phrase is an exact look-up in the vector's GIN index
# (builder.PHRASE_TSQUERY). Checking word positions instead cost 10 of the 44 ms of a search
# for "public health" at 125,000 entries: every entry with both words, 7 in 10 of them
# without the phrase. The tokens indexed are the lexemes with a space; phrases_sync keeps
# them in step with the synonyms and topics, and a phrase not indexed is matched by word
# positions as before. Entry writes hold the phrases' lock shared and phrases_sync holds it
# alone (lock_phrases), so that no entry is written with tokens a sync is changing.

_PHRASES_LOCK = "SELECT pg_advisory_xact_lock{mode}(hashtext('wheelhouse:phrases_sync'))"

# The tsquery matching exactly the lexeme that the SQL `{lexeme}` gives (see quoted_lexeme).
LEXEME_TSQUERY = r"('''' || replace(replace({lexeme}, '\', '\\'), '''', '''''') || '''')::tsquery"


def lock_phrases(cursor, *, shared: bool) -> None:
    cursor.execute(_PHRASES_LOCK.format(mode="_shared" if shared else ""))


_PHRASE_PART = re.compile(r"'((?:[^']|'')*)'|<(\d+|-)>|(\S)")


@dataclass(frozen=True)
class Phrase:
    token: str  # its tsquery text
    lexemes: tuple[str, ...]
    offsets: tuple[int, ...]  # each lexeme's position after the first's


def phrase_of(token: str) -> Phrase | None:
    """The phrase a tsquery text holds, or None if it is not lexemes joined by <N>."""
    lexemes: list[str] = []
    offsets: list[int] = []
    gap = 0
    for match in _PHRASE_PART.finditer(token):
        lexeme, distance, other = match.groups()
        if other is not None:
            return None  # &, |, !, parentheses: not one phrase
        if lexeme is not None:
            lexemes.append(lexeme.replace("''", "'"))
            offsets.append(offsets[-1] + gap if offsets else 0)
        else:
            gap = 1 if distance == "-" else int(distance)
    return Phrase(token, tuple(lexemes), tuple(offsets)) if len(lexemes) > 1 else None


def _phrase_select(phrase: Phrase, common: CommonWords, where: str = "") -> tuple[str, list]:
    """The postings of `phrase` (entry, token, impact, common words) of the entries matching
    it."""
    later = range(1, len(phrase.lexemes))
    positions = ", ".join(
        f"array_agg(x.positions) FILTER (WHERE x.lexeme = %s) AS p{i}" for i in later
    )
    follows = " AND ".join(f"(f.pos + {phrase.offsets[i]}) = ANY(o.p{i})" for i in later)
    counts = ", ".join(
        f"count(*) FILTER (WHERE f.w = '{c}')::float AS t{c.lower()}" for c in FIELDS
    )
    sql = f"""
SELECT e.id, %s::text, {_impact_sql(len(phrase.lexemes))}, m.common
FROM {ENTRY} e
{_LENGTHS}
{_COMMON}
CROSS JOIN LATERAL (SELECT {positions} FROM unnest(e.vector) x WHERE x.lexeme = ANY(%s)) o
CROSS JOIN LATERAL (
    SELECT {counts}
    FROM unnest(e.vector) x CROSS JOIN LATERAL unnest(x.positions, x.weights) f(pos, w)
    WHERE x.lexeme = %s AND {follows}
) u
WHERE e.vector @@ %s::tsquery AND u.ta + u.tb + u.tc + u.td > 0{where}
"""  # noqa: S608 - table names from model metadata, numbers from this module
    lexemes = phrase.lexemes
    return sql, [
        phrase.token,
        *common.params,
        *lexemes[1:],
        list(lexemes[1:]),
        lexemes[0],
        phrase.token,
    ]


def wanted_phrases(cursor) -> list[Phrase]:
    """The phrases to index: every synonym's terms of several words and every topic's (tag's)
    name of several words, as the parser reads them."""
    from search import registry
    from search.synonyms import load_synonym_map, normalise_term

    terms = {term for term in load_synonym_map() if " " in term}
    for tag_model in {t.tag_model for t in registry.types() if t.tag_model is not None}:
        names = tag_model.objects.filter(name__contains=" ").values_list("name", flat=True)
        terms.update(normalise_term(name) for name in names)
    cursor.execute(
        "SELECT DISTINCT phraseto_tsquery('english', t)::text FROM unnest(%s::text[]) t",
        [sorted(terms)],
    )
    phrases = (phrase_of(token) for (token,) in cursor.fetchall())
    return sorted((p for p in phrases if p), key=lambda p: p.token)


def indexed_phrases(cursor) -> list[Phrase]:
    """The phrases whose postings are kept (their token has a count, perhaps 0)."""
    cursor.execute(f"SELECT lexeme FROM {LEXEME} WHERE lexeme LIKE '% %' ORDER BY lexeme")
    phrases = (phrase_of(token) for (token,) in cursor.fetchall())
    return [p for p in phrases if p]


def _select_all(
    phrases: list[Phrase], common: CommonWords, where: str = "", params: list | None = None
):
    """Every posting (words, then these phrases') of the entries `where` selects."""
    parts = [_POSTINGS_SELECT + (f" WHERE TRUE{where}" if where else "")]
    values = [*common.params, *(params or [])]
    for phrase in phrases:
        sql, phrase_params = _phrase_select(phrase, common, where)
        parts.append(sql)
        values += phrase_params + list(params or [])
    return " UNION ALL ".join(parts), values


# --- Common words --------------------------------------------------------------------------
# The COMMON_WORDS lexemes in most entries, chosen by each rebuild from a sample of entries,
# have a bit each (SearchLexeme.bit), and every posting carries the bits of those its entry
# holds (SearchPosting.common, kept in the impact index). Excluding such a word ("-health",
# in 88% of entries) then costs nothing per posting read, where probing the postings' key
# cost 8 µs a posting; other excluded words are probed as before. Entries written between
# rebuilds get the bits the last rebuild chose, so the bits of every posting agree.

COMMON_WORDS = 63  # a bigint's bits, not its sign
# Entries sampled to choose them: the words in a third of all entries stand out in any
# sample of a few thousand.
COMMON_SAMPLE = 5000


def quoted_lexeme(lexeme: str) -> str:
    """A lexeme as tsquery text that matches exactly it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class CommonWords:
    words: tuple[tuple[int, str], ...] = ()  # (bit, lexeme)

    @property
    def params(self) -> list:
        return [[bit for bit, _ in self.words], [quoted_lexeme(word) for _, word in self.words]]


def common_words(cursor) -> CommonWords:
    """The words the last rebuild gave bits (none before the first), with their bits."""
    cursor.execute(f"SELECT bit, lexeme FROM {LEXEME} WHERE bit IS NOT NULL ORDER BY bit")
    return CommonWords(tuple(cursor.fetchall()))


def _choose_common(cursor) -> CommonWords:
    """The plain words (letters and digits) in most entries of a sample of them."""
    cursor.execute(f"SELECT count(*) FROM {ENTRY}")
    entries = cursor.fetchone()[0]
    sample = ""
    if entries > COMMON_SAMPLE:
        sample = f" TABLESAMPLE SYSTEM ({100 * COMMON_SAMPLE / entries:.4f}) REPEATABLE (0)"
    cursor.execute(
        f"SELECT x.lexeme FROM {ENTRY} e{sample} CROSS JOIN LATERAL unnest(e.vector) x "
        "WHERE x.positions IS NOT NULL AND x.lexeme ~ '^[a-z0-9]+$' "
        f"GROUP BY x.lexeme ORDER BY count(*) DESC, x.lexeme LIMIT {COMMON_WORDS}"
    )
    return CommonWords(tuple(enumerate(lexeme for (lexeme,) in cursor.fetchall())))


# The lexeme "" (never a word) counts the entries themselves: idf's N.
ALL = ""

_DELETE = (
    f"WITH old AS (DELETE FROM {POSTING} WHERE entry_id = ANY(%s) RETURNING entry_id, lexeme), "
    "counts AS (SELECT lexeme, count(*) AS n FROM old GROUP BY lexeme "
    f"UNION ALL SELECT '{ALL}', count(DISTINCT entry_id) FROM old) "
    f"UPDATE {LEXEME} l SET entries = l.entries - c.n FROM counts c WHERE l.lexeme = c.lexeme"
)


def postings_write(cursor, entry_ids: list[int], phrases: list[Phrase]) -> None:
    """Replace the postings of these entries, and the lexemes' entry counts by difference
    (`phrases`: the indexed ones, read under the phrases' lock before the entries were
    written)."""
    if not entry_ids:
        return
    cursor.execute(_DELETE, [entry_ids])
    select, params = _select_all(phrases, common_words(cursor), " AND e.id = ANY(%s)", [entry_ids])
    cursor.execute(
        f"WITH new AS (INSERT INTO {POSTING} (entry_id, lexeme, impact, common) {select} "
        "RETURNING entry_id, lexeme) "
        f"INSERT INTO {LEXEME} (lexeme, entries) "
        "SELECT lexeme, count(*) FROM new GROUP BY lexeme "
        f"UNION ALL SELECT '{ALL}', count(DISTINCT entry_id) FROM new "
        f"ON CONFLICT (lexeme) DO UPDATE SET entries = {LEXEME}.entries + EXCLUDED.entries",
        params,
    )


def postings_remove(cursor, entry_ids: list[int]) -> None:
    cursor.execute(_DELETE, [entry_ids])


def postings_rebuild(cursor, phrases: list[Phrase]) -> None:
    """Every entry's postings and every lexeme's count, from scratch (the rebuild), with
    these phrases indexed (the entries were written with their tokens).

    Written into a new table whose indexes are then built in one sort each, several times
    faster than keeping two indexes over millions of rows current row by row; the new table
    replaces the old one at the end, so searches read the old postings until the rebuild
    commits. The names of the table, its key and index stay those the model declares.
    """
    new = f"{POSTING}_new"
    cursor.execute(f"DROP TABLE IF EXISTS {new}")
    cursor.execute(f"CREATE TABLE {new} (LIKE {POSTING} INCLUDING DEFAULTS)")
    common = _choose_common(cursor)
    select, params = _select_all(phrases, common)
    cursor.execute(f"INSERT INTO {new} (entry_id, lexeme, impact, common) {select}", params)
    cursor.execute(f"ALTER TABLE {new} ADD PRIMARY KEY (entry_id, lexeme, impact)")
    cursor.execute(
        f"CREATE INDEX {new}_impact ON {new} (lexeme, impact DESC, entry_id) INCLUDE (common)"
    )
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
    _phrases_known(cursor, phrases)
    cursor.execute(
        f"UPDATE {LEXEME} l SET bit = c.bit FROM unnest(%s::text[], %s::int[]) c(lexeme, bit) "
        "WHERE l.lexeme = c.lexeme",
        [[word for _, word in common.words], [bit for bit, _ in common.words]],
    )
    cursor.execute(f"ANALYZE {POSTING}")


def _phrases_known(cursor, phrases: list[Phrase]) -> None:
    """Mark these phrases as indexed: a count for each token, 0 if no entry holds it."""
    cursor.execute(
        f"INSERT INTO {LEXEME} (lexeme, entries) SELECT unnest(%s::text[]), 0 "
        "ON CONFLICT (lexeme) DO NOTHING",
        [[phrase.token for phrase in phrases]],
    )


def phrases_sync(cursor) -> int:
    """Index the site's phrases as they are now (after a synonym or a topic changed): for each
    new one, postings and its token in the vectors of every entry holding it; for one no
    longer wanted, neither. Holds the phrases' lock alone: two syncs at once would both write a
    new phrase, and an entry written meanwhile could miss it. Returns how many phrases are
    indexed."""
    lock_phrases(cursor, shared=False)
    wanted = {phrase.token: phrase for phrase in wanted_phrases(cursor)}
    have = {phrase.token for phrase in indexed_phrases(cursor)}
    gone = sorted(have - set(wanted))
    for token in gone:
        cursor.execute(
            f"UPDATE {ENTRY} e SET vector = ts_delete(e.vector, %s::text) "
            f"WHERE e.vector @@ {LEXEME_TSQUERY.format(lexeme='%s::text')}",
            [token, token],
        )
    if gone:
        cursor.execute(f"DELETE FROM {POSTING} WHERE lexeme = ANY(%s)", [gone])
        cursor.execute(f"DELETE FROM {LEXEME} WHERE lexeme = ANY(%s)", [gone])
    added = [phrase for token, phrase in wanted.items() if token not in have]
    common = common_words(cursor) if added else CommonWords()
    for phrase in added:
        sql, params = _phrase_select(phrase, common)
        cursor.execute(
            f"WITH new AS (INSERT INTO {POSTING} (entry_id, lexeme, impact, common) {sql} "
            f"RETURNING lexeme) INSERT INTO {LEXEME} (lexeme, entries) "
            "SELECT %s, count(*) FROM new "
            f"ON CONFLICT (lexeme) DO UPDATE SET entries = EXCLUDED.entries",
            [*params, phrase.token],
        )
        cursor.execute(
            f"UPDATE {ENTRY} e SET vector = e.vector || array_to_tsvector(ARRAY[%s::text]) "
            "WHERE e.vector @@ %s::tsquery",
            [phrase.token, phrase.token],
        )
    return len(wanted)
