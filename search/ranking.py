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
  bound, no unread item can enter the top k; otherwise the next round reads twice as deep
  the lists that bound it (see _to_extend), until a list ends.

Filters and excluded words are applied while the lists are read (the postings of items
that fail them are skipped, from the ranking index and the postings' key), so each list's
floor is that of the items that can be shown; only phrases, which need word positions,
are checked on the entry's vector, lazily, best hopes first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import NamedTuple

from search.builder import (
    PLANNER_DEFAULT_SETTINGS,
    alternative_tsquery,
    filters_sql,
    filters_tsquery,
)
from search.parser import ParsedQuery
from search.postings import ALL, ENTRY, LEXEME, POSTING, quoted_lexeme
from search.results import FAMILY_HEAD_SQL, SearchFilters
from search.text import stem

SYNONYM_WEIGHT = 0.5
FIRST_DEPTH = 100
DEPTH_GROWTH = 2
# Postings read per word at most: 100, 200, 400, ..., 3,200 (see top()).
MAX_DEPTH = 3200
# Of an alternative of several words (a phrase), the lists read deeper are those whose
# floor still counts: idf x floor at least this share of the alternative's largest. A
# common word's list ("care" in "integrated care board") holds mostly items without the
# phrase, and its floor barely moves; an unread item's impact for it stays bounded by the
# floor already read.
EXTEND_SHARE = 0.5
# An item titled exactly the words it matched (as typed) comes first among those matching as
# many; then one whose title holds them as a phrase.
EXACT_TITLE_BONUS = 1e6
PHRASE_TITLE_BONUS = 1e5
# Items whose title holds every word typed (those that can earn a title bonus) are found
# and scored apart when there are at most this many (see _titled).
TITLED_CAP = 300


@dataclass(frozen=True)
class Alternative:
    clause: int
    # What its postings are read under: its words, or a phrase's own token (postings.py).
    lexemes: tuple[str, ...]
    weight: float
    # Index into a candidate's checks, for phrases (word positions matter).
    check: int | None
    # Its words (a title's own words are matched against these).
    words: tuple[str, ...] = ()


class Excluded(NamedTuple):
    lexemes: tuple[str, ...]
    # The bits of SearchPosting.common that say an entry holds them all, when every one of
    # them is a common word (postings.py); otherwise None, and the postings' key is probed.
    mask: int | None = None


@dataclass
class Plan:
    """The query as lexemes with their idf, and the SQL checks a candidate must pass."""

    alternatives: list[Alternative]
    idf: dict[str, float]
    clauses: int
    phrases: list[str] = field(default_factory=list)
    # SQL (over `e`) and parameters that every result must satisfy and postings cannot
    # tell: the exclusion of phrases.
    required_sql: str = "TRUE"
    required_params: list = field(default_factory=list)
    # Excluded alternatives that postings decide (no word order): an item holding all the
    # lexemes of one is left out.
    excluded: list[Excluded] = field(default_factory=list)
    # The filters as conditions on the ranking index (alias `f`), or None; and as tsquery
    # text over the filter lexemes.
    filter_sql: str | None = None
    filter_params: list = field(default_factory=list)
    filter_query: str | None = None
    # What was typed, clause by clause and normalised, with the clause's number (None for
    # stop words, which match nothing and are always "matched"): to recognise a title that
    # is exactly (or holds) the words an item matched.
    typed: list[tuple[int | None, str]] = field(default_factory=list)
    _matched_texts: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def lexemes(self) -> list[str]:
        return sorted({lexeme for a in self.alternatives for lexeme in a.lexemes})

    @property
    def is_empty(self) -> bool:
        return not self.alternatives

    @cached_property
    def terms(self) -> list[tuple[int, tuple[tuple[str, float], ...], float, int | None]]:
        """The alternatives as _score reads them: clause, (lexeme, idf) pairs, weight,
        check."""
        return [
            (a.clause, tuple((lexeme, self.idf[lexeme]) for lexeme in a.lexemes), a.weight, a.check)
            for a in self.alternatives
        ]

    def matched_text(self, matched) -> str:
        """What was typed of the clauses matched (stop words always), normalised: the
        title an item must have (or hold) to come first."""
        key = frozenset(matched)
        texts = self._matched_texts
        if key not in texts:
            texts[key] = " ".join(
                text for number, text in self.typed if text and (number is None or number in key)
            )
        return texts[key]


class Ranked(NamedTuple):
    """A scored item, ordered by clauses matched, score, date, then id (unique, so the
    fields after it never decide). A tuple: thousands are made per search, and a frozen
    dataclass costs several times more to build and compare."""

    matched: int
    score: float
    date: float
    entry_id: int
    family: str = ""
    # The family's head (an event, whose notes say more): shown only if no member is.
    is_head: bool = False


def plan_query(cursor, parsed: ParsedQuery, filters: SearchFilters | None = None) -> Plan:
    """Look up the lexemes of every alternative (excluded ones too) and how many entries
    hold each (one query)."""
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
    negated = [a for c in parsed.clauses if c.negated for a in c.alternatives]
    texts += [alternative.text for alternative in negated]
    # A phrase's own token and its count, when it is indexed as one (postings.py).
    phrase_texts = [
        alternative.phrase_text if alternative.is_phrase else None
        for alternative in [owner[1] for owner in owners] + negated
    ]
    cursor.execute(
        f"SELECT a.ord, c.lexemes, c.counts, "
        f"(SELECT greatest(entries, 1) FROM {LEXEME} WHERE lexeme = '{ALL}') "
        # Postings are read in impact order by plain index scans, which the sample's
        # settings (bitmaps only) would turn into sorting every posting of a word.
        f", {PLANNER_DEFAULT_SETTINGS}, t.token, "
        f"(SELECT entries FROM {LEXEME} WHERE lexeme = t.token), c.bits "
        "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY a(text, phrase, ord) "
        "CROSS JOIN LATERAL (SELECT phraseto_tsquery('english', a.phrase)::text AS token) t "
        # Each lexeme with how many entries hold it and its common-word bit (postings.py),
        # if it has one: one look-up per lexeme.
        "CROSS JOIN LATERAL (SELECT array_agg(x.lex ORDER BY x.ord) AS lexemes, "
        "array_agg(coalesce(l.entries, 0) ORDER BY x.ord) AS counts, "
        "array_agg(l.bit ORDER BY x.ord) AS bits "
        "FROM unnest(tsvector_to_array(to_tsvector('english', a.text))) "
        f"WITH ORDINALITY x(lex, ord) LEFT JOIN {LEXEME} l ON l.lexeme = x.lex) c "
        "ORDER BY a.ord",
        [texts, phrase_texts],
    )
    rows = cursor.fetchall()
    negated_rows = rows[len(owners) :]
    rows = rows[: len(owners)]
    total = max((row[3] or 1 for row in rows + negated_rows), default=1)
    idf: dict[str, float] = {}
    alternatives: list[Alternative] = []
    phrases: list[str] = []
    clause_numbers: dict[int, int] = {}
    seen: dict[tuple, int] = {}
    for row, (index, alternative, synonym) in zip(rows, owners, strict=True):
        lexemes, counts, token, token_count = row[1] or [], row[2], row[-3], row[-2]
        if not lexemes:
            continue  # only stop words: nothing to match
        total = max(total, *(counts or [0]))
        for lexeme, count in zip(lexemes, counts or [], strict=True):
            idf[lexeme] = math.log(1 + (total - count + 0.5) / (count + 0.5))
        number = clause_numbers.setdefault(index, len(clause_numbers))
        # A phrase of one word (the others stop words) is that word: postings tell.
        is_phrase = alternative.is_phrase and len(lexemes) > 1
        weight = SYNONYM_WEIGHT if synonym else 1.0
        # Alternatives that stem alike ("integrated care board" and "... boards") are one:
        # read, scored and checked once, at the better weight.
        key = (number, tuple(lexemes), is_phrase)
        if key in seen:
            at = seen[key]
            if weight > alternatives[at].weight:
                alternatives[at] = replace(alternatives[at], weight=weight)
            continue
        check, read_as = None, tuple(lexemes)
        if is_phrase and token_count is not None:
            read_as = (token,)  # its own postings: positions were checked when indexing
            idf[token] = math.log(1 + (total - token_count + 0.5) / (token_count + 0.5))
        elif is_phrase:
            check = len(phrases)
            phrases.append(alternative.phrase_text)
        seen[key] = len(alternatives)
        alternatives.append(
            Alternative(
                clause=number, lexemes=read_as, weight=weight, check=check, words=tuple(lexemes)
            )
        )
    required, params, excluded = [], [], []
    for (_, lexemes, *_, bits), alternative in zip(negated_rows, negated, strict=True):
        if not lexemes:
            continue  # only stop words: excludes nothing
        if alternative.is_phrase and len(lexemes) > 1:
            sql, alternative_params = alternative_tsquery(alternative)
            required.append(f"NOT (e.vector @@ {sql})")
            params += alternative_params
        else:  # plainto_tsquery: every lexeme, in any order
            mask = None if None in bits else sum(1 << bit for bit in set(bits))
            excluded.append(Excluded(tuple(lexemes), mask))
    wanted = [c for c in parsed.clauses if not c.negated]
    filter_sql, filter_params = filters_sql(filters or SearchFilters()) or (None, [])
    return Plan(
        alternatives=alternatives,
        idf=idf,
        clauses=len(clause_numbers),
        phrases=phrases,
        required_sql=" AND ".join(required) or "TRUE",
        required_params=params,
        excluded=excluded,
        filter_sql=filter_sql,
        filter_params=filter_params,
        filter_query=filters_tsquery(filters or SearchFilters()),
        typed=[
            (clause_numbers.get(index), normalised(" ".join(clause.typed)))
            for index, clause in enumerate(wanted)
        ],
    )


# A candidate's rank information, from the covering index, not the large row; OFFSET 0
# keeps it a probe per candidate (as a join, a merge join would read the whole index).
_RANK_INFO = (
    "SELECT extract(epoch FROM e.date)::float AS date, e.family, "
    f"{FAMILY_HEAD_SQL} AS head, e.title FROM {ENTRY} e WHERE e.id = {{entry_id}} OFFSET 0"
)


def _candidate_sql(source: str) -> str:
    """Each candidate's rank information and its postings for the query's lexemes (one
    index probe per candidate: a join would read every posting of a common word)."""
    return (
        "SELECT c.entry_id, e.date, p.lexemes, p.impacts, e.family, e.head, e.title "
        f"FROM ({source}) c CROSS JOIN LATERAL ("
        + _RANK_INFO.format(entry_id="c.entry_id")
        + ") e CROSS JOIN LATERAL (SELECT array_agg(x.lexeme) AS lexemes, "
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
    found = dict(zip(lexemes, impacts)) if lexemes else {}  # noqa: B905 (paired by SQL)
    best: dict[int, float] = {}
    for clause, terms, weight, check in plan.terms:
        value = 0.0
        for lexeme, idf in terms:
            impact = found.get(lexeme)
            if impact is None:
                break
            value += idf * impact
        else:
            if check is not None and checks is not None and not checks[check + 1]:
                continue
            value *= weight
            if value > best.get(clause, -1.0):
                best[clause] = value
    if not best:
        return None
    score = sum(best.values()) + _title_bonus(plan, best, title)
    return Ranked(len(best), score, float(date), entry_id, family, bool(is_head))


def _title_bonus(plan: Plan, best: dict, title: str) -> float:
    """The bonus for a title that is the words matched (by stems), or holds them as a phrase."""
    matched_text = plan.matched_text(best)
    if not matched_text:
        return 0.0
    title_text = normalised(title)
    if title_text == matched_text:
        return EXACT_TITLE_BONUS
    if f" {matched_text} " in f" {title_text} ":
        return PHRASE_TITLE_BONUS
    return 0.0


@lru_cache(maxsize=65_536)
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
    final: dict[int, Ranked | None] | None = None,
) -> list[Ranked]:
    """The best k of the candidates once phrases and required checks are known, checking
    them best-hope first, in growing batches, only until no unchecked one can beat them.
    `known` and `final` keep the checks and the scores they give across rounds of top()."""
    if not plan.phrases and plan.required_sql == "TRUE":
        return hopeful
    checks = {} if known is None else known
    scores = {} if final is None else final
    verified: list[Ranked] = []
    start, size = 0, max(2 * k, 50)
    while start < len(hopeful):
        batch = hopeful[start : start + size]
        start += size
        # Checks already made (in an earlier round of top()) are not made again.
        unknown = [r.entry_id for r in batch if r.entry_id not in checks]
        if unknown:
            checks.update(_checks(cursor, plan, unknown))
        for item in batch:
            if item.entry_id not in scores:
                scored = _score(plan, rows[item.entry_id], checks.get(item.entry_id))
                scores[item.entry_id] = scored if scored is not None and keep(scored) else None
            if scores[item.entry_id] is not None:
                verified.append(scores[item.entry_id])
        verified.sort(reverse=True)
        if len(verified) >= k and start < len(hopeful) and verified[k - 1] >= hopeful[start]:
            break
        size *= DEPTH_GROWTH
    return verified


def rank_ids(cursor, plan: Plan, entry_ids: list[int]) -> list[Ranked]:
    """Every one of these entries, scored and ordered (the few-matches case: the GIN sample
    has checked phrases, exclusions and filters already)."""
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


def _no_excluded_word(plan: Plan, posting: str) -> tuple[list[str], list]:
    """Conditions that the entry of the posting `posting` (an alias) holds no excluded
    alternative, and their parameters: read off the posting's common-word bits where the
    words have them, else probed on the postings' key."""
    conditions, params = [], []
    for lexemes, mask in plan.excluded:
        if mask is not None:
            conditions.append(f"({posting}.common & %s::bigint) <> %s::bigint")
            params += [mask, mask]
        else:
            conditions.append(
                f"(SELECT count(*) FROM {POSTING} z "
                f"WHERE z.entry_id = {posting}.entry_id AND z.lexeme = ANY(%s)) < %s"
            )
            params += [list(lexemes), len(lexemes)]
    return conditions, params


def _lists_sql(plan: Plan) -> tuple[str, list]:
    """Each open list's next stretch in impact order, as (lexeme, entry_id, impact): only
    postings of items that pass the filters (checked on the ranking index) and hold no
    excluded alternative (checked on the postings' key). Parameters: the lexemes, how many
    postings of each were read and how many to read now, then those returned here."""
    # Scalar subqueries, which the planner keeps as a probe per posting read (an EXISTS
    # would become a join that reads every posting of the excluded word, or every entry).
    conditions, params = [], []
    if plan.filter_sql:
        conditions.append(
            f" AND (SELECT count(*) FROM {ENTRY} f WHERE f.id = x.entry_id AND "
            f"{plan.filter_sql}) = 1"
        )
        params += plan.filter_params
    excluded, excluded_params = _no_excluded_word(plan, "x")
    conditions += [f" AND {condition}" for condition in excluded]
    params += excluded_params
    sql = (
        "SELECT q.lexeme, p.entry_id, p.impact "
        "FROM unnest(%s::text[], %s::int[], %s::int[]) q(lexeme, skip, take) "
        f"CROSS JOIN LATERAL (SELECT x.entry_id, x.impact FROM {POSTING} x "
        f"WHERE x.lexeme = q.lexeme{''.join(conditions)} "
        "ORDER BY x.impact DESC OFFSET q.skip LIMIT q.take) p"
    )
    return sql, params


# The expression of the title's own word index (migration search 0006): a query must use
# it as written to read that index.
TITLE_WORDS = "to_tsvector('english'::regconfig, {alias}.title)"


def _titled_query(plan: Plan) -> str | None:
    """tsquery text over a title's own words for the items whose title holds the words
    typed of every clause (any of an OR's): what a title bonus needs. None if a clause typed
    nothing that matches (only synonyms)."""
    typed: dict[int, list[str]] = {}
    for alternative in plan.alternatives:
        if alternative.weight == 1.0:
            words = " & ".join(quoted_lexeme(lexeme) for lexeme in alternative.words)
            typed.setdefault(alternative.clause, []).append(f"({words})")
    if len(typed) < plan.clauses:
        return None
    return " & ".join(f"({' | '.join(options)})" for options in typed.values())


def _titled(cursor, plan: Plan) -> list[Ranked] | None:
    """Every match whose title holds the words typed, scored (at most TITLED_CAP; None past
    that). An item of these can earn a title bonus that its impacts do not show, so the
    threshold algorithm's bound for unread items (which leaves the bonus out) holds only
    for the others: these are scored apart, and none is missed. Read from the titles' own
    word index, with the filters and exclusions checked as the lists check them."""
    query = _titled_query(plan)
    if query is None:
        return None
    conditions, params = [f"{TITLE_WORDS.format(alias='f')} @@ %s::tsquery"], [query]
    if plan.filter_sql:
        conditions.append(plan.filter_sql)
        params += plan.filter_params
    # The title index hands over the entry's row, vector included: excluded words are
    # checked on it (about 1 µs each), not probed on the postings' key (8 µs each, for
    # every title when most hold the word excluded, as 2,151 of the 2,415 titles with
    # "wellbeing" hold "team" at 125,000 entries).
    for lexemes, _ in plan.excluded:
        conditions.append("NOT f.vector @@ %s::tsquery")
        params.append(" & ".join(quoted_lexeme(lexeme) for lexeme in lexemes))
    if plan.required_sql != "TRUE":
        conditions.append(f"(SELECT {plan.required_sql} FROM {ENTRY} e WHERE e.id = f.id)")
        params += plan.required_params
    cursor.execute(
        f"SELECT f.id FROM {ENTRY} f WHERE {' AND '.join(conditions)} LIMIT %s",
        [*params, TITLED_CAP + 1],
    )
    ids = [row[0] for row in cursor.fetchall()]
    if len(ids) > TITLED_CAP:
        return None
    return [r for r in rank_ids(cursor, plan, ids) if r.matched == plan.clauses]


def _merged(ranked: list[Ranked], titled: list[Ranked]) -> list[Ranked]:
    by_id = {r.entry_id: r for r in ranked}
    by_id.update((r.entry_id, r) for r in titled)
    return sorted(by_id.values(), reverse=True)


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

    lists, list_params = _lists_sql(plan)
    # With every clause to match, the items a title bonus could lift come first, scored.
    titled = _titled(cursor, plan) if all_clauses else None
    first = max(FIRST_DEPTH, 2 * k)
    rounds = 0
    depth: dict[str, int] = {}  # postings read of each list
    rows: dict[int, tuple] = {}  # candidates scored from all their postings
    pruned: set[int] = set()  # candidates that cannot reach the page (never probed)
    hopes: dict[int, Ranked | None] = {}  # each candidate's best possible score
    known: dict[int, list[bool]] = {}
    final: dict[int, Ranked | None] = {}
    floors: dict[str, float] = {}
    ended: set[str] = set()
    extend = list(lexemes)
    ranked: list[Ranked] = []
    while True:
        rounds += 1
        # Each round reads the next stretch of the lists to extend, in impact order, with
        # the rank information of the items it finds for the first time and what the
        # lists say of them.
        skips = [depth.get(lexeme, 0) for lexeme in extend]
        takes = [max(first, skip * DEPTH_GROWTH) - skip for skip in skips]
        cursor.execute(
            f"WITH lists AS MATERIALIZED ({lists}) "
            # One row of each list's lexemes, lowest impacts read and rows read, in the
            # candidates' columns.
            "SELECT NULL::bigint, NULL::float, array_agg(lexeme), array_agg(floor), "
            "NULL::varchar, NULL::bool, string_agg(n::text, ',') FROM (SELECT lexeme, "
            "min(impact) AS floor, count(*) AS n FROM lists GROUP BY lexeme) f "
            "UNION ALL (SELECT c.entry_id, e.date, c.lexemes, c.impacts, e.family, e.head, "
            "e.title FROM (SELECT entry_id, array_agg(lexeme) AS lexemes, "
            "array_agg(impact) AS impacts FROM lists GROUP BY entry_id) c CROSS JOIN LATERAL ("
            + _RANK_INFO.format(entry_id="c.entry_id")
            + ") e)",
            [extend, skips, takes, *list_params],
        )
        counts: dict[str, int] = {}
        found = []
        for row in cursor.fetchall():
            if row[0] is not None:
                # Items seen in an earlier round are known already (sending their ids to
                # leave them out would cost more than reading their rank information).
                if row[0] not in rows and row[0] not in pruned:
                    found.append(row)
                continue
            numbers = row[6].split(",") if row[6] else []
            for lexeme, floor, n in zip(row[2] or [], row[3] or [], numbers, strict=True):
                counts[lexeme] = int(n)
                floors[lexeme] = floor
        for lexeme, skip, take in zip(extend, skips, takes, strict=True):
            depth[lexeme] = skip + counts.get(lexeme, 0)
            if counts.get(lexeme, 0) < take:  # the list ended in this stretch (or was empty)
                ended.add(lexeme)
                floors.pop(lexeme, None)
        # A new item is scored from all its postings (one probe each) unless what the lists
        # say of it already rules it out: each impact the lists did not show is at most
        # that list's floor, and the page's k-th item so far can only get better.
        kth = ranked[k - 1][:2] if len(ranked) >= k else None
        probe = []
        for row in found:
            if (
                kth is not None
                and _upper(plan, row, floors, all_clauses, kth, bonus=titled is None) < kth
            ):
                pruned.add(row[0])
            else:
                probe.append(row)
        if probe:
            cursor.execute(
                f"SELECT c.id, p.lexemes, p.impacts FROM unnest(%s::bigint[]) c(id) "
                "CROSS JOIN LATERAL (SELECT array_agg(x.lexeme) AS lexemes, "
                f"array_agg(x.impact) AS impacts FROM {POSTING} x "
                "WHERE x.entry_id = c.id AND x.lexeme = ANY(%s)) p",
                [[row[0] for row in probe], lexemes],
            )
            postings = {entry_id: (lex, imp) for entry_id, lex, imp in cursor.fetchall()}
            for row in probe:
                row = (row[0], row[1], *postings[row[0]], *row[4:])
                rows[row[0]] = row
                scored = _score(plan, row)
                hopes[row[0]] = scored if scored is not None and keep(scored) else None
        hopeful = sorted((r for r in hopes.values() if r), reverse=True)
        ranked = _verified(cursor, plan, rows, hopeful, k, keep, known, final)
        if titled:
            ranked = _merged(ranked, titled)
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
        extend = [lexeme for lexeme in _to_extend(plan, floors) if depth.get(lexeme, 0) < MAX_DEPTH]
        if not extend:
            return ranked[:k], rounds


def _upper(
    plan: Plan,
    row,
    floors: dict[str, float],
    all_clauses: bool,
    kth: tuple[int, float],
    *,
    bonus: bool = True,
) -> tuple[int, float]:
    """The most clauses and the highest score an item first found in this round can have,
    from the impacts the lists showed (`row`: rank information and those impacts): any
    other impact is at most its list's floor, and nothing for a list read to its end. With
    the bonus its title would earn (for any clauses, when not all must match), unless it
    reaches `kth` without it. `bonus` False: no title bonus is possible (every item that
    could earn one has been scored apart, see _titled)."""
    _, _, lexemes, impacts, _, _, title = row
    # (The lists' SQL pairs each lexeme with its impact: no strict zip in this hot loop.)
    seen = dict(zip(lexemes, impacts))  # noqa: B905
    best: dict[int, float] = {}
    for clause, terms, weight, _ in plan.terms:
        value = 0.0
        for lexeme, idf in terms:
            impact = seen.get(lexeme)
            if impact is None:
                impact = floors.get(lexeme)
                if impact is None:
                    break
            value += idf * impact
        else:
            value *= weight
            if value > best.get(clause, -1.0):
                best[clause] = value
    if not best or (all_clauses and len(best) < plan.clauses):
        return (0, 0.0)
    score = sum(best.values())
    if not all_clauses:
        return (len(best), score + EXACT_TITLE_BONUS)
    if not bonus or (len(best), score) >= kth:
        return (len(best), score)  # to be scored whatever its title
    return (len(best), score + _title_bonus(plan, best, title))


def _values(plan: Plan, floors: dict[str, float]) -> list[tuple[Alternative, float]]:
    """Each alternative an unread item may still match (none of its lists ended), and the
    most it can add to that item's score."""
    return [
        (
            alternative,
            alternative.weight
            * sum(plan.idf[lexeme] * floors[lexeme] for lexeme in alternative.lexemes),
        )
        for alternative in plan.alternatives
        if all(lexeme in floors for lexeme in alternative.lexemes)
    ]


def _unseen_bound(plan: Plan, floors: dict[str, float]) -> tuple[int, float]:
    """The most clauses, and the highest score, of an item found in none of the lists read:
    each of its impacts is at most its list's floor, and it holds no lexeme whose list was
    read to the end."""
    best: dict[int, float] = {}
    for alternative, value in _values(plan, floors):
        best[alternative.clause] = max(best.get(alternative.clause, 0.0), value)
    return len(best), sum(best.values())


def _to_extend(plan: Plan, floors: dict[str, float]) -> list[str]:
    """The lists to read deeper: those of the alternatives that bound their clause (within
    EXTEND_SHARE of its largest), and of those alternatives' words whose floor counts
    (within EXTEND_SHARE of the alternative's largest idf x floor). Reading a common word
    of a phrase deeper would bring mostly items without the phrase; its floor stays a
    bound all the same."""
    values = _values(plan, floors)
    clause_best: dict[int, float] = {}
    for alternative, value in values:
        clause_best[alternative.clause] = max(clause_best.get(alternative.clause, 0.0), value)
    chosen: dict[str, None] = {}
    for alternative, value in values:
        if value < EXTEND_SHARE * clause_best[alternative.clause]:
            continue
        weights = {lexeme: plan.idf[lexeme] * floors[lexeme] for lexeme in alternative.lexemes}
        strongest = max(weights.values())
        chosen.update(
            dict.fromkeys(lexeme for lexeme, w in weights.items() if w >= EXTEND_SHARE * strongest)
        )
    return sorted(chosen)
