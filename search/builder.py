"""SQL for a search: the parsed query and the filters as one GIN-indexable condition, read
bucket by bucket, and the statements for a page of hits.

User text only ever reaches PostgreSQL as a bound parameter of plainto_tsquery or
phraseto_tsquery, which ignore operator characters; the SQL around them is fixed text. Filter
values were checked by SearchForm and are bound parameters too. Everything reads the one
search entry table, which only ever holds published items, so nothing here needs to know
about drafts.
"""

from __future__ import annotations

from dataclasses import dataclass

from search import results
from search.models import SEARCH_BUCKETS, SearchEntry
from search.parser import Alternative, ParsedQuery
from search.postings import LEXEME, LEXEME_TSQUERY
from search.results import HIT_COLUMNS, SearchFilters
from search.rows import filter_lexemes

ENTRY = SearchEntry._meta.db_table

# The lexemes of the words to mark in snippets, computed once per page.
STEMS_SQL = "tsvector_to_array(to_tsvector('english', %s))"

# The planner estimates GIN matches badly (an unknown word looks common) and then walks the
# table or the date index, reading every full vector. For a capped sample, and for pages of at
# most COUNT_CAP matches, the GIN bitmaps of the buckets are the right plan, read one after
# another: no vector is read unless a phrase needs positions.
# Also: the only write is the search log, which need not wait for the WAL to reach disk
# (a crash may lose the last few log rows, never content). And capped samples that still come
# from a sequential scan (no words, only filters) must start at the table's first page: with
# synchronised scans, on for tables over a quarter of shared_buffers, PostgreSQL may join
# another scan midway and identical requests would show different facet counts.
PLANNER_BITMAP_ONLY = (
    "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),"
    " set_config('synchronous_commit', 'off', true),"
    " set_config('synchronize_seqscans', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)
PLANNER_DEFAULT_SETTINGS = (
    "set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true)"
)
PLANNER_DEFAULT = f"SELECT {PLANNER_DEFAULT_SETTINGS}"


@dataclass
class FacetSQL:
    """The samples as CTEs, the counting query over them (rows of dimension, value, tag name,
    count, sample), and the name of the sample of every match."""

    ctes: list[str]
    params: list
    union: str
    main: str

    def statement(self) -> tuple[str, list]:
        return "WITH " + ", ".join(self.ctes) + " " + self.union, self.params


# A phrase (parameters: its text twice) as the token of its own that entries holding it have
# in their vectors when it is indexed (postings.py), an exact GIN look-up, else as words at
# their positions, which must be checked entry by entry.
PHRASE_TSQUERY = (
    f"coalesce((SELECT {LEXEME_TSQUERY.format(lexeme='l.lexeme')} FROM {LEXEME} l "
    "WHERE l.lexeme = phraseto_tsquery('english', %s)::text AND strpos(l.lexeme, ' ') > 0), "
    "phraseto_tsquery('english', %s))"
)


def alternative_tsquery(alternative: Alternative) -> tuple[str, list[str]]:
    """SQL for one alternative's tsquery and its parameters. A synonym of several words
    ("social isolation") is a phrase, not loose words."""
    if alternative.is_phrase:
        return PHRASE_TSQUERY, [alternative.phrase_text] * 2
    return "plainto_tsquery('english', %s)", [alternative.text]


def tsquery(parsed: ParsedQuery) -> tuple[str, list[str]]:
    """SQL for the query's tsquery and its parameters; only for a query that is not empty."""
    parts, params = [], []
    for clause in parsed.clauses:
        alternatives = []
        for alternative in clause.alternatives:
            sql, alternative_params = alternative_tsquery(alternative)
            alternatives.append(sql)
            params += alternative_params
        sql = "(" + " || ".join(alternatives) + ")"
        parts.append(f"!!{sql}" if clause.negated else sql)
    return "(" + " && ".join(parts) + ")", params


def filters_tsquery(filters: SearchFilters, *, without: str = "") -> str | None:
    """The filters as tsquery text over the filter lexemes of search entries, optionally
    leaving one dimension out (for facets); None when nothing is filtered. Passed as a bound
    parameter."""
    lexemes = filter_lexemes(
        kind=filters.kind if without != "kind" else "",
        region=filters.region if without != "region" else "",
        evidence_level=filters.evidence if without != "evidence" else None,
        year=filters.year if without != "year" else None,
        tags=filters.tags,
    )
    return " & ".join(f"'{lexeme}'" for lexeme in lexemes) or None


def filters_sql(filters: SearchFilters, alias: str = "f") -> tuple[str, list] | None:
    """The filters as conditions on the entry's own columns (the same values that
    filters_tsquery looks up as lexemes: see rows.entry_row), all of which the ranking
    index `searchentry_rank_info` holds, so that ranking can check them while it reads
    postings without fetching the large row. None when nothing is filtered."""
    conditions, params = [], []
    for column, value in (
        ("kind", filters.kind),
        ("region", filters.region),
        ("evidence_level", filters.evidence),
        ("year", filters.year),
    ):
        if value is not None and value != "":
            conditions.append(f"{alias}.{column} = %s")
            params.append(value)
    if filters.tags:
        conditions.append(f"{alias}.tags @> %s::varchar[]")
        params.append(list(filters.tags))
    return (" AND ".join(conditions), params) if conditions else None


def match(column: str, parsed: ParsedQuery, filter_query: str | None) -> tuple[str, list]:
    """One GIN-indexable condition for the query and the filters together."""
    if parsed.is_empty:
        if filter_query is None:
            return "TRUE", []
        return f"e.{column} @@ %s::tsquery", [filter_query]
    q_sql, q_params = tsquery(parsed)
    if filter_query is None:
        return f"e.{column} @@ {q_sql}", q_params
    return f"e.{column} @@ ({q_sql} && %s::tsquery)", [*q_params, filter_query]


def bucketed(columns: str, where: str, params: list) -> tuple[str, list]:
    """Entries matching `where`, one bucket after another (see SearchEntry), so that a LIMIT
    over them stops reading the full-vector indexes as soon as it has enough."""
    branches = " UNION ALL ".join(
        f"(SELECT {columns} FROM {ENTRY} e WHERE e.bucket = {k} AND {where})"
        for k in range(SEARCH_BUCKETS)
    )
    return branches, params * SEARCH_BUCKETS


def newest_page(
    parsed: ParsedQuery, filters: SearchFilters, page: int, *, dense: bool
) -> tuple[str, list]:
    """One page, newest first: browsing without a query, or a search sorted by date. Rows of
    HIT_COLUMNS, the text (NULL when browsing) and, for a search, the stems to mark.

    `dense`: more than COUNT_CAP matches, so walking the date index finds a page quickly
    (run PLANNER_DEFAULT first); otherwise every match is read from the indexes and sorted.
    """
    offset = (page - 1) * results.PAGE_SIZE
    filter_query = filters_tsquery(filters)
    if parsed.is_empty:
        # Filter lexemes are in the small vector too, which is cheap to check row by row.
        where, params = match("rank_vector", parsed, filter_query)
        return (
            f"SELECT {HIT_COLUMNS}, NULL FROM {ENTRY} e WHERE {where} "
            "ORDER BY e.date DESC, e.id DESC LIMIT %s OFFSET %s",
            [*params, results.PAGE_SIZE, offset],
        )
    where, params = match("vector", parsed, filter_query)
    if dense:
        matches = f"SELECT e.id, e.date FROM {ENTRY} e WHERE {where}"
    else:
        matches, params = bucketed("e.id, e.date", where, params)
    return (
        f"WITH top AS (SELECT e.id, row_number() OVER () AS position FROM ("
        f"SELECT e.id FROM ({matches}) e "
        "ORDER BY e.date DESC, e.id DESC LIMIT %s OFFSET %s) e) "
        f"SELECT {HIT_COLUMNS}, e.text, {STEMS_SQL} FROM top "
        f"JOIN {ENTRY} e ON e.id = top.id ORDER BY top.position",
        [*params, results.PAGE_SIZE, offset, parsed.highlight_text()],
    )
