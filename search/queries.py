"""The search page: everything it shows, in a bounded number of queries.

Facets and the count come from a capped sample of the matches (exact up to COUNT_CAP,
estimated past it); the page is the best of every match (ranking.py); snippets are computed
only for the page shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction

from search import builder, ranking, results
from search.facets import Facets, facet_sql, facets_from_rows
from search.models import SearchLog
from search.parser import ParsedQuery, parse_query
from search.results import HIT_COLUMNS, Hit, SearchFilters, SearchResults, hits_from_rows
from search.spelling import corrected_query, corrections
from search.synonyms import load_synonym_map

# Fewer results than this and we look for a spelling correction.
FEW_RESULTS = 3


def search_run(
    *,
    raw_query: str,
    filters: SearchFilters,
    sort: str = "relevance",
    page: int = 1,
    log: bool = True,
    correct: bool = True,
) -> SearchResults:
    """One results page. `correct`: when the query as typed finds little and a confident
    spelling correction exists, show the correction's results (and offer the original)."""
    started = time.perf_counter()
    parsed = parse_query(raw_query, load_synonym_map())
    sort = sort if sort in results.SORTS else "relevance"
    page = min(max(page, 1), results.MAX_PAGE)
    # savepoint=False: the planner settings below are transaction-local and harmless if
    # they outlive this block inside a caller's transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(builder.PLANNER_BITMAP_ONLY)
        found = _found(cursor, parsed, filters, sort, page)
        suggestion = None
        # Little found, or nothing with every word ("comunity organisations" finds only
        # "organisations"): a spelling correction may find what was meant.
        if not parsed.is_empty and (found.total < FEW_RESULTS or found.most_words):
            suggestion = corrected_query(parsed.text, corrections(parsed.plain_words()))
        corrected_from = None
        if suggestion and correct:
            fixed = parse_query(suggestion, load_synonym_map())
            better = _found(cursor, fixed, filters, sort, page)
            if not better.most_words and better.total > (0 if found.most_words else found.total):
                parsed, found, corrected_from, suggestion = fixed, better, parsed.text, None
        duration_ms = round((time.perf_counter() - started) * 1000)
        if log and not parsed.is_empty and page == 1:
            # Committed with the search, asynchronously (see builder.PLANNER_BITMAP_ONLY).
            SearchLog.objects.create(
                query=(corrected_from or parsed.text).lower()[:200],
                searched_for=parsed.text.lower()[:200] if corrected_from else "",
                result_count=0 if found.most_words else found.total,
                duration_ms=duration_ms,
            )
    return SearchResults(
        query=parsed,
        filters=filters,
        sort=sort,
        page=page,
        hits=found.hits,
        total=found.total,
        facets=found.facets,
        suggestion=suggestion,
        duration_ms=duration_ms,
        estimated=found.count.estimated,
        most_words=found.most_words,
        corrected_from=corrected_from,
    )


@dataclass(frozen=True)
class _Count:
    number: int
    estimated: bool = False


@dataclass
class _Found:
    hits: list[Hit]
    count: _Count
    facets: dict
    most_words: bool = False

    @property
    def total(self) -> int:
        return self.count.number


def _found(cursor, parsed: ParsedQuery, filters: SearchFilters, sort: str, page: int) -> _Found:
    facets = _facets(cursor, parsed, filters)
    if parsed.is_empty or sort != "relevance":
        hits = _newest_page(cursor, parsed, filters, page, facets.total) if facets.total else []
        return _Found(hits, _estimate(parsed, filters, facets), facets.values)
    plan = ranking.plan_query(cursor, parsed, filters)
    if plan.is_empty:  # only stop words
        return _Found([], _Count(0), facets.values)
    k = page * results.PAGE_SIZE
    # Read more than the page needs: twins (an event and its note) are shown once.
    wanted = k + results.PAGE_SIZE // 2
    most_words, parsed_for_count = False, parsed
    if facets.total == 0:
        # No item has every word: the items with most of them, if more than one was asked.
        if plan.clauses < 2:
            return _Found([], _Count(0), facets.values)
        ranked, _ = ranking.top(cursor, plan, wanted, all_clauses=False)
        if not ranked:
            return _Found([], _Count(0), facets.values)
        most_words = True
        # Counted and faceted as what they match: any of the words.
        parsed_for_count = parsed.any_words()
        facets = _facets(cursor, parsed_for_count, filters)
    elif facets.total <= results.COUNT_CAP:
        ranked = ranking.rank_ids(cursor, plan, facets.ids)
    else:
        ranked, _ = ranking.top(cursor, plan, wanted, all_clauses=True)
    ranked = results.one_per_family(ranked, lambda r: r.family, lambda r: r.is_head)
    shown = [r.entry_id for r in ranked[k - results.PAGE_SIZE : k]]
    count = _estimate(parsed_for_count, filters, facets)
    return _Found(_hits(cursor, parsed, shown), count, facets.values, most_words)


def _facets(cursor, parsed: ParsedQuery, filters: SearchFilters) -> Facets:
    statement = facet_sql(parsed, filters)
    cursor.execute(*statement.statement())
    return facets_from_rows(cursor.fetchall(), filters, statement.main)


def _estimate(parsed: ParsedQuery, filters: SearchFilters, facets: Facets) -> _Count:
    """Past COUNT_CAP, the matches estimated from where the sample stopped reading; facet
    counts scale with it."""
    if facets.total <= results.COUNT_CAP:
        return _Count(facets.total)
    number = facets.estimate(bucketed=not (parsed.is_empty and not filters.active))
    facets.estimated(number)
    return _Count(number, estimated=True)


def _hits(cursor, parsed: ParsedQuery, entry_ids: list[int]) -> list[Hit]:
    if not entry_ids:
        return []
    cursor.execute(
        f"SELECT {HIT_COLUMNS}, e.text, e.id, {builder.STEMS_SQL} FROM {builder.ENTRY} e "
        "WHERE e.id = ANY(%s)",
        [parsed.highlight_text(), entry_ids],
    )
    rows = {row[11]: row for row in cursor.fetchall()}
    ordered = [rows[i][:11] for i in entry_ids if i in rows]
    stems = next(iter(rows.values()))[12] if rows else None
    return hits_from_rows(ordered, stems)


def _newest_page(
    cursor, parsed: ParsedQuery, filters: SearchFilters, page: int, total: int
) -> list[Hit]:
    dense = total > results.COUNT_CAP
    if dense:
        cursor.execute(builder.PLANNER_DEFAULT)
    cursor.execute(*builder.newest_page(parsed, filters, page, dense=dense))
    rows = cursor.fetchall()
    if parsed.is_empty:
        return hits_from_rows(rows)
    return hits_from_rows(rows, rows[0][11] if rows else None)
