"""How each searchable model becomes a search entry. Imported once by PracticeConfig.ready()."""

from __future__ import annotations

from practice.models import WriteUp
from practice.publishing import Status
from practice.search.registry import SearchDocument, register
from practice.search.text import html_to_text


def writeup_document(writeup: WriteUp) -> SearchDocument | None:
    if writeup.status != Status.PUBLISHED or writeup.published_at is None:
        return None
    return SearchDocument(
        title=writeup.title,
        summary=writeup.summary,
        url=writeup.get_absolute_url(),
        date=writeup.published_at,
        organisation=writeup.organisation,
        region=writeup.region,
        evidence_level=writeup.evidence_level,
        tags=[(tag.slug, tag.name) for tag in writeup.tags.all()],
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
