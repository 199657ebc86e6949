"""Rules for the plain text people type, shared by every form in every app.

Two rules, applied by `PlainTextMixin` to every field of a form, so a field added later is
covered without anyone remembering to list it:

- **One line.** A one-line field (a name, title, organisation, venue, tag list: anything
  drawn as a one-line input, or stored in a model CharField however it is drawn) never keeps
  CR, LF or any other control character. Such values end up in email headers, calendar
  lines and the admin's lists, where a line break starts a new header or property.
- **A limit.** Every text field has a maximum length (the model field's `max_length`; see
  the table in README, "How content stays safe"), refused with one message that says by how
  much, so nothing is lost and nothing too big reaches the database or the search index.

Why a form mixin rather than `validators=[validate_one_line]` on each model CharField: the
mixin reads each form's fields as they are built, so it covers the model forms, the admin's
change forms and inlines (their `form` is `PlainTextModelForm`) and plain forms such as the
speaker rows alike, and a field added to any of them later is covered without a line of code
or a migration. A model validator would have to be listed by hand on every field, would miss
the fields that are not model fields (series name, speaker rows), and would run only after
the forms had tidied line breaks into spaces. What the mixin needs is that every form and
every admin uses it: tests/events/test_one_line.py checks each form of practice and events
and each admin of their models (and of tags) field by field. Neither way stops code that
saves through the ORM, which is why what writes text out (calendars, the search index) makes
its own output safe as well.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from markdownx.widgets import AdminMarkdownxWidget, MarkdownxWidget

ONE_LINE_MESSAGE = "Use a single line of text, without line breaks."
LENGTH_MESSAGE = "Keep this to at most %(limit)s characters (it has %(count)s)."
# Line breaks of every kind, and the other control characters (C0, DEL, C1).
_BREAKS_AND_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_one_line(value: str) -> None:
    """One-line fields (names, titles, organisations) never keep CR, LF or any other control
    character: they end up in email headers and calendar lines, where a line break starts a
    new header."""
    if _BREAKS_AND_CONTROLS.search(value):
        raise ValidationError(ONE_LINE_MESSAGE, code="one_line")


def as_one_line(value: str) -> str:
    """`value` as one line of printable text, for output where a line break or a control
    character would do harm (calendar properties): every run of whitespace, line breaks
    included, becomes one space and the other control characters go."""
    return " ".join(_BREAKS_AND_CONTROLS.sub(_space_or_nothing, value).split())


def _space_or_nothing(match: re.Match) -> str:
    return " " if match.group(0).isspace() else ""


class LengthValidator(MaxLengthValidator):
    """Django's max_length check with the one message every text field shows."""

    message = LENGTH_MESSAGE

    def __call__(self, value) -> None:
        count = self.clean(value)
        if self.compare(count, self.limit_value):
            raise ValidationError(
                self.message,
                code=self.code,
                params={"limit": f"{self.limit_value:,}", "count": f"{count:,}", "value": value},
            )


class MarkdownEditor(MarkdownxWidget):
    """django-markdownx's editor without its keyboard trap: Tab and Shift+Tab move focus
    (indent with Ctrl+] and Ctrl+[), as static/js/markdown-keyboard.js explains."""

    class Media:
        js = ["js/markdown-keyboard.js"]


class AdminMarkdownEditor(AdminMarkdownxWidget):
    """The admin's editor, with the same keyboard handling as MarkdownEditor."""

    class Media:
        js = ["js/markdown-keyboard.js"]


class OneLineTextarea(forms.Textarea):
    """A box that wraps one line of text (a summary) over several rows on screen.

    A line break typed or pasted in it is only wrapping, so it becomes a space (and runs of
    spaces one space) rather than an error; the one-line rule then always holds.
    """

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return " ".join(value.split()) if isinstance(value, str) else value


def is_one_line(field: forms.Field, model_field: models.Field | None = None) -> bool:
    """Whether a form field holds one line: always for a model CharField, however it is
    drawn (a summary in a wrapping box), otherwise unless it is drawn as a textarea."""
    if not isinstance(field, forms.CharField):
        return False
    if isinstance(model_field, models.CharField):
        return True
    return isinstance(field.widget, OneLineTextarea) or not isinstance(field.widget, forms.Textarea)


def apply_text_rules(field: forms.Field, *, one_line: bool) -> None:
    """Give `field` (one form's own copy) the one-line rule and the shared length message."""
    if not isinstance(field, forms.CharField):
        return
    field.validators = [
        LengthValidator(v.limit_value) if type(v) is MaxLengthValidator else v
        for v in field.validators
    ]
    if one_line and validate_one_line not in field.validators:
        field.validators.insert(0, validate_one_line)
    if not one_line and isinstance(field.widget, forms.Textarea):
        # A browser cuts a pasted text at `maxlength` without a word; the server's message
        # says by how much it is over and the whole text stays in the box to be shortened.
        field.widget.attrs.pop("maxlength", None)


class PlainTextMixin:
    """The one-line rule and the length message on every field of the form (see above)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model = getattr(getattr(self, "_meta", None), "model", None)
        for name, field in self.fields.items():
            model_field = _model_field(model, name)
            apply_text_rules(field, one_line=is_one_line(field, model_field))
            _name_the_empty_choice(field)
            _say_what_is_missing(field, name)


def _say_what_is_missing(field: forms.Field, name: str) -> None:
    """A required field left empty says what to give ("Enter a title", "Choose an
    evidence level"), not Django's "This field is required."."""
    if not field.required or field.error_messages.get("required") != _DJANGO_REQUIRED:
        return
    label = str(field.label or name.replace("_", " ")).strip().rstrip(":")
    label = label[0].lower() + label[1:] if label[1:2].islower() else label
    article = "an" if label[:1].lower() in "aeiou" else "a"
    verb = "Choose" if isinstance(field, forms.ChoiceField) else "Enter"
    field.error_messages = {**field.error_messages, "required": f"{verb} {article} {label}."}


_DJANGO_REQUIRED = forms.Field.default_error_messages["required"]


def _name_the_empty_choice(field: forms.Field) -> None:
    """An optional select says "Not given" rather than Django's "---------"."""
    if not isinstance(field, forms.ChoiceField) or field.required:
        return
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = "Not given"
        return
    choices = list(field.choices)
    if choices and choices[0][0] in ("", None) and str(choices[0][1]).strip("-") == "":
        field.choices = [("", "Not given"), *choices[1:]]


def _model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field
        return None


class PlainTextForm(PlainTextMixin, forms.Form):
    pass


class PlainTextModelForm(PlainTextMixin, forms.ModelForm):
    """The base of every model form, the admin's included (`ModelAdmin.form`)."""
