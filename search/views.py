from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from search import registry
from search.forms import SearchForm
from search.gaps import search_gaps
from search.parser import MAX_QUERY_LENGTH
from search.queries import search_run
from search.similar import similar_items, similar_text
from search.suggestions import suggestions_for
from search.templatetags.search_tags import facet_href


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    results = search_run(**SearchForm(request.GET).search_arguments())
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
    items = suggestions_for(request.GET.get("q", ""))
    return JsonResponse(
        {"suggestions": [{"label": s.label, "url": s.url, "kind": s.kind} for s in items]}
    )


# `kind:id` of the item being edited. ASCII digits only, and few enough for a bigint:
# str.isdigit() also accepts "²", which int() refuses.
_EXCLUDE = re.compile(r"([^:]+):([0-9]{1,18})")


def _exclude(value: str) -> tuple[str, int] | None:
    """The item being edited, which must not be offered as similar to itself."""
    match = _EXCLUDE.fullmatch(value)
    return (match[1], int(match[2])) if match else None


@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """An HTML fragment: the "Has this been done before?" panel for a draft title and summary."""
    text = similar_text(request.GET.get("title", ""), request.GET.get("summary", ""))
    items = similar_items(text=text, exclude=_exclude(request.GET.get("exclude", "")))
    return render(
        request,
        "includes/similar_work.html",
        {"similar": items, "checked": bool(text.strip())},
    )


# Anonymous visitors are sent to sign in; signed-in people who are not staff are refused.
@login_required
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    if not registry.is_editor(request.user):
        raise PermissionDenied("Only editors can see search gaps.")
    return render(request, "search/gaps.html", {"gaps": search_gaps()})
