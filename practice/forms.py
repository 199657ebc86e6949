from __future__ import annotations

import re

from django import forms
from taggit.forms import TagField

from practice.models import WriteUp
from practice.plaintext import MarkdownEditor, OneLineTextarea, PlainTextModelForm

MAX_TAGS = 12
MAX_TAG_LENGTH = 50
# Letters in any script, digits, spaces and the punctuation real topic names use.
_TAG_PATTERN = re.compile(r"^[\w][\w &'’+\-/.()]*$")


def clean_tag_list(value: list[str]) -> list[str]:
    """Reject tag lists that would make junk topics; the message names the bad tag."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in value:
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise forms.ValidationError(
                "“%(tag)s…” is too long: keep each tag under %(max)d characters.",
                params={"tag": tag[:20], "max": MAX_TAG_LENGTH},
            )
        if not _TAG_PATTERN.match(tag) or not any(ch.isalpha() for ch in tag):
            raise forms.ValidationError(
                "“%(tag)s” is not a usable tag: use words, for example “co-production”.",
                params={"tag": tag[:40]},
            )
        if tag.lower() not in seen:
            seen.add(tag.lower())
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise forms.ValidationError(
            "Use at most %(max)d tags; pick the ones a reader would search for.",
            params={"max": MAX_TAGS},
        )
    return cleaned


class TagListField(TagField):
    default_error_messages = {"invalid": "Separate tags with commas, for example: dementia, carers"}

    def clean(self, value):
        value = super().clean(value)
        return clean_tag_list(value)


class PlainTitleMixin:
    """Titles and summaries are plain text on one line: tidy the spacing, refuse bare symbols.

    A line break in a title is refused (PlainTextMixin, before this runs); a summary's box
    wraps it (OneLineTextarea), so a break typed there becomes a space. Django calls
    `clean_summary` only on forms that have a summary field.
    """

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not any(ch.isalnum() for ch in title):
            raise forms.ValidationError("Enter a title made of words.")
        return title

    def clean_summary(self) -> str:
        return " ".join(self.cleaned_data["summary"].split())


class WriteUpForm(PlainTitleMixin, PlainTextModelForm):
    ACTION_DRAFT = "draft"
    ACTION_PUBLISH = "publish"

    tags = TagListField(
        required=False,
        help_text="Separate tags with commas. Use the words a colleague would search for, "
        "for example: co-production, learning disability, carers.",
    )

    class Meta:
        model = WriteUp
        fields = [
            "title",
            "summary",
            "context",
            "what_we_did",
            "who_for",
            "outcomes",
            "lessons",
            "resources",
            "body",
            "evidence_level",
            "organisation",
            "region",
            "contact",
            "tags",
        ]
        help_texts = {
            "title": "Say what you did, not the name of the project: "
            "“Weekly drop-ins cut missed appointments for carers”.",
            "summary": "One or two plain sentences (at most 300 characters): what you tried, "
            "for whom, and what happened.",
            "context": "What problem were you trying to solve, and where? Who noticed it?",
            "what_we_did": "The steps you took, in enough detail for another team to try them.",
            "who_for": "The people it was for: age group, condition, setting, how many.",
            "outcomes": "What changed, and how you know: numbers, feedback, stories.",
            "lessons": "What you would do differently, and what someone starting "
            "tomorrow should know.",
            "resources": "Roughly what it cost in money, time and people, if you know.",
            "body": "Anything else worth telling: background, quotes, links. Markdown works.",
            "evidence_level": "How far has this been tested? The scale is explained on the "
            "About page.",
            "organisation": "The team or organisation that did the work.",
            "region": "Where the work happened.",
        }
        labels = {"body": "Full story", "evidence_level": "Evidence level"}
        widgets = {
            "summary": OneLineTextarea(attrs={"rows": 3, "maxlength": 300}),
            "context": forms.Textarea(attrs={"rows": 4}),
            "what_we_did": forms.Textarea(attrs={"rows": 5}),
            "who_for": forms.Textarea(attrs={"rows": 3}),
            "outcomes": forms.Textarea(attrs={"rows": 4}),
            "lessons": forms.Textarea(attrs={"rows": 4}),
            "resources": forms.Textarea(attrs={"rows": 3}),
            "body": MarkdownEditor(attrs={"rows": 12}),
        }
