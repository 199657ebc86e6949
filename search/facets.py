"""Facet counts: how many results each value of each filter dimension would give.

Counted in one statement from capped samples of the matches (COUNT_CAP + 1 rows each), so a
word in most items costs no more than a rare one; past the cap the counts are lower bounds
("340+"). A dimension that is filtered on is counted without its own filter, so its other
values show how many results choosing them instead would give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search import builder, registry, results
from search.builder import FacetSQL
from search.parser import ParsedQuery
from search.results import FacetValue, SearchFilters

TAG_FACETS = 12
DIMENSIONS = ("kind", "tag", "region", "evidence", "year")
# Dimension -> the entry column it groups by (tags are unnested separately).
_COLUMNS = (
    ("kind", "kind"),
    ("region", "region"),
    ("evidence", "evidence_level"),
    ("year", "year"),
)


def facet_sql(parsed: ParsedQuery, filters: SearchFilters) -> FacetSQL:
    samples: dict[str, str] = {}
    ctes, params = [], []

    def sample(without: str) -> str:
        if without not in samples:
            name = f"s_{without or 'all'}"
            # Only what the counts read: each column is copied into the sample.
            columns = (
                "e.id, e.kind, e.region, e.evidence_level, e.year, e.tags, e.tag_names, "
                "e.bucket, e.ctid"
            )
            filter_query = builder.filters_tsquery(filters, without=without)
            if parsed.is_empty and filter_query is None:
                # Everything matches: the first rows of the table are the sample, read in
                # table order by a TID range scan, which stops at the LIMIT. (A plain scan
                # is what the transaction's planner settings forbid, so the planner would
                # read the whole of an index into a bitmap first: 70 ms at 125,000 entries.)
                matches = f"SELECT {columns} FROM {builder.ENTRY} e WHERE e.ctid >= '(0,0)'::tid"
                where_params = []
            else:
                where, where_params = builder.match("vector", parsed, filter_query)
                matches, where_params = builder.bucketed(columns, where, where_params)
            ctes.append(f"{name} AS (SELECT * FROM ({matches}) e LIMIT {results.COUNT_CAP + 1})")
            params.extend(where_params)
            samples[without] = name
        return samples[without]

    active = {
        "kind": bool(filters.kind),
        "region": bool(filters.region),
        "evidence": filters.evidence is not None,
        "year": bool(filters.year),
    }
    main = sample("")
    grouped: dict[str, list[tuple[str, str]]] = {main: []}
    for dimension, column in _COLUMNS:
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
    # The ids of the main sample: when it holds every match, ranking scores them all.
    parts.append(f"SELECT 'ids', string_agg(id::text, ','), '', count(*), '{main}' FROM {main}")
    # Where the main sample stopped reading, to estimate the matches past COUNT_CAP: its rows
    # per bucket and the last table page read in each, and the table's size in pages.
    parts.append(
        "SELECT 'spread', string_agg(b || ':' || n || ':' || page, ','), "
        f"(pg_relation_size('{builder.ENTRY}') / current_setting('block_size')::int)::text, "
        # (sum() of counts is numeric: cast, or every count of the union would be a Decimal.)
        f"sum(n)::bigint, '{main}' FROM (SELECT bucket AS b, count(*) AS n, "
        f"max((ctid::text::point)[0])::int AS page FROM {main} GROUP BY bucket) x"
    )
    # Set-returning functions in the select list zip the two arrays as unnest(a, b) does,
    # without setting up a function scan (and its tuplestore) for every sampled row.
    parts.append(
        f"(SELECT 'tag', t.slug, t.name, count(*), '{main}' FROM (SELECT unnest(tags) AS slug, "
        f"unnest(tag_names) AS name FROM {main}) t "
        f"GROUP BY t.slug, t.name ORDER BY count(*) DESC, t.slug "
        f"LIMIT {TAG_FACETS + results.MAX_TAG_FILTERS})"
    )
    return FacetSQL(ctes, params, " UNION ALL ".join(f"({p})" for p in parts), main)


# Each bucket's share of the entries (see SearchEntry.bucket).
BUCKET_SHARES = [1 / 32, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2]


@dataclass
class Facets:
    total: int  # the main sample's size: every match, up to COUNT_CAP + 1
    values: dict[str, list[FacetValue]]
    ids: list[int]  # the main sample's entries
    # (bucket, rows, last page read) of the main sample, and the table's pages.
    spread: list[tuple[int, ...]] = field(default_factory=list)
    pages: int = 0

    def estimate(self, *, bucketed: bool) -> int:
        """How many entries match, from how far the sample read before it was full.

        The sample reads the buckets in order, each in table order: buckets before the last
        one it read were read whole, and the last one up to its last page read, that share
        of the table holding that share of the bucket's matches (ids, and so buckets, are
        spread evenly over the table). Not `bucketed` (everything matches): the sample is
        the first rows of the table."""
        if self.total <= results.COUNT_CAP or not self.spread or not self.pages:
            return self.total
        last = max(self.spread)
        read_share = min(1.0, (last[2] + 1) / self.pages)
        if not bucketed:
            return max(self.total, round(self.total / read_share))
        whole = sum(rows for bucket, rows, _ in self.spread if bucket < last[0])
        share = sum(BUCKET_SHARES[: last[0]]) + BUCKET_SHARES[last[0]] * read_share
        return max(self.total, round((whole + last[1]) / share))

    def estimated(self, total: int) -> None:
        """Mark the counts read from the main sample as estimates of `total` matches."""
        scale = total / max(self.total, 1)
        for values in self.values.values():
            for value in values:
                if value.source_is_main and value.capped:
                    value.estimate = round(value.count * scale)


def facets_from_rows(rows, filters: SearchFilters, main: str) -> Facets:
    """The size of the main sample (the result count, up to COUNT_CAP + 1) and each
    dimension's values, most results first (years newest first)."""
    sample_sizes = {main: 0}
    total = 0
    ids: list[int] = []
    spread: list[tuple[int, ...]] = []
    pages = 0
    for dimension, value, name, count, _ in rows:
        if dimension == "ids":
            ids = [int(i) for i in value.split(",")] if value else []
        elif dimension == "spread":
            parts = (value or "").split(",")
            spread = [tuple(int(n) for n in part.split(":")) for part in parts if part]
            pages = int(name or 0)
        elif dimension == "total":
            total = count
            sample_sizes[main] = count
        elif dimension == "sample":
            sample_sizes[value] = count
    labels = {
        "kind": dict(registry.kind_choices()),
        "region": registry.labels("region"),
        "evidence": registry.labels("evidence"),
    }
    selected = {
        "kind": {filters.kind},
        "region": {filters.region},
        "evidence": {str(filters.evidence)},
        "year": {str(filters.year)},
        "tag": set(filters.tags),
    }
    facets: dict[str, list[FacetValue]] = {d: [] for d in DIMENSIONS}
    for dimension, value, name, count, source in rows:
        if dimension not in facets or not value:  # not a facet, or no value (no region)
            continue
        label = name or labels.get(dimension, {}).get(value, value)
        capped = sample_sizes.get(source, 0) > results.COUNT_CAP
        facets[dimension].append(
            FacetValue(
                value,
                label,
                count,
                capped,
                value in selected[dimension],
                source_is_main=source == main,
            )
        )
    for dimension, values in facets.items():
        if dimension == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        elif dimension == "tag":
            values[:] = values[:TAG_FACETS] + [v for v in values[TAG_FACETS:] if v.selected]
        else:
            values.sort(key=lambda v: (-v.count, v.label))
    return Facets(total, facets, ids, spread, pages)
