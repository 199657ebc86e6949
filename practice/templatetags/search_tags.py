from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()

_PARAM = {"kind": "type", "tag": "tag", "region": "region", "evidence": "evidence", "year": "year"}


@register.simple_tag(takes_context=True)
def facet_url(context, dimension: str, value: str, selected: bool = False) -> str:
    """The current search with one facet value switched on or off, back on page one."""
    params: QueryDict = context["request"].GET.copy()
    params.pop("page", None)
    name = _PARAM[dimension]
    if dimension == "tag":
        tags = [t for t in params.getlist(name) if t != value]
        if not selected:
            tags.append(value)
        params.setlist(name, tags)
    elif selected:
        params.pop(name, None)
    else:
        params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
