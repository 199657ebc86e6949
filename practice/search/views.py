from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from practice.permissions import staff_required
from practice.search import queries
from practice.search.query import MAX_QUERY_LENGTH
from practice.templatetags.search_tags import facet_href


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 6 else 1


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    raw_query = request.GET.get("q", "")
    results = queries.search_run(
        raw_query=raw_query,
        filters=queries.SearchFilters.from_query(request.GET),
        sort=request.GET.get("sort", "relevance"),
        page=_page_number(request.GET.get("page", "1")),
    )
    for dimension, values in results.facets.items():
        for value in values:
            value.url = facet_href(request.GET, dimension, value.value, value.selected)
    return render(
        request,
        "search/results.html",
        {
            "results": results,
            "header_query": results.query.text,
            "max_query_length": MAX_QUERY_LENGTH,
        },
    )


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    items = queries.suggestions_for(request.GET.get("q", ""))
    return JsonResponse(
        {"suggestions": [{"label": s.label, "url": s.url, "kind": s.kind} for s in items]}
    )


def similar_text(title: str, summary: str) -> str:
    return f"{title[:300]} {summary[:600]}"


def parse_exclude(value: str) -> tuple[str, int] | None:
    kind, _, object_id = value.partition(":")
    return (kind, int(object_id)) if kind and object_id.isdigit() else None


@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """An HTML fragment: the "Has this been done before?" panel for a draft title and summary."""
    text = similar_text(request.GET.get("title", ""), request.GET.get("summary", ""))
    items = queries.similar_items(text=text, exclude=parse_exclude(request.GET.get("exclude", "")))
    return render(
        request,
        "includes/similar_work.html",
        {"similar": items, "checked": bool(text.strip())},
    )


@staff_required
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    return render(request, "search/gaps.html", {"gaps": queries.search_gaps()})
