"""Write-ups in search: how each becomes a search entry, and the names of the regions and
evidence levels that search filters by. Found by SearchConfig.ready() (see search/registry.py).
"""

from __future__ import annotations

from practice.models import EvidenceLevel, Region, WriteUp
from practice.publishing import Status
from search.registry import SearchDocument, register, register_labels
from search.text import html_to_text


def writeup_document(writeup: WriteUp) -> SearchDocument | None:
    if writeup.status != Status.PUBLISHED or writeup.published_at is None:
        return None
    return SearchDocument.of(
        writeup,
        summary=writeup.summary,
        # Sorted by publication; dated (year facet, results) only by a date readers are shown.
        date=writeup.published_at,
        date_known=writeup.shown_date is not None,
        organisation=writeup.organisation,
        region=writeup.region,
        # "Not assessed" is no level: it is neither a filter value nor shown in results.
        evidence_level=writeup.evidence_level if writeup.is_assessed else None,
        sections=[html_to_text(html) for html in writeup.sections_html.values()],
        body=html_to_text(writeup.body_html),
    )


register(
    WriteUp,
    kind="writeup",
    label="Write-up",
    document=writeup_document,
    published=lambda: WriteUp.objects.published().prefetch_related("tags"),
)
# Events have regions too; both use practice's list.
register_labels("region", Region.choices)
register_labels("evidence", [(level, label) for level, label in EvidenceLevel.choices if level > 0])
