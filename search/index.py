"""Writing search entries: the items a commit changed (see signals.py), or everything at once
for a rebuild."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator

from django.db import DatabaseError, connection, transaction

from search import registry
from search.models import SearchEntry, SearchWord
from search.postings import (
    Phrase,
    indexed_phrases,
    lock_phrases,
    postings_rebuild,
    postings_remove,
    postings_write,
    wanted_phrases,
)
from search.registry import SearchDocument, SearchType
from search.rows import entry_row

# Items read and rows written per statement by the rebuild: its queries grow with the number
# of batches, not of items.
REBUILD_BATCH = 500
_PROGRAM_LIMIT_EXCEEDED = "54000"

_ENTRY = SearchEntry._meta.db_table
_WORD = SearchWord._meta.db_table
_COLUMNS = (
    "kind, object_id, url, title, summary, date, year, organisation, region, evidence_level, "
    "tags, tag_names, text, words, family, vector, rank_vector"
)
# Vectors are built by PostgreSQL from the row's parts; weights A title, B summary and tags,
# C sections and organisation, D body. The small rank vector is for ordering only. Both also
# hold the item's filter values as unparsed lexemes ("r:london", "t:carers": see
# rows.filter_lexemes) so that a query with filters is one GIN lookup, not a GIN lookup plus
# a scan of every match; the full vector holds the token of each indexed phrase it holds
# (postings.py; parameters: the tokens, then the rows).
_UPSERT = f"""
INSERT INTO {_ENTRY} ({_COLUMNS})
SELECT u.kind, u.object_id, u.url, u.title, u.summary, u.date, u.year, u.organisation,
       u.region, u.evidence_level, u.tags, u.tag_names, u.text, u.words, u.family,
       v.vector || array_to_tsvector(
           ARRAY(SELECT t FROM unnest(%s::text[]) t WHERE v.vector @@ t::tsquery)),
       setweight(to_tsvector('english', u.title_ix), 'A')
         || setweight(to_tsvector('english', u.summary_ix), 'B')
         || array_to_tsvector(u.filters)
FROM jsonb_to_recordset(%s::jsonb) AS u(
    kind text, object_id bigint, url text, title text, summary text, date timestamptz,
    year int, organisation text, region text, evidence_level int, tags text[],
    tag_names text[], text text, words text[], family text, title_ix text, summary_ix text,
    sections_ix text, body_ix text, filters text[])
CROSS JOIN LATERAL (
    SELECT setweight(to_tsvector('english', u.title_ix), 'A')
         || setweight(to_tsvector('english', u.summary_ix), 'B')
         || setweight(to_tsvector('english', u.sections_ix), 'C')
         || setweight(to_tsvector('english', u.body_ix), 'D')
         || array_to_tsvector(u.filters) AS vector
    OFFSET 0  -- built once: as a reference in the select list, it would be built per token
) v
ON CONFLICT (kind, object_id) DO UPDATE SET
    url = EXCLUDED.url, title = EXCLUDED.title, summary = EXCLUDED.summary,
    date = EXCLUDED.date, year = EXCLUDED.year, organisation = EXCLUDED.organisation,
    region = EXCLUDED.region, evidence_level = EXCLUDED.evidence_level, tags = EXCLUDED.tags,
    tag_names = EXCLUDED.tag_names, text = EXCLUDED.text, words = EXCLUDED.words,
    family = EXCLUDED.family,
    vector = EXCLUDED.vector, rank_vector = EXCLUDED.rank_vector
RETURNING id
"""


def _words_add(cursor, words: list[str]) -> None:
    if words:
        cursor.execute(
            f"INSERT INTO {_WORD} (word, frequency) SELECT w, 1 FROM unnest(%s::text[]) w"
            f" ON CONFLICT (word) DO UPDATE SET frequency = {_WORD}.frequency + 1",
            [sorted(words)],
        )


def _words_remove(cursor, words: list[str]) -> None:
    if words:
        cursor.execute(
            f"UPDATE {_WORD} SET frequency = frequency - 1 WHERE word = ANY(%s::text[])",
            [sorted(words)],
        )
        cursor.execute(
            f"DELETE FROM {_WORD} WHERE frequency <= 0 AND word = ANY(%s::text[])",
            [sorted(words)],
        )


def entries_sync(search_type: SearchType, object_ids: Iterable[int]) -> None:
    """Make the index agree with the database for these items of one type: each published one
    written once, from one read of them all; the others (drafts, deleted) removed."""
    object_ids = sorted(set(object_ids))
    found = {item.pk: item for item in search_type.published().filter(pk__in=object_ids)}
    for object_id in object_ids:
        item = found.get(object_id)
        document = search_type.document(item) if item is not None else None
        if document is None:
            entry_remove(kind=search_type.kind, object_id=object_id)
        else:
            entry_write(search_type.kind, object_id, document)


def entry_write(kind: str, object_id: int, document: SearchDocument) -> None:
    """Add or refresh one entry, and the vocabulary by the difference in its words."""
    row = entry_row(kind, object_id, document)
    while True:
        try:
            _entry_write(row)
            return
        except DatabaseError as error:
            row = _shortened(row, error)


def _entry_write(row: dict) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        lock_phrases(cursor, shared=True)
        phrases = indexed_phrases(cursor)
        cursor.execute(
            f"SELECT words FROM {_ENTRY} WHERE kind = %s AND object_id = %s FOR UPDATE",
            [row["kind"], row["object_id"]],
        )
        found = cursor.fetchone()
        old_words = set(found[0]) if found else set()
        cursor.execute(_UPSERT, [_tokens(phrases), json.dumps([row])])
        postings_write(cursor, [cursor.fetchone()[0]], phrases)
        new_words = set(row["words"])
        _words_add(cursor, list(new_words - old_words))
        _words_remove(cursor, list(old_words - new_words))


def _too_long(error: DatabaseError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == _PROGRAM_LIMIT_EXCEEDED


def _shortened(row: dict, error: DatabaseError) -> dict:
    """The row with its indexed sections and body halved, after PostgreSQL refused its vector
    as too long; any other error, or one with nothing left to cut, is raised again."""
    if not _too_long(error) or not (row["sections_ix"] or row["body_ix"]):
        raise error
    return {
        **row,
        "sections_ix": row["sections_ix"][: len(row["sections_ix"]) // 2],
        "body_ix": row["body_ix"][: len(row["body_ix"]) // 2],
    }


def entry_remove(*, kind: str, object_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_ENTRY} WHERE kind = %s AND object_id = %s RETURNING words, id",
            [kind, object_id],
        )
        found = cursor.fetchone()
        if found:
            _words_remove(cursor, list(found[0]))
            postings_remove(cursor, [found[1]])


def _tokens(phrases: list[Phrase]) -> list[str]:
    return [phrase.token for phrase in phrases]


def entries_bulk_insert(
    rows: Iterable[tuple[str, int, SearchDocument]], phrases: list[Phrase]
) -> int:
    """Insert many entries in batches, with the tokens of these phrases, leaving the
    vocabulary to `vocabulary_rebuild` and the postings to `postings_rebuild`."""
    batch: list[dict] = []
    written = 0
    tokens = _tokens(phrases)
    with connection.cursor() as cursor:
        for kind, object_id, document in rows:
            batch.append(entry_row(kind, object_id, document))
            if len(batch) >= REBUILD_BATCH:
                _batch_write(cursor, batch, tokens)
                written += len(batch)
                batch = []
        if batch:
            _batch_write(cursor, batch, tokens)
            written += len(batch)
    return written


def _batch_write(cursor, rows: list[dict], tokens: list[str]) -> None:
    """One statement for the batch; if a row's vector is too long, each row on its own, the
    refused one shortened until it fits (a savepoint keeps the rebuild's transaction)."""
    try:
        with transaction.atomic():
            cursor.execute(_UPSERT, [tokens, json.dumps(rows)])
    except DatabaseError as error:
        if len(rows) == 1:
            _batch_write(cursor, [_shortened(rows[0], error)], tokens)
        elif _too_long(error):
            for row in rows:
                _batch_write(cursor, [row], tokens)
        else:
            raise


def vocabulary_rebuild() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_WORD}")
        cursor.execute(
            f"INSERT INTO {_WORD} (word, frequency)"
            f" SELECT w, count(*) FROM {_ENTRY}, unnest(words) w GROUP BY w"
        )


def _published_documents() -> Iterator[tuple[str, int, SearchDocument]]:
    """Every published item's document, the types interleaved in proportion to their sizes.

    A word found in more than COUNT_CAP items is ranked and faceted from its first matches in
    table order: rows written one type after another would make that sample all write-ups,
    and the type facet would offer no events or notes. Each type is read REBUILD_BATCH items
    at a time, what its documents need prefetched per batch (see SearchType.published).
    """
    streams = []
    for search_type in registry.types():
        published = search_type.published()
        streams.append(
            (search_type, published.count(), published.iterator(chunk_size=REBUILD_BATCH))
        )
    total = sum(count for _, count, _ in streams) or 1
    while streams:
        for stream in list(streams):
            search_type, count, instances = stream
            share = max(1, REBUILD_BATCH * count // total)
            taken = list(itertools.islice(instances, share))
            if len(taken) < share:
                streams.remove(stream)
            for instance in taken:
                document = search_type.document(instance)
                if document is not None:
                    yield search_type.kind, instance.pk, document


def index_rebuild() -> int:
    """Replace every entry and the vocabulary from the published content; returns the count."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            lock_phrases(cursor, shared=False)
            phrases = wanted_phrases(cursor)
            cursor.execute(f"DELETE FROM {_ENTRY}")
        written = entries_bulk_insert(_published_documents(), phrases)
        vocabulary_rebuild()
        with connection.cursor() as cursor:
            postings_rebuild(cursor, phrases)
    return written
