from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.http import QueryDict

register = template.Library()

PARAM = {"kind": "type", "tag": "tag", "region": "region", "evidence": "evidence", "year": "year"}


def facet_href(params: QueryDict, dimension: str, value: str, selected: bool) -> str:
    """The current search with one facet value switched on or off, back on page one."""
    name = PARAM[dimension]
    pairs = [(k, v) for k, values in params.lists() for v in values if k != "page"]
    if dimension == "tag":
        pairs = [(k, v) for k, v in pairs if not (k == name and v == value)]
    else:
        pairs = [(k, v) for k, v in pairs if k != name]
    if not selected:
        pairs.append((name, value))
    return f"?{urlencode(pairs)}" if pairs else "?"


@register.simple_tag(takes_context=True)
def facet_url(context, dimension: str, value: str, selected: bool = False) -> str:
    return facet_href(context["request"].GET, dimension, value, selected)
