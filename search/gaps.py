"""Search gaps: what people looked for and did not find, for staff (from SearchLog)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from search.models import SearchLog


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
