"""What a search asks for and what it finds: filters, hits, facet values, a page of results.

The limits live here because the types show them ("1,000+"): other modules read them as
`results.COUNT_CAP`, so that a test can lower them in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from search import registry
from search.parser import ParsedQuery
from search.snippets import snippet

PAGE_SIZE = 20
# Counting tens of thousands of matches costs as much as ranking them; nobody needs the
# exact figure past this, so counts (and facet counts) stop here and show "1,000+".
COUNT_CAP = 1000
MAX_PAGE = COUNT_CAP // PAGE_SIZE
MAX_TAG_FILTERS = 5
SORTS = ("relevance", "newest")


@dataclass(frozen=True)
class SearchFilters:
    """Checked values only (see forms.SearchForm): known kinds, regions and levels, years,
    and tag slugs of letters, digits and hyphens."""

    kind: str = ""
    tags: tuple[str, ...] = ()
    region: str = ""
    evidence: int | None = None
    year: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.active_count)

    @property
    def active_count(self) -> int:
        """How many filters are on (each tag counts), for "Filter results (2 active)"."""
        on = (self.kind, self.region, self.evidence is not None, self.year)
        return len(self.tags) + sum(map(bool, on))


@dataclass
class Hit:
    kind: str
    url: str
    title: str
    summary: str
    # None when the item's date is not known (an imported text that gives none).
    date: datetime | None
    organisation: str
    region: str
    evidence_level: int | None
    # (url, name) of each tag.
    tag_links: list[tuple[str, str]]
    snippet: SafeString | str = ""

    @property
    def kind_label(self) -> str:
        return registry.kind_label(self.kind)

    # The card's two dates, formatted here: the template |date filter costs five times more,
    # which is a millisecond a results page.
    @cached_property
    def _local_date(self) -> datetime | None:
        return timezone.localtime(self.date) if self.date else None

    @property
    def date_iso(self) -> str:
        return self._local_date.isoformat() if self._local_date else ""

    @property
    def date_label(self) -> str:
        """As the |date:"j F Y" filter writes it: 4 March 2025; "" when the date is unknown."""
        date = self._local_date
        return f"{date.day} {MONTHS[date.month]} {date.year}" if date else ""

    @property
    def region_label(self) -> str:
        return registry.labels("region").get(self.region, "")

    @property
    def evidence_label(self) -> str:
        return registry.labels("evidence").get(str(self.evidence_level), "")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    capped: bool
    selected: bool
    url: str = ""
    source_is_main: bool = False
    # Past COUNT_CAP matches: the count scaled from the sample to the estimated total.
    estimate: int | None = None

    @property
    def count_display(self) -> str:
        if self.estimate is not None:
            return f"about {about(self.estimate):,}"
        # A sample of COUNT_CAP + 1 can put them all under one value: at least that many.
        return f"{min(self.count, COUNT_CAP):,}+" if self.capped else f"{self.count:,}"


def one_per_family(
    items: list[T], family: Callable[[T], str], is_head: Callable[[T], bool]
) -> list[T]:
    """Each family (an event and its notes: see SearchDocument.family) once, at its best
    place, shown by a member (a note, which says more) rather than by its head."""
    shown: list[T] = []
    place: dict[str, int] = {}
    for item in items:
        name = family(item)
        if not name:
            shown.append(item)
        elif name not in place:
            place[name] = len(shown)
            shown.append(item)
        elif is_head(shown[place[name]]) and not is_head(item):
            shown[place[name]] = item
    return shown


def about(number: int) -> int:
    """Two significant figures: an estimate should not look exact."""
    if number < 100:
        return number
    magnitude = 10 ** (len(str(number)) - 2)
    return round(number / magnitude) * magnitude


@dataclass
class SearchResults:
    query: ParsedQuery
    filters: SearchFilters
    sort: str
    page: int
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    duration_ms: int = 0
    # Past COUNT_CAP, `total` is estimated from how far the sample read (facets.py).
    estimated: bool = False
    # No item has every word: these are the items with most of them.
    most_words: bool = False
    # The query as typed found little and a spelling correction was searched for instead.
    corrected_from: str | None = None

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total and self.page < MAX_PAGE

    @property
    def total_display(self) -> str:
        return f"about {about(self.total):,}" if self.estimated else f"{self.total:,}"


T = TypeVar("T")

# Whether an entry (`e`) heads its family: the event of an event's notes.
FAMILY_HEAD_SQL = "e.family = e.kind || ':' || e.object_id"

# What every read of hits selects, in the order hits_from_rows expects, followed by the text
# to cut a snippet from (NULL: show the summary).
HIT_COLUMNS = (
    # The date only when it is known (an entry with a year): see SearchDocument.date_known.
    "e.kind, e.url, e.title, e.summary, CASE WHEN e.year IS NULL THEN NULL ELSE e.date END, "
    "e.organisation, e.region, "
    "e.evidence_level, e.tags, e.tag_names"
)


def hits_from_rows(rows, stems: list[str] | None = None) -> list[Hit]:
    """Hits from rows of HIT_COLUMNS and a text, marking words with the given lexemes."""
    # Tag pages' URLs differ only in the slug: one reverse() per page, not one per tag.
    tag_prefix = reverse("tag", args=["slug"]).removesuffix("slug/")
    return [
        Hit(
            kind=row[0],
            url=row[1],
            title=row[2],
            summary=row[3],
            date=row[4],
            organisation=row[5],
            region=row[6],
            evidence_level=row[7],
            tag_links=[
                (f"{tag_prefix}{quote(slug)}/", name)
                for slug, name in zip(row[8], row[9], strict=False)
            ],
            snippet=snippet(row[10], stems or ()) if row[10] is not None else row[3],
        )
        for row in rows
    ]
