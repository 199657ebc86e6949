from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core import signing

from practice.models import Region
from stakeholders.consent import current_consent
from stakeholders.models import Role
from stakeholders.services import Choices

MAX_TOPICS = 60
_STARTED_SALT = "stakeholders.form-started"


def single_line(value: str) -> str:
    """Reject line breaks and other control characters: they have no place in a name and
    are how header-injection attempts reach an email's headers."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise forms.ValidationError("Use a single line of text, without line breaks.")
    return " ".join(value.split())


def form_started_token(at: float | None = None) -> str:
    """When the form was shown, signed so a bot cannot backdate it."""
    return signing.dumps(time.time() if at is None else at, salt=_STARTED_SALT)


class ChoicesFields(forms.Form):
    """The fields a subscriber can change later on the preferences page."""

    name = forms.CharField(
        max_length=100,
        required=False,
        error_messages={"max_length": "Keep your name under 100 characters."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = forms.CharField(
        max_length=200,
        required=False,
        error_messages={"max_length": "Keep the organisation under 200 characters."},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    role = forms.ChoiceField(
        choices=[("", "Choose your role"), *Role.choices],
        error_messages={
            "required": "Choose the role closest to yours, or “Other”.",
            "invalid_choice": "Choose a role from the list.",
        },
    )
    all_topics = forms.BooleanField(
        required=False, label="Everything: send me every new item, whatever the topic"
    )
    topics = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "“%(value)s” is not one of our topics: choose from the list."
        },
    )
    region = forms.ChoiceField(
        required=False,
        label="Region to favour",
        help_text="Items from this region come first in your digest.",
        choices=[("", "No preference"), *Region.choices],
        error_messages={"invalid_choice": "Choose a region from the list."},
    )

    def __init__(self, *args, topic_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = topic_choices

    def clean_name(self) -> str:
        return single_line(self.cleaned_data["name"])

    def clean_organisation(self) -> str:
        return single_line(self.cleaned_data["organisation"])

    def clean(self) -> dict:
        cleaned = super().clean()
        topics = cleaned.get("topics") or []
        if "topics" in cleaned and not cleaned.get("all_topics") and not topics:
            self.add_error("topics", "Choose at least one topic, or “Everything”.")
        if len(topics) > MAX_TOPICS:
            self.add_error("topics", f"Choose at most {MAX_TOPICS} topics, or “Everything”.")
        return cleaned

    def choices(self) -> Choices:
        data = self.cleaned_data
        return Choices(
            name=data["name"],
            organisation=data["organisation"],
            role=data["role"],
            all_topics=data["all_topics"],
            topics=list(data["topics"]),
            region=data["region"],
        )


class SignupForm(ChoicesFields):
    email = forms.CharField(
        max_length=254,
        label="Email address",
        error_messages={
            "required": "Enter your email address.",
            "max_length": "An email address has at most 254 characters.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        label="I agree",
        error_messages={"required": "Tick “I agree” so we can send you the digest."},
    )
    # Spam defences: people never see the honeypot, and take more than a moment to fill in
    # the form. Either trips a quiet rejection that looks like success.
    website = forms.CharField(required=False, label="Leave this empty")
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["email", "name", "organisation", "role", "all_topics", "topics", "region"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = form_started_token()
        self.consent_version, self.consent_wording = current_consent()

    def clean_email(self) -> str:
        value = self.cleaned_data["email"]
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise forms.ValidationError("Enter an email address on a single line.")
        value = value.strip()
        try:
            forms.EmailField().clean(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                "Enter an email address in the form name@example.org."
            ) from error
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"

    def looks_automated(self) -> bool:
        if self.data.get("website"):
            return True
        try:
            started = float(
                signing.loads(self.data.get("started", ""), salt=_STARTED_SALT, max_age=86400)
            )
        except (signing.BadSignature, TypeError, ValueError):
            return True
        return time.time() - started < settings.STAKEHOLDERS_MIN_FORM_SECONDS


class PreferencesForm(ChoicesFields):
    pass


class LinkRequestForm(forms.Form):
    email = forms.CharField(
        max_length=254,
        label="Email address",
        error_messages={
            "required": "Enter your email address.",
            "max_length": "An email address has at most 254 characters.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    clean_email = SignupForm.clean_email
