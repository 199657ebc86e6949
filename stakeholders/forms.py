from __future__ import annotations

import secrets
import time
from datetime import timedelta
from enum import Enum

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

from practice.models import Region
from practice.plaintext import validate_one_line
from stakeholders.consent import current_consent
from stakeholders.models import Role
from stakeholders.services import Choices

MAX_TOPICS = 60
_STARTED_SALT = "stakeholders.form-started"
# Long enough to read the page and fill in the form over a cup of tea; a token older than
# this is refused with a fresh one, and a token is spent by the one submission it serves.
FORM_TOKEN_MAX_AGE = timedelta(hours=2)
# RFC 5321: at most 64 octets before the @, 254 in all.
MAX_LOCAL_PART = 64
MAX_EMAIL = 254


def single_line(value: str) -> str:
    """Refuse line breaks and control characters (how header-injection attempts reach an
    email's headers), and tidy the spacing."""
    validate_one_line(value)
    return " ".join(value.split())


def form_started_token(at: float | None = None) -> str:
    """When the form was shown, signed so a bot cannot backdate it, with a random part that
    one submission spends."""
    started = time.time() if at is None else at
    return signing.dumps({"t": started, "n": secrets.token_hex(16)}, salt=_STARTED_SALT)


class AntiBot(Enum):
    PERSON = "person"
    BOT = "bot"
    EXPIRED = "expired"


def clean_email_address(value: str) -> str:
    """The one rule for an email address typed into any form."""
    try:
        validate_one_line(value)
    except ValidationError as error:
        raise ValidationError("Enter an email address on a single line.") from error
    value = value.strip()
    if len(value) > MAX_EMAIL:
        raise ValidationError(f"An email address has at most {MAX_EMAIL} characters.")
    local, _, domain = value.rpartition("@")
    if len(local.encode()) > MAX_LOCAL_PART:
        raise ValidationError(
            f"The part before the @ can be at most {MAX_LOCAL_PART} characters long: "
            "check the address."
        )
    try:
        forms.EmailField().clean(value)
    except ValidationError as error:
        raise ValidationError("Enter an email address in the form name@example.org.") from error
    return f"{local}@{domain.lower()}"


class EmailAddressField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "Email address")
        super().__init__(
            max_length=MAX_EMAIL,
            error_messages={
                "required": "Enter your email address.",
                "max_length": f"An email address has at most {MAX_EMAIL} characters.",
            },
            widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            **kwargs,
        )

    def clean(self, value):
        return clean_email_address(super().clean(value))


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

    def __init__(self, *args, topic_choices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = topic_choices

    def topic_groups(self) -> list[tuple[str, list]]:
        """The topic checkboxes by group, as (label, checkboxes); one unlabelled group when
        the choices are not grouped."""
        checkboxes = {widget.data["value"]: widget for widget in self["topics"]}
        groups = []
        for label, options in self.fields["topics"].choices:
            if isinstance(options, list | tuple):
                groups.append((label, [checkboxes[value] for value, _ in options]))
            else:
                groups.append(("", [checkboxes[label]]))
        if all(not label for label, _ in groups):
            return [("", [widget for _, [widget] in groups])] if groups else []
        return groups

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
    email = EmailAddressField()
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

    def anti_bot(self) -> tuple[AntiBot, str]:
        """Whether a person sent the form, and the random part of its token to spend.

        A filled honeypot, a forged token or a form sent back within seconds is a bot; a
        token older than FORM_TOKEN_MAX_AGE is a person who left the tab open, who gets the
        form back with a fresh token and everything they typed.
        """
        if self.data.get("website"):
            return AntiBot.BOT, ""
        try:
            value = signing.loads(self.data.get("started", ""), salt=_STARTED_SALT)
            started, nonce = float(value["t"]), str(value["n"])[:32]
        except (signing.BadSignature, TypeError, ValueError, KeyError):
            return AntiBot.BOT, ""
        age = time.time() - started
        if age < settings.STAKEHOLDERS_MIN_FORM_SECONDS:
            return AntiBot.BOT, ""
        if age > FORM_TOKEN_MAX_AGE.total_seconds():
            return AntiBot.EXPIRED, ""
        return AntiBot.PERSON, nonce

    def renew_token(self) -> None:
        self.data = self.data.copy()
        # Already past the too-fast check: the person has read the form once.
        self.data["started"] = form_started_token(
            at=time.time() - settings.STAKEHOLDERS_MIN_FORM_SECONDS
        )
        self.add_error(
            None,
            "This form was open for more than two hours, so we could not accept it. "
            "Check your details and send it again.",
        )


class PreferencesForm(ChoicesFields):
    pass


class LinkRequestForm(forms.Form):
    email = EmailAddressField()
