"""The search page's GET parameters, parsed and checked by a form (as djangoproject.com's docs
search does).

Unknown or malformed values are ignored, each falling back to its default, never an error
page: search links get shared, cut short and edited by hand.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from search import registry, results
from search.results import SearchFilters

_TAG_SLUG = re.compile(r"[-\w]+")
# Pages past MAX_PAGE show the last one; a number this long is nonsense and shows the first.
_MAX_PAGE_PARAM = 99_999


class QueryField(forms.Field):
    """The typed text as it came: the parser cleans it (control characters, length) and says
    when it had to cut it. A CharField would refuse the whole text for one NUL."""

    def to_python(self, value: Any) -> str:
        return value if isinstance(value, str) else ""


class TagsField(forms.Field):
    """Repeated `tag` parameters: the valid slugs, once each, at most MAX_TAG_FILTERS."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):  # one value, from a plain dict rather than a QueryDict
            value = [value]
        tags: list[str] = []
        for tag in value or ():
            tag = str(tag).strip()[:120]
            if tag and _TAG_SLUG.fullmatch(tag) and tag not in tags:
                tags.append(tag)
        return tuple(tags[: results.MAX_TAG_FILTERS])


class LabelledChoiceField(forms.TypedChoiceField):
    """One of the values registered for a filter dimension ("region", "evidence"), by
    `register_labels`: the one field that every page filtering by it uses."""

    def __init__(self, dimension: str, *, coerce=str, **kwargs) -> None:
        # Read when the form is used: the registry is filled once the apps are ready.
        super().__init__(
            choices=lambda: [("", "Any"), *registry.labels(dimension).items()],
            coerce=coerce,
            empty_value=None if coerce is int else "",
            required=False,
            **kwargs,
        )


class RegionField(LabelledChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__("region", **kwargs)


class EvidenceField(LabelledChoiceField):
    def __init__(self, **kwargs) -> None:
        # Checked against the choices as text first: "²".isdigit() is true, int() refuses it.
        super().__init__("evidence", coerce=int, **kwargs)


class FilterForm(forms.Form):
    """Filters from a query string: a value that fails its field's checks takes the
    default, never an error page."""

    def value(self, name: str, default: Any) -> Any:
        # Fields that failed validation are missing from cleaned_data: they take the default.
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class SearchForm(FilterForm):
    q = QueryField(required=False)
    type = forms.ChoiceField(required=False)
    tag = TagsField(required=False)
    region = RegionField()
    evidence = EvidenceField()
    year = forms.IntegerField(required=False, min_value=1901, max_value=2999)
    sort = forms.ChoiceField(required=False, choices=[(sort, sort) for sort in results.SORTS])
    page = forms.IntegerField(required=False, min_value=1, max_value=_MAX_PAGE_PARAM)
    # "Search instead for" what was typed: no automatic spelling correction.
    typed = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Any"), *registry.kind_choices()]

    def filters(self) -> SearchFilters:
        return SearchFilters(
            kind=self.value("type", ""),
            tags=self.value("tag", ()),
            region=self.value("region", ""),
            evidence=self.value("evidence", None),
            year=self.value("year", None),
        )

    def search_arguments(self) -> dict[str, Any]:
        """Keyword arguments for queries.search_run."""
        return {
            "raw_query": self.value("q", ""),
            "filters": self.filters(),
            "sort": self.value("sort", "relevance"),
            "page": self.value("page", 1),
            "correct": not self.value("typed", False),
        }
