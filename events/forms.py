from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.urls import Resolver404, resolve

from events.models import Event, EventNote, Series, SpeakerRole
from events.services import SpeakerData
from practice.forms import PlainTitleMixin, TagListField
from practice.models import WriteUp
from practice.plaintext import MarkdownEditor, OneLineTextarea, PlainTextForm, PlainTextModelForm

MAX_KEY_POINTS = 30
# Meetings that anyone could note or attend; year 9999 is a typo, not an event.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
MAX_LINKS = 20
_LIST_MARKER = re.compile(r"^\s*(?:[•*·–—-]|\d+[.)])\s*")
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
BOOKING_URL_MESSAGE = (
    "Enter a full web address starting with https://, for example "
    "https://www.eventbrite.co.uk/e/123"
)


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; without JavaScript it is still a text box."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=_DATETIME_FORMAT)


def lines_of(text: str) -> list[str]:
    """Non-empty lines with any typed bullet or number removed."""
    return [
        " ".join(_LIST_MARKER.sub("", line).split())
        for line in text.splitlines()
        if _LIST_MARKER.sub("", line).strip()
    ]


class EventForm(PlainTitleMixin, PlainTextModelForm):
    ACTION_DRAFT = "draft"
    ACTION_PUBLISH = "publish"

    series_name = forms.CharField(
        label="Series",
        required=False,
        max_length=200,
        help_text="If this meeting is one of a series, type the series name. An existing "
        "series is reused even if you type it with different capitals.",
    )
    tags = TagListField(
        required=False,
        help_text="Separate tags with commas, for example: leadership, health inequalities.",
    )
    booking_url = forms.URLField(
        label="Booking link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A full web address, for example https://www.eventbrite.co.uk/e/123",
        error_messages={"invalid": BOOKING_URL_MESSAGE},
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "starts_at",
            "ends_at",
            "is_online",
            "venue",
            "address",
            "organiser",
            "description",
            "booking_url",
            "region",
            "tags",
            "series_position",
            "is_cancelled",
        ]
        labels = {
            "starts_at": "Starts",
            "ends_at": "Ends",
            "is_online": "This is an online event",
            "is_cancelled": "This event is cancelled",
        }
        help_texts = {
            "starts_at": "UK time. Leave empty only if nobody recorded when it happened.",
            "ends_at": "UK time, after the start.",
            "venue": "For example: Leeds Civic Hall. Leave empty for online events.",
            "description": "What the event is about and who should come. Markdown works.",
            "is_cancelled": "Cancelled events stay listed, marked as cancelled, and calendars "
            "that subscribed to the feed show them as cancelled.",
        }
        widgets = {
            "starts_at": LocalDateTimeInput(),
            "ends_at": LocalDateTimeInput(),
            "address": forms.Textarea(attrs={"rows": 3}),
            "description": MarkdownEditor(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.series_message = ""
        if self.instance.series_id and not self.is_bound:
            self.fields["series_name"].initial = self.instance.series.name

    def clean_booking_url(self) -> str:
        url = self.cleaned_data["booking_url"]
        if url and urlsplit(url).scheme not in {"http", "https"}:
            raise forms.ValidationError(BOOKING_URL_MESSAGE)
        return url

    def clean_series_name(self) -> str:
        name = " ".join(self.cleaned_data["series_name"].split())
        existing = Series.objects.filter(name__iexact=name).first() if name else None
        if existing and existing.name != name:
            self.series_message = (
                f"Added to the existing series “{existing.name}” (you typed “{name}”)."
            )
            return existing.name
        return name

    def _plausible(self, name: str):
        moment = self.cleaned_data[name]
        if moment and not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise forms.ValidationError(
                f"Enter a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        return moment

    def clean_starts_at(self):
        return self._plausible("starts_at")

    def clean_ends_at(self):
        return self._plausible("ends_at")

    def clean(self) -> dict:
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if ends_at and not starts_at and "starts_at" not in self.errors:
            self.add_error("starts_at", "Enter when the event starts, or leave the end empty.")
        elif starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", "The end must be after the start.")
        if (
            not cleaned.get("is_online")
            and cleaned.get("address")
            and not cleaned.get("venue")
            and "venue" not in self.errors  # refused as typed: that message says enough
        ):
            self.add_error("venue", "Name the venue as well as its address.")
        return cleaned

    def build_event(self) -> Event:
        """The event with the form's changes, not saved yet (services.event_save saves it)."""
        event = super().save(commit=False)
        if "starts_at" in self.changed_data:
            event.time_recorded = True
        return event


class RelatedLinksField(forms.CharField):
    """Links to write-ups and notes on this site, pasted one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value):
        value = super().clean(value)
        writeup_slugs: list[str] = []
        note_slugs: list[str] = []
        for line in lines_of(value or "")[:MAX_LINKS]:
            path = urlsplit(line).path or line
            try:
                match = resolve(path if path.startswith("/") else f"/{path}")
            except Resolver404:
                match = None
            if match and match.view_name == "practice:detail":
                writeup_slugs.append(match.kwargs["slug"])
            elif match and match.view_name == "events:note":
                note_slugs.append(match.kwargs["slug"])
            else:
                raise forms.ValidationError(
                    "“%(link)s” is not a write-up or event note on Wheelhouse. Paste the "
                    "address of its page, for example /practice/weekly-drop-ins/.",
                    params={"link": line[:80]},
                )
        writeups = list(WriteUp.objects.published().filter(slug__in=writeup_slugs))
        notes = list(EventNote.objects.published().filter(slug__in=note_slugs))
        missing = (set(writeup_slugs) - {w.slug for w in writeups}) | (
            set(note_slugs) - {n.slug for n in notes}
        )
        if missing:
            raise forms.ValidationError(
                "No published page at: %(slugs)s. Check the address.",
                params={"slugs": ", ".join(sorted(missing))},
            )
        return {"writeups": writeups, "notes": notes, "text": value}


class EventNoteForm(PlainTitleMixin, PlainTextModelForm):
    ACTION_DRAFT = "draft"
    ACTION_PUBLISH = "publish"

    key_points_text = forms.CharField(
        label="Key points",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One key point per line, most important first. Empty lines are ignored.",
    )
    related_links = RelatedLinksField(
        label="Related write-ups and notes",
        required=False,
        max_length=5_000,
        help_text="Paste the address of each related write-up or event note, one per line.",
    )
    tags = TagListField(
        required=False,
        help_text="Separate tags with commas, for example: leadership, health inequalities.",
    )

    class Meta:
        model = EventNote
        fields = ["title", "summary", "key_points_text", "body", "questions", "tags"]
        labels = {"body": "Notes", "questions": "Questions to explore next"}
        help_texts = {
            "summary": "One or two plain sentences (at most 300 characters): what the "
            "meeting was about and what came out of it.",
            "body": "What was said, in as much detail as helps. Markdown works.",
            "questions": "One question per line.",
        }
        widgets = {
            "summary": OneLineTextarea(attrs={"rows": 3, "maxlength": 300}),
            "body": MarkdownEditor(attrs={"rows": 10}),
            "questions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["title", "summary", "key_points_text", "body", "questions"])
        if self.instance.pk and not self.is_bound:
            self.fields["key_points_text"].initial = "\n".join(
                point.text for point in self.instance.key_points.all()
            )
            self.fields["related_links"].initial = "\n".join(
                [item.get_absolute_url() for item in self.instance.related_writeups.all()]
                + [item.get_absolute_url() for item in self.instance.related_notes.all()]
            )

    def clean_key_points_text(self) -> list[str]:
        points = lines_of(self.cleaned_data["key_points_text"])
        if len(points) > MAX_KEY_POINTS:
            raise forms.ValidationError(
                "Keep to %(max)d key points; put the rest in the notes.",
                params={"max": MAX_KEY_POINTS},
            )
        return points

    def clean_questions(self) -> str:
        return "\n".join(lines_of(self.cleaned_data["questions"]))

    @property
    def related(self) -> dict:
        return self.cleaned_data.get("related_links") or {"writeups": [], "notes": []}


class SpeakerForm(PlainTextForm):
    name = forms.CharField(max_length=200, required=False)
    organisation = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=SpeakerRole.choices, initial=SpeakerRole.SPEAKER)
    custom_role = forms.CharField(
        label="Other role",
        max_length=80,
        required=False,
        help_text="Only if the role is not in the list, for example: co-convenor.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        name = " ".join(cleaned.get("name", "").split())
        cleaned["name"] = name
        custom_role = " ".join(cleaned.get("custom_role", "").split())
        if custom_role and cleaned.get("role") in (None, SpeakerRole.SPEAKER):
            # Typing a role is choosing "another role"; no need to change the list as well.
            cleaned["role"] = SpeakerRole.OTHER
        cleaned["custom_role"] = custom_role if cleaned.get("role") == SpeakerRole.OTHER else ""
        # A name or role refused as typed already says so; "add it" would contradict that.
        refused = set(self.errors)
        if not name and "name" not in refused and (cleaned.get("organisation") or custom_role):
            self.add_error("name", "Add the speaker’s name, or clear this speaker’s details.")
        if (
            name
            and cleaned.get("role") == SpeakerRole.OTHER
            and not custom_role
            and "custom_role" not in refused
        ):
            self.add_error("custom_role", "Type the role, since it is not in the list.")
        return cleaned


class BaseSpeakerFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        # Every row may be left blank; a blank row is simply not a speaker.
        kwargs["empty_permitted"] = True
        kwargs["use_required_attribute"] = False
        return super()._construct_form(i, **kwargs)

    def speakers(self) -> list[SpeakerData]:
        return [
            SpeakerData(
                name=form.cleaned_data["name"],
                organisation=" ".join(form.cleaned_data.get("organisation", "").split()),
                role=form.cleaned_data["role"],
                custom_role=form.cleaned_data["custom_role"],
            )
            for form in self.forms
            if form.cleaned_data.get("name")
        ]


SpeakerFormSet = forms.formset_factory(
    SpeakerForm, formset=BaseSpeakerFormSet, extra=2, max_num=30, validate_max=True
)


def speaker_initial(speakers) -> list[dict]:
    return [
        {
            "name": s.name,
            "organisation": s.organisation,
            "role": s.role,
            "custom_role": s.custom_role,
        }
        for s in speakers
    ]
