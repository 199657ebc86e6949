"""Ranking every match: the best items of all matches, not of a sample.

An item's score for a query is, over the query's clauses (a word with its synonyms, or a
quoted phrase), the best matching alternative's  weight x sum of idf(lexeme) x impact(lexeme)
(see postings.py for the impact; a synonym's weight is SYNONYM_WEIGHT, below the word typed).
Items are ordered by how many clauses they match, then by score, then newest first.

Two ways to find the top k, both exact:

- **Few matches** (the GIN sample holds every match, at most COUNT_CAP): score them all.
- **Many matches**: the threshold algorithm over postings read in impact order. Each round
  reads the top `depth` postings of every query lexeme; any item in none of those lists can
  score at most the sum of each list's lowest impact read (its "floor") and can only match
  clauses whose lists were not read to the end. Once the k-th best item read beats that
  bound, no unread item can enter the top k; otherwise the next round reads four times as
  deep, until a list ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from search.models import SearchEntry, SearchLexeme, SearchPosting
from search.parser import ParsedQuery
from search.postings import ALL

ENTRY = SearchEntry._meta.db_table
POSTING = SearchPosting._meta.db_table
LEXEME = SearchLexeme._meta.db_table

SYNONYM_WEIGHT = 0.5
FIRST_DEPTH = 200
DEPTH_GROWTH = 4


@dataclass(frozen=True)
class Alternative:
    clause: int
    lexemes: tuple[str, ...]
    weight: float
    # Index into a candidate's checks, for phrases (word positions matter).
    check: int | None


@dataclass
class Plan:
    """The query as lexemes with their idf, and the SQL checks a candidate must pass."""

    alternatives: list[Alternative]
    idf: dict[str, float]
    clauses: int
    phrases: list[str] = field(default_factory=list)
    # SQL (over `e`) and parameters that every result must satisfy: exclusions and filters.
    required_sql: str = "TRUE"
    required_params: list = field(default_factory=list)

    @property
    def lexemes(self) -> list[str]:
        return sorted({lexeme for a in self.alternatives for lexeme in a.lexemes})

    @property
    def is_empty(self) -> bool:
        return not self.alternatives


@dataclass(frozen=True, order=True)
class Ranked:
    matched: int
    score: float
    date: float
    entry_id: int
    family: str = field(default="", compare=False)
    # The family's head (an event, whose notes say more): shown only if no member is.
    is_head: bool = field(default=False, compare=False)


def plan_query(cursor, parsed: ParsedQuery, filter_query: str | None) -> Plan:
    """Look up the lexemes of every alternative and how many entries hold each (one query)."""
    texts, owners = [], []
    for index, clause in enumerate(c for c in parsed.clauses if not c.negated):
        typed = " ".join(clause.typed).lower()
        for alternative in clause.alternatives:
            texts.append(alternative.text)
            synonym = (
                clause.expanded
                and alternative.text.lower() != typed
                and len(clause.alternatives) > 1
            )
            owners.append((index, alternative, synonym))
    cursor.execute(
        f"SELECT a.ord, tsvector_to_array(to_tsvector('english', a.text)), "
        f"(SELECT array_agg(coalesce(l.entries, 0) ORDER BY x.ord) FROM "
        f"unnest(tsvector_to_array(to_tsvector('english', a.text))) WITH ORDINALITY x(lex, ord) "
        f"LEFT JOIN {LEXEME} l ON l.lexeme = x.lex), "
        f"(SELECT greatest(entries, 1) FROM {LEXEME} WHERE lexeme = '{ALL}') "
        # Postings are read in impact order by plain index scans, which the sample's
        # settings (bitmaps only) would turn into sorting every posting of a word.
        ", set_config('enable_indexscan', 'on', true), set_config('enable_seqscan', 'on', true) "
        "FROM unnest(%s::text[]) WITH ORDINALITY a(text, ord) ORDER BY a.ord",
        [texts],
    )
    rows = cursor.fetchall()
    total = max((row[3] or 1 for row in rows), default=1)
    idf: dict[str, float] = {}
    alternatives: list[Alternative] = []
    phrases: list[str] = []
    clause_numbers: dict[int, int] = {}
    for (_, lexemes, counts, *_), (index, alternative, synonym) in zip(rows, owners, strict=True):
        lexemes = lexemes or []
        if not lexemes:
            continue  # only stop words: nothing to match
        total = max(total, *(counts or [0]))
        for lexeme, count in zip(lexemes, counts or [], strict=True):
            idf[lexeme] = math.log(1 + (total - count + 0.5) / (count + 0.5))
        check = None
        if alternative.phrase or " " in alternative.text.strip():
            check = len(phrases)
            phrases.append(alternative.text)
        number = clause_numbers.setdefault(index, len(clause_numbers))
        alternatives.append(
            Alternative(
                clause=number,
                lexemes=tuple(lexemes),
                weight=SYNONYM_WEIGHT if synonym else 1.0,
                check=check,
            )
        )
    required, params = [], []
    negated = [c for c in parsed.clauses if c.negated]
    if negated:
        parts = []
        for clause in negated:
            for alternative in clause.alternatives:
                function = "phraseto_tsquery" if alternative.phrase else "plainto_tsquery"
                parts.append(f"{function}('english', %s)")
                params.append(alternative.text)
        required.append(f"NOT (e.vector @@ ({' || '.join(parts)}))")
    if filter_query:
        required.append("e.vector @@ %s::tsquery")
        params.append(filter_query)
    return Plan(
        alternatives=alternatives,
        idf=idf,
        clauses=len(clause_numbers),
        phrases=phrases,
        required_sql=" AND ".join(required) or "TRUE",
        required_params=params,
    )


def _candidate_sql(plan: Plan, source: str) -> str:
    """Each candidate's date, family, its postings for the query's lexemes (one index probe
    per candidate: a join would read every posting of a common word) and its checks."""
    checks = ", ".join(
        ["(" + plan.required_sql + ")"]
        + ["e.vector @@ phraseto_tsquery('english', %s)" for _ in plan.phrases]
    )
    return (
        f"SELECT c.entry_id, extract(epoch FROM e.date)::float, p.lexemes, p.impacts, "
        f"ARRAY[{checks}], e.family, e.family = e.kind || ':' || e.object_id "
        f"FROM ({source}) c JOIN {ENTRY} e ON e.id = c.entry_id "
        "CROSS JOIN LATERAL (SELECT array_agg(x.lexeme) AS lexemes, "
        f"array_agg(x.impact) AS impacts FROM {POSTING} x "
        "WHERE x.entry_id = c.entry_id AND x.lexeme = ANY(%s)) p"
    )


def _candidate_params(plan: Plan) -> tuple[list, list[str]]:
    """The parameters of the checks (in the select list), and the lexemes (in the join)."""
    return [*plan.required_params, *plan.phrases], plan.lexemes


def _score(plan: Plan, row) -> Ranked | None:
    """The candidate's clause count and score, or None if it fails a required check."""
    entry_id, date, lexemes, impacts, checks, family, is_head = row
    if not checks[0]:
        return None
    found = dict(zip(lexemes or (), impacts or (), strict=True))
    best: dict[int, float] = {}
    for alternative in plan.alternatives:
        if alternative.check is not None:
            if not checks[alternative.check + 1]:
                continue
        elif any(lexeme not in found for lexeme in alternative.lexemes):
            continue
        value = alternative.weight * sum(
            plan.idf[lexeme] * found.get(lexeme, 0.0) for lexeme in alternative.lexemes
        )
        if value > best.get(alternative.clause, -1.0):
            best[alternative.clause] = value
    if not best:
        return None
    return Ranked(len(best), sum(best.values()), float(date), entry_id, family, bool(is_head))


def rank_ids(cursor, plan: Plan, entry_ids: list[int]) -> list[Ranked]:
    """Every one of these entries, scored and ordered (the few-matches case)."""
    if not entry_ids or plan.is_empty:
        return []
    checks, lexemes = _candidate_params(plan)
    cursor.execute(
        _candidate_sql(plan, "SELECT unnest(%s::bigint[]) AS entry_id"),
        [*checks, entry_ids, lexemes],
    )
    ranked = [r for r in (_score(plan, row) for row in cursor.fetchall()) if r is not None]
    ranked.sort(reverse=True)
    return ranked


def top(cursor, plan: Plan, k: int, *, all_clauses: bool) -> tuple[list[Ranked], int]:
    """The k best items over every match, and how many rounds it took.

    `all_clauses`: only items matching every clause count (there are many such items);
    otherwise items with most clauses come first (no item has them all).
    """
    if plan.is_empty:
        return [], 0
    checks, lexemes = _candidate_params(plan)
    depth, rounds = max(FIRST_DEPTH, 2 * k), 0
    while True:
        rounds += 1
        lists = (
            f"SELECT q.lexeme, p.entry_id, p.impact FROM unnest(%s::text[]) q(lexeme) "
            f"CROSS JOIN LATERAL (SELECT entry_id, impact FROM {POSTING} "
            "WHERE lexeme = q.lexeme ORDER BY impact DESC LIMIT %s) p"
        )
        cursor.execute(
            f"WITH lists AS MATERIALIZED ({lists}) "
            "SELECT NULL::bigint, NULL::float, array_agg(lexeme), array_agg(floor), "
            "array_agg(n), NULL::varchar, NULL::bool FROM (SELECT lexeme, min(impact) AS floor, "
            "count(*) = %s AS n FROM lists GROUP BY lexeme) f "
            "UNION ALL (" + _candidate_sql(plan, "SELECT DISTINCT entry_id FROM lists") + ")",
            [lexemes, depth, depth, *checks, lexemes],
        )
        rows = cursor.fetchall()
        floors = {}
        for row in rows:
            if row[0] is None:
                for lexeme, floor, full in zip(
                    row[2] or [], row[3] or [], row[4] or [], strict=True
                ):
                    if full:  # read to `depth` without reaching the end of the list
                        floors[lexeme] = floor
                break
        ranked = sorted(
            (r for r in (_score(plan, row) for row in rows if row[0] is not None) if r),
            reverse=True,
        )
        if all_clauses:
            ranked = [r for r in ranked if r.matched == plan.clauses]
        bound_matched, bound_score = _unseen_bound(plan, floors)
        if all_clauses and bound_matched < plan.clauses:
            return ranked[:k], rounds  # no unread item can match every clause
        if not all_clauses:
            bound_matched = min(bound_matched, plan.clauses - 1)
        if bound_matched == 0:
            return ranked[:k], rounds  # every list was read to its end
        if len(ranked) >= k and (ranked[k - 1].matched, ranked[k - 1].score) >= (
            bound_matched,
            bound_score,
        ):
            return ranked[:k], rounds
        depth *= DEPTH_GROWTH


def _unseen_bound(plan: Plan, floors: dict[str, float]) -> tuple[int, float]:
    """The most clauses, and the highest score, of an item found in none of the lists read:
    each of its impacts is at most its list's floor, and it holds no lexeme whose list was
    read to the end."""
    best: dict[int, float] = {}
    for alternative in plan.alternatives:
        if all(lexeme in floors for lexeme in alternative.lexemes):
            value = alternative.weight * sum(
                plan.idf[lexeme] * floors[lexeme] for lexeme in alternative.lexemes
            )
            best[alternative.clause] = max(best.get(alternative.clause, 0.0), value)
    return len(best), sum(best.values())
