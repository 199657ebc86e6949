"""Facet counts: how many results each value of each filter dimension would give.

Counted in one statement from capped samples of the matches (COUNT_CAP + 1 rows each), so a
word in most items costs no more than a rare one; past the cap the counts are lower bounds
("340+"). A dimension that is filtered on is counted without its own filter, so its other
values show how many results choosing them instead would give.
"""

from __future__ import annotations

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
            columns = (
                "e.id, e.date, e.rank_vector, e.kind, e.region, e.evidence_level, e.year, "
                "e.tags, e.tag_names"
            )
            filter_query = builder.filters_tsquery(filters, without=without)
            if parsed.is_empty and filter_query is None:
                # Everything matches: the first rows of the table are the sample.
                matches, where_params = f"SELECT {columns} FROM {builder.ENTRY} e", []
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
        "evidence": bool(filters.evidence),
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
    # Set-returning functions in the select list zip the two arrays as unnest(a, b) does,
    # without setting up a function scan (and its tuplestore) for every sampled row.
    parts.append(
        f"(SELECT 'tag', t.slug, t.name, count(*), '{main}' FROM (SELECT unnest(tags) AS slug, "
        f"unnest(tag_names) AS name FROM {main}) t "
        f"GROUP BY t.slug, t.name ORDER BY count(*) DESC, t.slug "
        f"LIMIT {TAG_FACETS + results.MAX_TAG_FILTERS})"
    )
    return FacetSQL(ctes, params, " UNION ALL ".join(f"({p})" for p in parts), main)


def facets_from_rows(
    rows, filters: SearchFilters, main: str
) -> tuple[int, dict[str, list[FacetValue]]]:
    """The size of the main sample (the result count, up to COUNT_CAP + 1) and each
    dimension's values, most results first (years newest first)."""
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
