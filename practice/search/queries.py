"""Reads behind the search page, suggestions and similar-work panels.

Everything reads the one `practice_searchentry` table, which only ever holds published items,
so nothing here needs to know about drafts. Costs are bounded by design: ranking reads the
small rank vector, snippets are computed only for the page shown, and counts stop at COUNT_CAP.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from django.db import connection, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from practice.models import EvidenceLevel, Region
from practice.search import registry
from practice.search.models import SEARCH_BUCKETS, SearchLog
from practice.search.query import ParsedQuery, clean_query, parse_query
from practice.search.snippets import snippet
from practice.search.spelling import corrected_query, corrections
from practice.search.synonyms import load_synonym_map
from practice.search.text import fold, strip_control

PAGE_SIZE = 20
# Counting tens of thousands of matches costs as much as ranking them; nobody needs the
# exact figure past this, so counts (and facet counts) stop here and show "1,000+".
COUNT_CAP = 1000
MAX_PAGE = COUNT_CAP // PAGE_SIZE
MAX_TAG_FILTERS = 5
TAG_FACETS = 12
# Fewer results than this and we look for a spelling correction.
FEW_RESULTS = 3
SORTS = ("relevance", "newest")
# Ranking reads the row of every candidate: past this many title or summary matches, the
# rest are not ranked (see _page_hits). Normalisation 1 in ts_rank divides by
# 1 + log(length), so short precise items are not buried by long ones.
RANK_CAP = COUNT_CAP
_ENTRY = "practice_searchentry"


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    tags: tuple[str, ...] = ()
    region: str = ""
    evidence: int | None = None
    year: int | None = None

    @classmethod
    def from_query(cls, params) -> SearchFilters:
        """Unknown or malformed values are ignored, never an error page."""
        kinds = {kind for kind, _ in registry.kind_choices()}
        kind = params.get("type", "")
        region = params.get("region", "")
        evidence = params.get("evidence", "")
        year = params.get("year", "")
        tags = []
        for tag in params.getlist("tag"):
            tag = tag.strip()[:120]
            if tag and re.fullmatch(r"[-\w]+", tag) and tag not in tags:
                tags.append(tag)
        return cls(
            kind=kind if kind in kinds else "",
            tags=tuple(tags[:MAX_TAG_FILTERS]),
            region=region if region in Region.values else "",
            evidence=int(evidence)
            if evidence.isdigit() and int(evidence) in EvidenceLevel.values
            else None,
            year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.kind or self.tags or self.region or self.evidence or self.year)

    def tsquery(self, *, without: str = "") -> str | None:
        """The filters as tsquery text over the filter lexemes of search entries, optionally
        leaving one dimension out (for facets); None when nothing is filtered.

        Every value was checked in from_query (known kinds, regions and numbers; slugs of
        letters, digits and hyphens), and the text is passed as a bound parameter.
        """
        lexemes = []
        if self.kind and without != "kind":
            lexemes.append(f"k:{self.kind}")
        lexemes += [f"t:{tag}" for tag in self.tags]
        if self.region and without != "region":
            lexemes.append(f"r:{self.region}")
        if self.evidence and without != "evidence":
            lexemes.append(f"e:{self.evidence}")
        if self.year and without != "year":
            lexemes.append(f"y:{self.year}")
        return " & ".join(f"'{lexeme}'" for lexeme in lexemes) or None


def _match(column: str, parsed: ParsedQuery, filter_query: str | None) -> tuple[str, list]:
    """One GIN-indexable condition for the query and the filters together."""
    if parsed.is_empty:
        if filter_query is None:
            return "TRUE", []
        return f"e.{column} @@ %s::tsquery", [filter_query]
    q_sql, q_params = parsed.tsquery()
    if filter_query is None:
        return f"e.{column} @@ {q_sql}", q_params
    return f"e.{column} @@ ({q_sql} && %s::tsquery)", [*q_params, filter_query]


def _bucketed(columns: str, where: str, params: list) -> tuple[str, list]:
    """Entries matching `where`, one bucket after another (see SearchEntry), so that a LIMIT
    over them stops reading the full-vector indexes as soon as it has enough."""
    branches = " UNION ALL ".join(
        f"(SELECT {columns} FROM {_ENTRY} e WHERE e.bucket = {k} AND {where})"
        for k in range(SEARCH_BUCKETS)
    )
    return branches, params * SEARCH_BUCKETS


_REGION_LABELS = dict(Region.choices)
_EVIDENCE_LABELS = dict(EvidenceLevel.choices)


@dataclass
class Hit:
    kind: str
    url: str
    title: str
    summary: str
    date: datetime
    organisation: str
    region: str
    evidence_level: int | None
    # (url, name) of each tag.
    tag_links: list[tuple[str, str]]
    snippet: SafeString | str = ""

    @property
    def kind_label(self) -> str:
        return registry.kind_label(self.kind)

    # The card's two dates, formatted here: the template |date filter costs five times more,
    # which is a millisecond a results page.
    @cached_property
    def _local_date(self) -> datetime:
        return timezone.localtime(self.date)

    @property
    def date_iso(self) -> str:
        return self._local_date.isoformat()

    @property
    def date_label(self) -> str:
        """As the |date:"j F Y" filter writes it: 4 March 2025."""
        date = self._local_date
        return f"{date.day} {MONTHS[date.month]} {date.year}"

    @property
    def region_label(self) -> str:
        return _REGION_LABELS.get(self.region, "")

    @property
    def evidence_label(self) -> str:
        return _EVIDENCE_LABELS.get(self.evidence_level, "")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    capped: bool
    selected: bool
    url: str = ""

    @property
    def count_display(self) -> str:
        # A sample of COUNT_CAP + 1 can put them all under one value: still "1,000+".
        return f"{min(self.count, COUNT_CAP):,}+" if self.capped else f"{self.count:,}"


@dataclass
class SearchResults:
    query: ParsedQuery
    filters: SearchFilters
    sort: str
    page: int
    hits: list[Hit]
    total: int
    capped: bool
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    duration_ms: int = 0

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total and self.page < MAX_PAGE

    @property
    def total_display(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else f"{self.total:,}"


def _hits(rows, stems: list[str] | None = None) -> list[Hit]:
    """Hits from rows of _PAGE_COLUMNS and the text to cut snippets from (NULL: show the
    summary), marking words with the given lexemes."""
    # Tag pages' URLs differ only in the slug: one reverse() per page, not one per tag.
    tag_prefix = reverse("tag", args=["slug"]).removesuffix("slug/")
    return [
        Hit(
            kind=row[0],
            url=row[1],
            title=row[2],
            summary=row[3],
            date=row[4],
            organisation=row[5],
            region=row[6],
            evidence_level=row[7],
            tag_links=[
                (f"{tag_prefix}{quote(slug)}/", name)
                for slug, name in zip(row[8], row[9], strict=False)
            ],
            snippet=snippet(row[10], stems or ()) if row[10] is not None else row[3],
        )
        for row in rows
    ]


_PAGE_COLUMNS = (
    "e.kind, e.url, e.title, e.summary, e.date, e.organisation, e.region, "
    "e.evidence_level, e.tags, e.tag_names"
)


# The lexemes of the words to mark in snippets, computed once per page.
_STEMS_SQL = "tsvector_to_array(to_tsvector('english', %s))"


def _page_hits(
    cursor, parsed: ParsedQuery, filters: SearchFilters, page: int, *, dense: bool
) -> list[Hit]:
    """One page, newest first: browsing without a query, or a search sorted by date.

    `dense`: more than COUNT_CAP matches, so walking the date index finds a page quickly;
    otherwise every match is read from the indexes and sorted.
    """
    if dense:
        cursor.execute(_PLANNER_DEFAULT)
    offset = (page - 1) * PAGE_SIZE
    filter_query = filters.tsquery()
    if parsed.is_empty:
        # Filter lexemes are in the small vector too, which is cheap to check row by row.
        where, params = _match("rank_vector", parsed, filter_query)
        cursor.execute(
            f"SELECT {_PAGE_COLUMNS}, NULL FROM {_ENTRY} e WHERE {where} "
            "ORDER BY e.date DESC, e.id DESC LIMIT %s OFFSET %s",
            [*params, PAGE_SIZE, offset],
        )
        return _hits(cursor.fetchall())
    where, params = _match("vector", parsed, filter_query)
    if dense:
        matches = f"SELECT e.id, e.date FROM {_ENTRY} e WHERE {where}"
    else:
        matches, params = _bucketed("e.id, e.date", where, params)
    cursor.execute(
        f"WITH top AS (SELECT e.id, row_number() OVER () AS position FROM ("
        f"SELECT e.id FROM ({matches}) e "
        "ORDER BY e.date DESC, e.id DESC LIMIT %s OFFSET %s) e) "
        f"SELECT {_PAGE_COLUMNS}, e.text, {_STEMS_SQL} FROM top "
        f"JOIN {_ENTRY} e ON e.id = top.id ORDER BY top.position",
        [*params, PAGE_SIZE, offset, parsed.highlight_text()],
    )
    rows = cursor.fetchall()
    return _hits(rows, rows[0][11] if rows else None)


def _facet_sql(parsed: ParsedQuery, filters: SearchFilters):
    """One statement: capped samples of the matches, grouped by each facet dimension.

    A dimension that is filtered on is counted without its own filter, so its other values
    show how many results choosing them instead would give.
    """
    samples: dict[str, str] = {}
    ctes, params = [], []

    def sample(without: str) -> str:
        if without not in samples:
            name = f"s_{without or 'all'}"
            columns = (
                "e.id, e.date, e.rank_vector, e.kind, e.region, e.evidence_level, e.year, "
                "e.tags, e.tag_names"
            )
            filter_query = filters.tsquery(without=without)
            if parsed.is_empty and filter_query is None:
                # Everything matches: the first rows of the table are the sample.
                matches, where_params = f"SELECT {columns} FROM {_ENTRY} e", []
            else:
                where, where_params = _match("vector", parsed, filter_query)
                matches, where_params = _bucketed(columns, where, where_params)
            ctes.append(f"{name} AS (SELECT * FROM ({matches}) e LIMIT {COUNT_CAP + 1})")
            params.extend(where_params)
            samples[without] = name
        return samples[without]

    active = {
        "kind": bool(filters.kind),
        "region": bool(filters.region),
        "evidence": bool(filters.evidence),
        "year": bool(filters.year),
    }
    main = sample("")
    grouped: dict[str, list[tuple[str, str]]] = {main: []}
    for dimension, column in (
        ("kind", "kind"),
        ("region", "region"),
        ("evidence", "evidence_level"),
        ("year", "year"),
    ):
        source = sample(dimension) if active[dimension] else main
        grouped.setdefault(source, []).append((dimension, column))
    parts = []
    for source, dimensions in grouped.items():
        # One pass over each sample: its size (the empty grouping set, "total" for the main
        # sample) and its count for each value of the dimensions it serves.
        label, value = ("'total'", "''") if source == main else ("'sample'", f"'{source}'")
        sets = ["()"]
        for dimension, column in dimensions:
            label = f"CASE WHEN GROUPING({column}) = 0 THEN '{dimension}' ELSE {label} END"
            value = f"CASE WHEN GROUPING({column}) = 0 THEN {column}::text ELSE {value} END"
            sets.append(f"({column})")
        parts.append(
            f"SELECT {label} AS d, {value} AS v, '' AS n, count(*) AS c, '{source}' AS s "
            f"FROM {source} GROUP BY GROUPING SETS ({', '.join(sets)})"
        )
    # Set-returning functions in the select list zip the two arrays as unnest(a, b) does,
    # without setting up a function scan (and its tuplestore) for every sampled row.
    parts.append(
        f"(SELECT 'tag', t.slug, t.name, count(*), '{main}' FROM (SELECT unnest(tags) AS slug, "
        f"unnest(tag_names) AS name FROM {main}) t "
        f"GROUP BY t.slug, t.name ORDER BY count(*) DESC, t.slug "
        f"LIMIT {TAG_FACETS + MAX_TAG_FILTERS})"
    )
    return ctes, params, " UNION ALL ".join(f"({p})" for p in parts), main


def _facet_rows(cursor, parsed: ParsedQuery, filters: SearchFilters):
    ctes, params, union, main = _facet_sql(parsed, filters)
    cursor.execute("WITH " + ", ".join(ctes) + " " + union, params)
    return cursor.fetchall(), main


def _relevance_page(cursor, parsed: ParsedQuery, filters: SearchFilters, page: int):
    """Facets and one page of hits ranked by relevance, from one capped sample in one query.

    Ranking is ts_rank on the small title/summary/tags vector of the sampled matches, so
    title matches come first and body-only matches (rank 0) follow, newest first. Up to
    COUNT_CAP matches that is every match, ranked exactly; past it (a word in most items)
    the best of the first COUNT_CAP the index yields, which bounds the work.
    """
    ctes, params, union, main = _facet_sql(parsed, filters)
    q_sql, q_params = parsed.tsquery()
    cursor.execute(
        "WITH " + ", ".join(ctes) + f", top AS (SELECT s.id, row_number() OVER (ORDER BY "
        f"ts_rank(s.rank_vector, {q_sql}, 1) DESC, s.date DESC, s.id DESC) AS position "
        f"FROM {main} s ORDER BY position LIMIT %s OFFSET %s) "
        f"SELECT facets.rows, facets.stems, page.* FROM (SELECT (SELECT json_agg(f) FROM "
        f"({union}) f)::text AS rows, {_STEMS_SQL} AS stems) facets LEFT JOIN LATERAL "
        f"(SELECT {_PAGE_COLUMNS}, e.text, top.position FROM top "
        f"JOIN {_ENTRY} e ON e.id = top.id) page ON TRUE ORDER BY page.position",
        [
            *params,
            *q_params,
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
            parsed.highlight_text(),
        ],
    )
    rows = cursor.fetchall()
    # The facets (and stems) come back on every row of the page and are decoded once.
    facets = json.loads(rows[0][0]) if rows[0][0] else []
    facet_rows = [(f["d"], f["v"], f["n"], f["c"], f["s"]) for f in facets]
    hits = _hits([row[2:13] for row in rows if row[2] is not None], rows[0][1])
    return hits, facet_rows, main


def _facets(rows, filters: SearchFilters, main: str) -> tuple[int, dict[str, list[FacetValue]]]:
    sample_sizes = {main: 0}
    total = 0
    for dimension, value, _, count, _ in rows:
        if dimension == "total":
            total = count
            sample_sizes[main] = count
        elif dimension == "sample":
            sample_sizes[value] = count
    labels = {
        "kind": dict(registry.kind_choices()),
        "region": dict(Region.choices),
        "evidence": {str(k): v for k, v in EvidenceLevel.choices},
    }
    selected = {
        "kind": {filters.kind},
        "region": {filters.region},
        "evidence": {str(filters.evidence)},
        "year": {str(filters.year)},
        "tag": set(filters.tags),
    }
    facets: dict[str, list[FacetValue]] = {
        d: [] for d in ("kind", "tag", "region", "evidence", "year")
    }
    for dimension, value, name, count, source in rows:
        if dimension not in facets or not value:  # not a facet, or no value (no region)
            continue
        label = name or labels.get(dimension, {}).get(value, value)
        capped = sample_sizes.get(source, 0) > COUNT_CAP
        facets[dimension].append(
            FacetValue(value, label, count, capped, value in selected[dimension])
        )
    for dimension, values in facets.items():
        if dimension == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        elif dimension == "tag":
            values[:] = values[:TAG_FACETS] + [v for v in values[TAG_FACETS:] if v.selected]
        else:
            values.sort(key=lambda v: (-v.count, v.label))
    return total, facets


# Also: the only write is the search log, which need not wait for the WAL to reach disk
# (a crash may lose the last few log rows, never content). And capped samples that still come
# from a sequential scan (no words, only filters) must start at the table's first page: with
# synchronised scans, on for tables over a quarter of shared_buffers, PostgreSQL may join
# another scan midway and identical requests would show different facet counts.
_PLANNER_BITMAP_ONLY = (
    "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),"
    " set_config('synchronous_commit', 'off', true),"
    " set_config('synchronize_seqscans', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)
_PLANNER_DEFAULT = (
    "SELECT set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true)"
)


def search_run(
    *,
    raw_query: str,
    filters: SearchFilters,
    sort: str = "relevance",
    page: int = 1,
    log: bool = True,
) -> SearchResults:
    """Everything the search page shows, in a fixed number of queries."""
    started = time.perf_counter()
    parsed = parse_query(raw_query, load_synonym_map())
    sort = sort if sort in SORTS else "relevance"
    page = min(max(page, 1), MAX_PAGE)
    # savepoint=False: the planner settings below are transaction-local and harmless if
    # they outlive this block inside a caller's transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The planner estimates GIN matches badly (an unknown word looks common) and then
        # walks the table or the date index, reading every full vector. For a capped sample,
        # and for pages of at most COUNT_CAP matches, the GIN bitmaps of the buckets are the
        # right plan, read one after another: no vector is read unless a phrase needs
        # positions.
        cursor.execute(_PLANNER_BITMAP_ONLY)
        if not parsed.is_empty and sort == "relevance":
            hits, facet_rows, main = _relevance_page(cursor, parsed, filters, page)
            total, facets = _facets(facet_rows, filters, main)
        else:
            facet_rows, main = _facet_rows(cursor, parsed, filters)
            total, facets = _facets(facet_rows, filters, main)
            hits = (
                _page_hits(cursor, parsed, filters, page, dense=total > COUNT_CAP) if total else []
            )
        suggestion = None
        if not parsed.is_empty and total < FEW_RESULTS:
            suggestion = corrected_query(parsed.text, corrections(parsed.plain_words()))
        duration_ms = round((time.perf_counter() - started) * 1000)
        if log and not parsed.is_empty and page == 1:
            # Committed with the search, asynchronously (see _PLANNER_BITMAP_ONLY).
            SearchLog.objects.create(
                query=parsed.text.lower()[:200], result_count=total, duration_ms=duration_ms
            )
    return SearchResults(
        query=parsed,
        filters=filters,
        sort=sort,
        page=page,
        hits=hits,
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        facets=facets,
        suggestion=suggestion,
        duration_ms=duration_ms,
    )


_SIMILAR_WORD = re.compile(r"[^\W_]{3,}")
MAX_SIMILAR_WORDS = 40
MAX_DISTINCTIVE_WORDS = 15
_COLUMNS = (
    "e.kind, e.url, e.title, e.summary, e.date, e.organisation, e.region, e.evidence_level, "
    "e.tags, e.tag_names, NULL"
)


def _distinctive(words: list[str]) -> list[str]:
    """Drop words so common in published content that sharing them says nothing.

    The vocabulary's document frequencies stand in for IDF, which ts_rank lacks: without
    this, two write-ups are "similar" because both say "team" and "happened".
    """
    if not words:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.word, w.frequency, (SELECT count(*) FROM practice_searchentry) "
            "FROM practice_searchword w WHERE w.word = ANY(%s::varchar[])",
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
    """Published items whose title, summary and tags share the most words with `text`.

    The same measure serves the "Has this been done before?" panel and "related" lists.
    """
    words = list(dict.fromkeys(_SIMILAR_WORD.findall(fold(strip_control(text)))))
    words = _distinctive(words[:MAX_SIMILAR_WORDS])
    if not words:
        return []
    q_sql = "(" + " || ".join("plainto_tsquery('english', %s)" for _ in words) + ")"
    conditions, params = [f"e.rank_vector @@ {q_sql}"], list(words)
    if exclude:
        conditions.append("NOT (e.kind = %s AND e.object_id = %s)")
        params += list(exclude)
    sql = (
        f"SELECT {_COLUMNS} FROM {_ENTRY} e WHERE {' AND '.join(conditions)} "
        f"ORDER BY ts_rank(e.rank_vector, {q_sql}) DESC, e.date DESC, e.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *words, limit])
        return _hits(cursor.fetchall())


@dataclass(frozen=True)
class Suggestion:
    label: str
    url: str
    kind: str


MAX_SUGGESTIONS = 6
MAX_TAG_SUGGESTIONS = 3


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
            f"SELECT c.title, c.url, c.kind FROM (SELECT e.title, e.url, e.kind, e.date, "
            f"e.rank_vector FROM {_ENTRY} e WHERE e.rank_vector @@ to_tsquery('english', %s) "
            f"LIMIT {RANK_CAP}) c "
            "ORDER BY ts_rank(c.rank_vector, to_tsquery('english', %s)) DESC, c.date DESC "
            "LIMIT %s",
            [tsquery, tsquery, MAX_SUGGESTIONS],
        )
        titles = [Suggestion(t, url, registry.kind_label(kind)) for t, url, kind in cursor]
        prefix = " ".join(text.lower().split()).replace("\\", "").replace("%", "").replace("_", "")
        cursor.execute(
            "SELECT t.name, t.slug FROM taggit_tag t "
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


@dataclass
class SearchGap:
    query: str
    searches: int
    best_result_count: int


def search_gaps(*, days: int = 90, max_results: int = 2, limit: int = 50) -> list[SearchGap]:
    """The most frequent recent searches that found little or nothing."""
    rows = (
        SearchLog.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
        .values("query")
        .annotate(searches=Count("id"), best=Max("result_count"))
        .filter(best__lte=max_results)
        .order_by("-searches", "query")[:limit]
    )
    return [SearchGap(row["query"], row["searches"], row["best"]) for row in rows]
