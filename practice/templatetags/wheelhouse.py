from __future__ import annotations

from django import template
from django.conf import settings
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str = "") -> str:
    """`path` (or the current page's path) as an absolute URL on the public site."""
    if not path:
        request = context.get("request")
        path = request.path if request else "/"
    return f"{settings.SITE_URL}{path}"


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The current page without tracking or filter noise; keeps only the page number."""
    request = context["request"]
    page = request.GET.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""
    return f"{settings.SITE_URL}{request.path}{suffix}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
