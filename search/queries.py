"""The search page: everything it shows, in a fixed number of queries.

Costs are bounded by design: ranking reads the small rank vector, snippets are computed only
for the page shown, and counts stop at COUNT_CAP.
"""

from __future__ import annotations

import json
import time

from django.db import connection, transaction

from search import builder, results
from search.builder import FacetSQL
from search.facets import facet_sql, facets_from_rows
from search.models import SearchLog
from search.parser import ParsedQuery, parse_query
from search.results import Hit, SearchFilters, SearchResults, hits_from_rows
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
) -> SearchResults:
    started = time.perf_counter()
    parsed = parse_query(raw_query, load_synonym_map())
    sort = sort if sort in results.SORTS else "relevance"
    page = min(max(page, 1), results.MAX_PAGE)
    # savepoint=False: the planner settings below are transaction-local and harmless if
    # they outlive this block inside a caller's transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(builder.PLANNER_BITMAP_ONLY)
        facets = facet_sql(parsed, filters)
        if not parsed.is_empty and sort == "relevance":
            hits, facet_rows = _relevance_page(cursor, parsed, page, facets)
            total, facet_values = facets_from_rows(facet_rows, filters, facets.main)
        else:
            cursor.execute(*facets.statement())
            total, facet_values = facets_from_rows(cursor.fetchall(), filters, facets.main)
            hits = _newest_page(cursor, parsed, filters, page, total) if total else []
        suggestion = None
        if not parsed.is_empty and total < FEW_RESULTS:
            suggestion = corrected_query(parsed.text, corrections(parsed.plain_words()))
        duration_ms = round((time.perf_counter() - started) * 1000)
        if log and not parsed.is_empty and page == 1:
            # Committed with the search, asynchronously (see builder.PLANNER_BITMAP_ONLY).
            SearchLog.objects.create(
                query=parsed.text.lower()[:200], result_count=total, duration_ms=duration_ms
            )
    return SearchResults(
        query=parsed,
        filters=filters,
        sort=sort,
        page=page,
        hits=hits,
        total=min(total, results.COUNT_CAP),
        capped=total > results.COUNT_CAP,
        facets=facet_values,
        suggestion=suggestion,
        duration_ms=duration_ms,
    )


def _relevance_page(
    cursor, parsed: ParsedQuery, page: int, facets: FacetSQL
) -> tuple[list[Hit], list]:
    cursor.execute(*builder.relevance_page(parsed, page, facets))
    rows = cursor.fetchall()
    # The facets (and stems) come back on every row of the page and are decoded once.
    decoded = json.loads(rows[0][0]) if rows[0][0] else []
    facet_rows = [(f["d"], f["v"], f["n"], f["c"], f["s"]) for f in decoded]
    hits = hits_from_rows([row[2:13] for row in rows if row[2] is not None], rows[0][1])
    return hits, facet_rows


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
