"""Reads that assemble practice pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from taggit.models import Tag

from config import roles
from config.pagecache import remember
from practice.models import WriteUp
from practice.publishing import tags_on_published
from search.forms import EvidenceField, FilterForm, RegionField

PAGE_SIZE = 20


class _WriteUpFilterForm(FilterForm):
    region = RegionField()
    evidence = EvidenceField()


@dataclass(frozen=True)
class WriteUpFilters:
    """The list page's filters, parsed from the query string; unknown values are ignored."""

    tag: str = ""
    region: str = ""
    evidence: int | None = None
    q: str = ""

    @classmethod
    def from_query(cls, params) -> WriteUpFilters:
        form = _WriteUpFilterForm(params)
        return cls(
            tag=params.get("tag", "")[:100],
            region=form.value("region", ""),
            evidence=form.value("evidence", None),
            q=" ".join(params.get("q", "").replace("\x00", "").split())[:200],
        )

    @property
    def active(self) -> bool:
        return bool(self.active_count)

    @property
    def active_count(self) -> int:
        # Evidence 0 ("Not assessed") is a filter like any other.
        return sum(map(bool, (self.tag, self.region, self.q))) + (self.evidence is not None)

    def apply(self, writeups):
        if self.tag:
            writeups = writeups.filter(tags__slug=self.tag)
        if self.region:
            writeups = writeups.filter(region=self.region)
        if self.evidence is not None:
            writeups = writeups.filter(evidence_level=self.evidence)
        if self.q:
            writeups = writeups.filter(title__icontains=self.q)
        return writeups


def shown_tag(slug: str, user, models_: tuple = (WriteUp,)) -> str:
    """What a list filtered by the tag `slug` calls it: the tag's name for editors, or when
    a published item of these models uses it; otherwise the slug itself. A visitor who
    types the slug of a tag only drafts use sees their own words back, not its stored
    name. "" with no tag filter."""
    if not slug:
        return ""
    tags = Tag.objects.filter(slug=slug)
    if not roles.is_editor(user):
        tags = tags.filter(tags_on_published(models_))
    return tags.values_list("name", flat=True).first() or slug


def writeup_page(user, filters: WriteUpFilters, page_number) -> Page:
    # No .distinct() (the paginator would count DISTINCT over every column, the body
    # included): the one join a filter makes, a tag by its unique slug, matches at most one
    # row per write-up.
    writeups = filters.apply(WriteUp.objects.visible_to(user)).for_listing()
    if not (filters.q or roles.can_write(user)):
        # What everyone who is not staff sees: one statement for them all, per filter.
        writeups = writeups.compiled("list", filters)
    return Paginator(writeups, PAGE_SIZE).get_page(page_number)


def popular_tags(*, limit: int = 20) -> list[Tag]:
    """Tags used by the most published write-ups, with their counts; kept until content
    changes (config/pagecache.remember)."""
    return remember(f"popular-tags-{limit}", lambda: list(_popular_tags(limit)))


def _popular_tags(limit: int):
    return (
        Tag.objects.annotate(
            uses=Count(
                "taggit_taggeditem_items",
                filter=Q(
                    taggit_taggeditem_items__content_type__model="writeup",
                    taggit_taggeditem_items__object_id__in=WriteUp.objects.published().values("pk"),
                ),
            )
        )
        .filter(uses__gt=0)
        .order_by("-uses", "name")[:limit]
    )
