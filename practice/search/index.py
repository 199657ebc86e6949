"""Writing search entries: one item after a save, or everything at once for a rebuild."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from practice.search import registry
from practice.search.registry import SearchDocument
from practice.search.text import for_index, strip_control, vocabulary_words

# Snippets are cut from this much plain text; matches further in still count, unhighlighted.
SNIPPET_TEXT_LENGTH = 3000
REBUILD_BATCH = 500

# PostgreSQL refuses a tsvector whose lexemes and positions take 1 MB or more ("string is
# too long for tsvector"): a saved write-up with a body of 100,000 distinct words failed to
# index, and its save answered 500. So only the start of each part is indexed. Prose costs
# 0.4 bytes a character, distinct made-up words 1.3 and one-letter words of a four-byte
# script 4, so these parts (167,000 characters at most) fit with room to spare. Text made to
# cost more still (distinct hyphenated pairs of such letters, whose closed forms are indexed
# too: 7 bytes a character) is written again with its sections and body halved until it fits
# (_shortened). Words further into a huge body are not found; no real item has one (the
# largest demo body is 8,066 characters, and the forms keep bodies under 50,000).
INDEX_TITLE_LENGTH = 1_000
INDEX_SUMMARY_LENGTH = 5_000  # the summary and the tag names
INDEX_SECTION_LENGTH = 20_000  # each structured section, key point or question
INDEX_SECTIONS_LENGTH = 60_000  # all of them, with the organisation
INDEX_BODY_LENGTH = 100_000
_PROGRAM_LIMIT_EXCEEDED = "54000"

_COLUMNS = (
    "kind, object_id, url, title, summary, date, year, organisation, region, evidence_level, "
    "tags, tag_names, text, words, vector, rank_vector"
)
# Vectors are built by PostgreSQL from the row's parts; weights A title, B summary and tags,
# C sections and organisation, D body. The small rank vector is for ordering only. Both also
# hold the item's filter values as unparsed lexemes ("r:london", "t:carers": see
# filter_lexemes) so that a query with filters is one GIN lookup, not a GIN lookup plus a
# scan of every match.
_UPSERT = f"""
INSERT INTO practice_searchentry ({_COLUMNS})
SELECT u.kind, u.object_id, u.url, u.title, u.summary, u.date, u.year, u.organisation,
       u.region, u.evidence_level, u.tags, u.tag_names, u.text, u.words,
       setweight(to_tsvector('english', u.title_ix), 'A')
         || setweight(to_tsvector('english', u.summary_ix), 'B')
         || setweight(to_tsvector('english', u.sections_ix), 'C')
         || setweight(to_tsvector('english', u.body_ix), 'D')
         || array_to_tsvector(u.filters),
       setweight(to_tsvector('english', u.title_ix), 'A')
         || setweight(to_tsvector('english', u.summary_ix), 'B')
         || array_to_tsvector(u.filters)
FROM jsonb_to_recordset(%s::jsonb) AS u(
    kind text, object_id bigint, url text, title text, summary text, date timestamptz,
    year int, organisation text, region text, evidence_level int, tags text[],
    tag_names text[], text text, words text[], title_ix text, summary_ix text,
    sections_ix text, body_ix text, filters text[])
ON CONFLICT (kind, object_id) DO UPDATE SET
    url = EXCLUDED.url, title = EXCLUDED.title, summary = EXCLUDED.summary,
    date = EXCLUDED.date, year = EXCLUDED.year, organisation = EXCLUDED.organisation,
    region = EXCLUDED.region, evidence_level = EXCLUDED.evidence_level, tags = EXCLUDED.tags,
    tag_names = EXCLUDED.tag_names, text = EXCLUDED.text, words = EXCLUDED.words,
    vector = EXCLUDED.vector, rank_vector = EXCLUDED.rank_vector
"""


def _row(kind: str, object_id: int, doc: SearchDocument) -> dict:
    title = strip_control(doc.title[:INDEX_TITLE_LENGTH])
    summary = strip_control(doc.summary[:INDEX_SUMMARY_LENGTH])
    tag_names = [strip_control(name) for _, name in doc.tags]
    sections = " ".join(strip_control(part[:INDEX_SECTION_LENGTH]) for part in doc.sections)
    sections = sections[:INDEX_SECTIONS_LENGTH]
    body = strip_control(doc.body[:INDEX_BODY_LENGTH])
    organisation = strip_control(doc.organisation[:INDEX_TITLE_LENGTH])
    full_text = " ".join(part for part in (summary, sections, body) if part)
    date = timezone.localtime(doc.date)
    return {
        "kind": kind,
        "object_id": object_id,
        "url": doc.url,
        "title": title,
        "summary": summary,
        "date": date.isoformat(),
        "year": date.year,
        "organisation": organisation,
        "region": doc.region or "",
        "evidence_level": doc.evidence_level,
        "tags": [slug for slug, _ in doc.tags],
        "tag_names": tag_names,
        "text": full_text[:SNIPPET_TEXT_LENGTH],
        "words": vocabulary_words(f"{title} {full_text} {' '.join(tag_names)}"),
        "title_ix": for_index(title),
        "summary_ix": for_index(f"{summary} {' '.join(tag_names)}"[:INDEX_SUMMARY_LENGTH]),
        "sections_ix": for_index(f"{sections} {organisation}"),
        "body_ix": for_index(body),
        "filters": filter_lexemes(
            kind=kind,
            region=doc.region or "",
            evidence_level=doc.evidence_level,
            year=date.year,
            tags=[slug for slug, _ in doc.tags],
        ),
    }


def filter_lexemes(
    *, kind: str, region: str, evidence_level: int | None, year: int, tags: list[str]
) -> list[str]:
    """Lexemes no English text produces (they hold a colon), one per filter value."""
    lexemes = [f"k:{kind}", f"y:{year}"]
    if region:
        lexemes.append(f"r:{region}")
    if evidence_level:
        lexemes.append(f"e:{evidence_level}")
    lexemes += [f"t:{slug}" for slug in tags]
    return lexemes


def _words_add(cursor, words: list[str]) -> None:
    if words:
        cursor.execute(
            "INSERT INTO practice_searchword (word, frequency)"
            " SELECT w, 1 FROM unnest(%s::text[]) w"
            " ON CONFLICT (word) DO UPDATE SET frequency = practice_searchword.frequency + 1",
            [sorted(words)],
        )


def _words_remove(cursor, words: list[str]) -> None:
    if words:
        cursor.execute(
            "UPDATE practice_searchword SET frequency = frequency - 1 WHERE word = ANY(%s::text[])",
            [sorted(words)],
        )
        cursor.execute(
            "DELETE FROM practice_searchword WHERE frequency <= 0 AND word = ANY(%s::text[])",
            [sorted(words)],
        )


def entry_sync(instance: models.Model) -> None:
    """Make the index agree with `instance`: add or refresh it if published, else remove it."""
    search_type = registry.type_for(instance)
    if search_type is None:
        return
    document = search_type.document(instance)
    if document is None:
        entry_remove(kind=search_type.kind, object_id=instance.pk)
        return
    row = _row(search_type.kind, instance.pk, document)
    while True:
        try:
            _entry_write(row)
            return
        except DatabaseError as error:
            row = _shortened(row, error)


def _entry_write(row: dict) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT words FROM practice_searchentry WHERE kind = %s AND object_id = %s FOR UPDATE",
            [row["kind"], row["object_id"]],
        )
        found = cursor.fetchone()
        old_words = set(found[0]) if found else set()
        cursor.execute(_UPSERT, [json.dumps([row])])
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
            "DELETE FROM practice_searchentry WHERE kind = %s AND object_id = %s RETURNING words",
            [kind, object_id],
        )
        found = cursor.fetchone()
        if found:
            _words_remove(cursor, list(found[0]))


def entries_bulk_insert(rows: Iterable[tuple[str, int, SearchDocument]]) -> int:
    """Insert many entries in batches, leaving the vocabulary to `vocabulary_rebuild`."""
    batch: list[dict] = []
    written = 0
    with connection.cursor() as cursor:
        for kind, object_id, document in rows:
            batch.append(_row(kind, object_id, document))
            if len(batch) >= REBUILD_BATCH:
                _batch_write(cursor, batch)
                written += len(batch)
                batch = []
        if batch:
            _batch_write(cursor, batch)
            written += len(batch)
    return written


def _batch_write(cursor, rows: list[dict]) -> None:
    """One statement for the batch; if a row's vector is too long, each row on its own, the
    refused one shortened until it fits (a savepoint keeps the rebuild's transaction)."""
    try:
        with transaction.atomic():
            cursor.execute(_UPSERT, [json.dumps(rows)])
    except DatabaseError as error:
        if len(rows) == 1:
            _batch_write(cursor, [_shortened(rows[0], error)])
        elif _too_long(error):
            for row in rows:
                _batch_write(cursor, [row])
        else:
            raise


def vocabulary_rebuild() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM practice_searchword")
        cursor.execute(
            "INSERT INTO practice_searchword (word, frequency)"
            " SELECT w, count(*) FROM practice_searchentry, unnest(words) w GROUP BY w"
        )


def _published_documents():
    """Every published item's document, the types interleaved in proportion to their sizes.

    A word found in more than COUNT_CAP items is ranked and faceted from its first matches in
    table order: rows written one type after another would make that sample all write-ups,
    and the type facet would offer no events or notes.
    """
    streams = []
    for search_type in registry.types():
        published = search_type.published()
        streams.append((search_type, published.count(), published.iterator(REBUILD_BATCH)))
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
            cursor.execute("DELETE FROM practice_searchentry")
        written = entries_bulk_insert(_published_documents())
        vocabulary_rebuild()
    return written
