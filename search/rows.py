"""A search document as the row the index stores: its parts capped, folded for matching, and
its filter values as lexemes."""

from __future__ import annotations

from django.utils import timezone

from search.registry import SearchDocument
from search.text import for_index, strip_control, vocabulary_words

# Snippets are cut from this much plain text; matches further in still count, unhighlighted.
SNIPPET_TEXT_LENGTH = 3000

# PostgreSQL refuses a tsvector whose lexemes and positions take 1 MB or more ("string is
# too long for tsvector"): a saved write-up with a body of 100,000 distinct words failed to
# index, and its save answered 500. So only the start of each part is indexed. Prose costs
# 0.4 bytes a character, distinct made-up words 1.3 and one-letter words of a four-byte
# script 4, so these parts (167,000 characters at most) fit with room to spare. Text made to
# cost more still (distinct hyphenated pairs of such letters, whose closed forms are indexed
# too: 7 bytes a character) is written again with its sections and body halved until it fits
# (index._shortened). Words further into a huge body are not found; no real item has one
# (the largest demo body is 8,066 characters, and the forms keep bodies under 50,000).
INDEX_TITLE_LENGTH = 1_000
INDEX_SUMMARY_LENGTH = 5_000  # the summary and the tag names
INDEX_SECTION_LENGTH = 20_000  # each structured section, key point or question
INDEX_SECTIONS_LENGTH = 60_000  # all of them, with the organisation
INDEX_BODY_LENGTH = 100_000


def entry_row(kind: str, object_id: int, doc: SearchDocument) -> dict:
    """The row's stored columns plus the texts (`*_ix`) PostgreSQL builds the vectors from."""
    title = strip_control(doc.title[:INDEX_TITLE_LENGTH])
    summary = strip_control(doc.summary[:INDEX_SUMMARY_LENGTH])
    tag_names = [strip_control(name) for _, name in doc.tags]
    sections = " ".join(strip_control(part[:INDEX_SECTION_LENGTH]) for part in doc.sections)
    sections = sections[:INDEX_SECTIONS_LENGTH]
    body = strip_control(doc.body[:INDEX_BODY_LENGTH])
    organisation = strip_control(doc.organisation[:INDEX_TITLE_LENGTH])
    full_text = " ".join(part for part in (summary, sections, body) if part)
    date = timezone.localtime(doc.date)
    year = date.year if doc.date_known else None
    tags = [slug for slug, _ in doc.tags]
    return {
        "kind": kind,
        "object_id": object_id,
        "url": doc.url,
        "family": doc.family,
        "title": title,
        "summary": summary,
        "date": date.isoformat(),
        "year": year,
        "organisation": organisation,
        "region": doc.region or "",
        "evidence_level": doc.evidence_level,
        "tags": tags,
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
            year=year,
            tags=tags,
        ),
    }


def filter_lexemes(
    *,
    kind: str = "",
    region: str = "",
    evidence_level: int | None = None,
    year: int | None = None,
    tags: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """Lexemes no English text produces (they hold a colon), one per filter value.

    Stored in both vectors of every entry, so that a query with filters is one GIN lookup,
    and used by the query builder to look them up: one spelling for both sides.
    """
    lexemes = []
    if kind:
        lexemes.append(f"k:{kind}")
    if year:
        lexemes.append(f"y:{year}")
    if region:
        lexemes.append(f"r:{region}")
    if evidence_level is not None:  # 0 is "Not assessed"
        lexemes.append(f"e:{evidence_level}")
    lexemes += [f"t:{slug}" for slug in tags]
    return lexemes
