from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager

from practice.markdown import render_markdown
from practice.publishing import Publishable, PublishableQuerySet, slug_url, unique_slug


class Region(models.TextChoices):
    """UK nations and the English regions, plus work that spans the country."""

    NORTH_EAST = "north-east", "North East England"
    NORTH_WEST = "north-west", "North West England"
    YORKSHIRE = "yorkshire-humber", "Yorkshire and the Humber"
    EAST_MIDLANDS = "east-midlands", "East Midlands"
    WEST_MIDLANDS = "west-midlands", "West Midlands"
    EAST = "east-of-england", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south-east", "South East England"
    SOUTH_WEST = "south-west", "South West England"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"
    UK_WIDE = "uk-wide", "UK-wide"


class EvidenceLevel(models.IntegerChoices):
    """How far a practice has been tested; explained to readers on the about page.

    NOT_ASSESSED is what imported write-ups start as: nobody has judged them yet."""

    NOT_ASSESSED = 0, "Not assessed"
    IDEA = 1, "An idea"
    TRIED_ONCE = 2, "Tried once"
    TRIED_REPEATEDLY = 3, "Tried repeatedly"
    EVALUATED = 4, "Evaluated"
    INDEPENDENTLY_EVALUATED = 5, "Independently evaluated"


EVIDENCE_LEVEL_DESCRIPTIONS = {
    EvidenceLevel.NOT_ASSESSED: "Nobody at Wheelhouse has assessed the evidence yet, for "
    "example because the write-up was imported from another site.",
    EvidenceLevel.IDEA: "A proposal or early thinking that has not been put into practice yet.",
    EvidenceLevel.TRIED_ONCE: "Put into practice once, in one place, with observations "
    "from the people involved.",
    EvidenceLevel.TRIED_REPEATEDLY: "Used more than once or in more than one place, "
    "with consistent results reported by the team.",
    EvidenceLevel.EVALUATED: "The team measured outcomes against what they set out to "
    "achieve, for example before-and-after data or structured feedback.",
    EvidenceLevel.INDEPENDENTLY_EVALUATED: "Outcomes were assessed by people outside the "
    "team, such as a university, an evaluation partner or a regulator.",
}


class WriteUpQuerySet(PublishableQuerySet):
    def for_listing(self) -> WriteUpQuerySet:
        return self.defer(*LISTING_DEFERRED).with_tags()


SECTIONS = [
    ("context", "The problem or context"),
    ("what_we_did", "What was done"),
    ("who_for", "Who it was for"),
    ("outcomes", "Outcomes and evidence"),
    ("lessons", "Lessons and advice for others"),
    ("resources", "Cost and resources"),
]

# What a card never shows: the long text, read only on the write-up's own page.
LISTING_DEFERRED = (
    "body",
    "body_html",
    *(name for name, _ in SECTIONS),
    "sections_html",
    "review_note",
)


class WriteUp(Publishable):
    """A practice write-up: what someone tried, for whom, what happened and what they learned."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(
        max_length=300,
        help_text="Plain text, at most 300 characters. Shown in lists and search results.",
    )
    # Text limits (README, "How content stays safe") are enforced by the forms and the admin;
    # the largest demo body is 5,516 characters. Rendered HTML has no limit of its own: it is
    # derived from limited text, never typed.
    body = MarkdownxField(blank=True, max_length=50_000)
    body_html = models.TextField(blank=True, editable=False)

    context = models.TextField("the problem or context", blank=True, max_length=10_000)
    what_we_did = models.TextField("what was done", blank=True, max_length=10_000)
    who_for = models.TextField("who it was for", blank=True, max_length=10_000)
    outcomes = models.TextField("outcomes and evidence", blank=True, max_length=10_000)
    lessons = models.TextField("lessons and advice for others", blank=True, max_length=10_000)
    resources = models.TextField("cost and resources", blank=True, max_length=10_000)
    sections_html = models.JSONField(default=dict, blank=True, editable=False)

    evidence_level = models.PositiveSmallIntegerField(
        choices=EvidenceLevel.choices, default=EvidenceLevel.TRIED_ONCE
    )
    organisation = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=32, choices=Region.choices, blank=True)
    contact = models.CharField(
        "contact route",
        max_length=254,
        blank=True,
        help_text="Optional: an email address, web page or team name readers can contact.",
    )
    tags = TaggableManager(blank=True)

    # When the text says it was written. Imported items have no publication date of their
    # own (published_at is the day of the import), so only a date the text states goes here.
    written_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the text says it was written, if it says so. Leave empty otherwise.",
    )
    is_excerpt = models.BooleanField(
        "opening of a longer post",
        default=False,
        help_text="On when only the opening of a longer post was imported.",
    )

    review_note = models.TextField(
        blank=True,
        max_length=5_000,
        help_text="For staff only: why this item was held or what the import changed.",
    )

    objects = WriteUpQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(evidence_level__gte=0) & Q(evidence_level__lte=5),
                name="writeup_evidence_level_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(WriteUp, self.title, exclude_pk=self.pk)
        self.body_html = render_markdown(self.body)
        self.sections_html = {
            key: render_markdown(getattr(self, key)) for key, _ in SECTIONS if getattr(self, key)
        }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return slug_url("practice:detail", self.slug)

    @property
    def shown_date(self) -> date | None:
        """The date to show readers: the day the text says it was written; for an item
        written here, the day it was published; None when neither is known (an imported
        item whose text gives no date: its published_at is only the day of the import)."""
        if self.written_on:
            return self.written_on
        if self.source_key or self.published_at is None:
            return None
        return timezone.localdate(self.published_at)

    @property
    def is_assessed(self) -> bool:
        return self.evidence_level != EvidenceLevel.NOT_ASSESSED

    @property
    def evidence_description(self) -> str:
        return EVIDENCE_LEVEL_DESCRIPTIONS[EvidenceLevel(self.evidence_level)]

    def sections(self) -> list[tuple[str, str]]:
        """The filled-in structured sections as (heading, html), in reading order."""
        return [
            (heading, self.sections_html[key])
            for key, heading in SECTIONS
            if self.sections_html.get(key)
        ]


class Comment(models.Model):
    """A reader comment. Imported ones are kept aside (not shown) for a comments feature."""

    writeup = models.ForeignKey(WriteUp, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=10_000)
    is_public = models.BooleanField(default=False)
    source_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on {self.writeup}"


class Transition(models.Model):
    """One change of an item's status (practice/workflow.py): who, when, from, to, why."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    comment = models.TextField(blank=True, max_length=2_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="transition_item")]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class ReviewCriterion(models.Model):
    """One point of the editors' review checklist, shown beside every submission on
    /review/; kept as data so administrators can change it (Django admin)."""

    text = models.CharField(max_length=200)
    hint = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "review criterion"
        verbose_name_plural = "review checklist"

    def __str__(self) -> str:
        return self.text
