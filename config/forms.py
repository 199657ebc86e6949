"""The sign-in form and the editor's approval."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from practice.plaintext import LengthValidator, PlainTextMixin


class SignInForm(PlainTextMixin, AuthenticationForm):
    """Django's sign-in form, with its username limit enforced before anything is looked up.

    AuthenticationForm sets the username field's max_length after the field is built, which
    draws the attribute but never checks it; a 3,000-character username then reached
    django-axes's failure log (255 characters) and answered 500.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(LengthValidator(username.max_length))


class ApproveForm(PlainTextMixin, forms.Form):
    """An editor's approval: publish now, or at a date and time in the UK (Europe/London),
    stored in UTC."""

    NOW, LATER = "now", "later"
    when = forms.ChoiceField(
        label="When should it go out?",
        choices=[(NOW, "Publish now"), (LATER, "Publish at a date and time")],
        initial=NOW,
        widget=forms.RadioSelect,
    )
    date = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label="Time (UK)", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self):
        data = super().clean()
        if data.get("when") != self.LATER:
            data["publish_at"] = None
            return data
        day, at = data.get("date"), data.get("time")
        if day is None and "date" not in self.errors:
            self.add_error("date", "Enter the date to publish it.")
        if at is None and "time" not in self.errors:
            self.add_error("time", "Enter the time to publish it, for example 09:00.")
        if day is None or at is None:
            return data
        zone = ZoneInfo(settings.TIME_ZONE)
        local = datetime.combine(day, at).replace(tzinfo=zone)
        # A time the clocks skip (or repeat) in spring or autumn does not exist once.
        if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(
            tzinfo=None
        ):
            self.add_error(
                "time",
                "That time does not exist in the UK that day (the clocks change): choose another.",
            )
            return data
        if local <= timezone.now():
            self.add_error("date", "Choose a date and time in the future, or publish now.")
            return data
        data["publish_at"] = local.astimezone(UTC)
        return data


class ReviewByForm(PlainTextMixin, forms.Form):
    """Marking an item reviewed: the next review date, two years on unless chosen."""

    review_by = forms.DateField(
        label="Next review by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_review_by(self):
        day = self.cleaned_data.get("review_by")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError("Choose a next review date after today.")
        return day
