"""Search gaps: what people looked for and did not find, for staff (from SearchLog).

Searches are grouped under what was searched for: a misspelling that the correction
answered counts with the word it became, so the list shows real gaps, each with the ways
people typed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from search.models import SearchLog


@dataclass
class SearchGap:
    query: str
    searches: int
    best_result_count: int
    # Other ways the same search was typed (misspellings the correction turned into it).
    typed: list[str] = field(default_factory=list)


def search_gaps(*, days: int = 90, max_results: int = 2, limit: int = 50) -> list[SearchGap]:
    """The most frequent recent searches that found little or nothing."""
    rows = (
        SearchLog.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
        .annotate(searched=Coalesce(NullIf("searched_for", Value("")), "query"))
        .values("searched")
        .annotate(
            searches=Count("id"),
            best=Max("result_count"),
            typed=ArrayAgg("query", distinct=True, order_by="query"),
        )
        .filter(best__lte=max_results)
        .order_by("-searches", "searched")[:limit]
    )
    return [
        SearchGap(
            row["searched"],
            row["searches"],
            row["best"],
            [typed for typed in row["typed"] if typed != row["searched"]],
        )
        for row in rows
    ]
