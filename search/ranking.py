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
import re
from dataclasses import dataclass, field

from search.builder import PLANNER_DEFAULT_SETTINGS, alternative_tsquery
from search.parser import ParsedQuery
from search.postings import ALL, ENTRY, LEXEME, POSTING
from search.results import FAMILY_HEAD_SQL
from search.text import stem

SYNONYM_WEIGHT = 0.5
FIRST_DEPTH = 100
DEPTH_GROWTH = 2
# Postings read per word at most: 100, 200, 400, 800 (see top()).
MAX_DEPTH = 800
# An item titled exactly the words it matched (as typed) comes first among those matching as
# many; then one whose title holds them as a phrase.
EXACT_TITLE_BONUS = 1e6
PHRASE_TITLE_BONUS = 1e5


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
    # What was typed, clause by clause and normalised, with the clause's number (None for
    # stop words, which match nothing and are always "matched"): to recognise a title that
    # is exactly (or holds) the words an item matched.
    typed: list[tuple[int | None, str]] = field(default_factory=list)

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
        f", {PLANNER_DEFAULT_SETTINGS} "
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
        if alternative.is_phrase:
            check = len(phrases)
            phrases.append(alternative.phrase_text)
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
    wanted = [c for c in parsed.clauses if not c.negated]
    negated = [c for c in parsed.clauses if c.negated]
    if negated:
        parts = []
        for clause in negated:
            for alternative in clause.alternatives:
                sql, param = alternative_tsquery(alternative)
                parts.append(sql)
                params.append(param)
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
        typed=[
            (clause_numbers.get(index), normalised(" ".join(clause.typed)))
            for index, clause in enumerate(wanted)
        ],
    )


def _candidate_sql(source: str) -> str:
    """Each candidate's rank information (from a covering index, not the large row) and its
    postings for the query's lexemes (one index probe per candidate: a join would read every
    posting of a common word)."""
    return (
        "SELECT c.entry_id, extract(epoch FROM e.date)::float, p.lexemes, p.impacts, "
        f"e.family, {FAMILY_HEAD_SQL}, e.title "
        f"FROM ({source}) c JOIN {ENTRY} e ON e.id = c.entry_id "
        "CROSS JOIN LATERAL (SELECT array_agg(x.lexeme) AS lexemes, "
        f"array_agg(x.impact) AS impacts FROM {POSTING} x "
        "WHERE x.entry_id = c.entry_id AND x.lexeme = ANY(%s)) p"
    )


def _checks(cursor, plan: Plan, entry_ids: list[int]) -> dict[int, list[bool]]:
    """For each entry: whether it passes the required checks, then whether it holds each
    phrase (word positions: these read the entry's vector)."""
    checks = ", ".join(
        ["(" + plan.required_sql + ")"]
        + ["e.vector @@ phraseto_tsquery('english', %s)" for _ in plan.phrases]
    )
    cursor.execute(
        f"SELECT e.id, ARRAY[{checks}] FROM {ENTRY} e WHERE e.id = ANY(%s)",
        [*plan.required_params, *plan.phrases, entry_ids],
    )
    return dict(cursor.fetchall())


def _score(plan: Plan, row, checks: list[bool] | None = None) -> Ranked | None:
    """The candidate's clause count and score, or None if it matches nothing or fails a
    required check. Without `checks`, the best it can be: phrases whose words it holds
    count as matched, and the required checks as passed."""
    entry_id, date, lexemes, impacts, family, is_head, title = row
    if checks is not None and not checks[0]:
        return None
    found = dict(zip(lexemes or (), impacts or (), strict=True))
    best: dict[int, float] = {}
    for alternative in plan.alternatives:
        if any(lexeme not in found for lexeme in alternative.lexemes):
            continue
        if (
            alternative.check is not None
            and checks is not None
            and not checks[alternative.check + 1]
        ):
            continue
        value = alternative.weight * sum(
            plan.idf[lexeme] * found[lexeme] for lexeme in alternative.lexemes
        )
        if value > best.get(alternative.clause, -1.0):
            best[alternative.clause] = value
    if not best:
        return None
    score = sum(best.values())
    matched_text = " ".join(
        text for number, text in plan.typed if text and (number is None or number in best)
    )
    if matched_text:
        title_text = normalised(title)
        if title_text == matched_text:
            score += EXACT_TITLE_BONUS
        elif f" {matched_text} " in f" {title_text} ":
            score += PHRASE_TITLE_BONUS
    return Ranked(len(best), score, float(date), entry_id, family, bool(is_head))


def normalised(text: str) -> str:
    """Stemmed words, letters and digits only: "Carers' breaks" is "carer break", as
    PostgreSQL's english configuration stems them (Snowball)."""
    return " ".join(stem(word) for word in re.findall(r"[^\W_]+", text.lower()))


def _verified(
    cursor,
    plan: Plan,
    rows: dict[int, tuple],
    hopeful: list[Ranked],
    k: int,
    keep,
    known: dict[int, list[bool]] | None = None,
) -> list[Ranked]:
    """The best k of the candidates once phrases and required checks are known, checking
    them best-hope first, in growing batches, only until no unchecked one can beat them."""
    if not plan.phrases and plan.required_sql == "TRUE":
        return hopeful
    verified: list[Ranked] = []
    start, size = 0, max(2 * k, 50)
    while start < len(hopeful):
        batch = hopeful[start : start + size]
        start += size
        # Checks already made (in an earlier round of top()) are not made again.
        checks = {} if known is None else known
        unknown = [r.entry_id for r in batch if r.entry_id not in checks]
        if unknown:
            checks.update(_checks(cursor, plan, unknown))
        for item in batch:
            scored = _score(plan, rows[item.entry_id], checks.get(item.entry_id))
            if scored is not None and keep(scored):
                verified.append(scored)
        verified.sort(reverse=True)
        if len(verified) >= k and start < len(hopeful) and verified[k - 1] >= hopeful[start]:
            break
        size *= DEPTH_GROWTH
    return verified


def rank_ids(cursor, plan: Plan, entry_ids: list[int]) -> list[Ranked]:
    """Every one of these entries, scored and ordered (the few-matches case: the GIN sample
    has checked phrases and exclusions already)."""
    if not entry_ids or plan.is_empty:
        return []
    cursor.execute(
        _candidate_sql("SELECT unnest(%s::bigint[]) AS entry_id"), [entry_ids, plan.lexemes]
    )
    rows = {row[0]: row for row in cursor.fetchall()}
    hopeful = sorted((r for r in (_score(plan, row) for row in rows.values()) if r), reverse=True)
    if not plan.phrases:
        return hopeful
    return _verified(cursor, plan, rows, hopeful, len(hopeful), lambda r: True)


def top(cursor, plan: Plan, k: int, *, all_clauses: bool) -> tuple[list[Ranked], int]:
    """The k best items over every match, and how many rounds it took.

    `all_clauses`: only items matching every clause count (there are many such items);
    otherwise items with most clauses come first (no item has them all). Past MAX_DEPTH
    postings per word without a proof, the best of those read.
    """
    if plan.is_empty:
        return [], 0
    lexemes = plan.lexemes

    def keep(item: Ranked) -> bool:
        return not all_clauses or item.matched == plan.clauses

    read, depth, rounds = 0, max(FIRST_DEPTH, 2 * k), 0
    rows: dict[int, tuple] = {}
    known: dict[int, list[bool]] = {}
    floors: dict[str, float] = {}
    ended: set[str] = set()
    while True:
        rounds += 1
        # Each round reads the next stretch of every list still open, in impact order.
        open_lexemes = [lexeme for lexeme in lexemes if lexeme not in ended]
        lists = (
            f"SELECT q.lexeme, p.entry_id, p.impact FROM unnest(%s::text[]) q(lexeme) "
            f"CROSS JOIN LATERAL (SELECT entry_id, impact FROM {POSTING} "
            "WHERE lexeme = q.lexeme ORDER BY impact DESC OFFSET %s LIMIT %s) p"
        )
        cursor.execute(
            f"WITH lists AS MATERIALIZED ({lists}) "
            # One row of each list's lexeme, lowest impact read and whether it gave all the
            # rows asked for (1) or ended, in the candidates' columns.
            "SELECT NULL::bigint, NULL::float, array_agg(lexeme), array_agg(floor), "
            "NULL::varchar, NULL::bool, string_agg(n::int::text, ',') FROM (SELECT lexeme, "
            "min(impact) AS floor, count(*) = %s AS n FROM lists GROUP BY lexeme) f "
            "UNION ALL (" + _candidate_sql("SELECT DISTINCT entry_id FROM lists") + ")",
            [open_lexemes, read, depth - read, depth - read, lexemes],
        )
        still_open = set()
        for row in cursor.fetchall():
            if row[0] is not None:
                rows[row[0]] = row
                continue
            flags = row[6].split(",") if row[6] else []
            for lexeme, floor, full in zip(row[2] or [], row[3] or [], flags, strict=True):
                if full == "1":
                    floors[lexeme] = floor
                    still_open.add(lexeme)
        for lexeme in open_lexemes:
            if lexeme not in still_open:  # the list ended in this stretch (or was empty)
                ended.add(lexeme)
                floors.pop(lexeme, None)
        hopeful = sorted(
            (r for r in (_score(plan, row) for row in rows.values()) if r and keep(r)),
            reverse=True,
        )
        ranked = _verified(cursor, plan, rows, hopeful, k, keep, known)
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
        if depth >= MAX_DEPTH:
            return ranked[:k], rounds
        read, depth = depth, depth * DEPTH_GROWTH


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
