"""Forms for people and accounts. Each uses PlainTextMixin (practice/plaintext.py): one-line
fields refuse CR, LF and control characters, every text field has a limit, and a required
field left empty says what to give."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm

from config import roles
from config.tasks import send_password_reset_mail
from practice.plaintext import PlainTextMixin

NAME_MAX = 150  # auth.User.first_name, where the whole name is kept
PASSWORD_MAX = 128  # long enough for any password manager; stops megabyte "passwords"
STRONG_ENOUGH_HINT = (
    "At least 8 characters. Not a common password, not only numbers, and not like your "
    "name, username or email address."
)

ROLE_CHOICES = [
    (roles.CONTRIBUTOR, "Contributor"),
    (roles.EDITOR, "Editor"),
    (roles.ADMINISTRATOR, "Administrator"),
]
ROLE_HINTS = {
    roles.CONTRIBUTOR: "Writes write-ups, events and notes, and submits them for review.",
    roles.EDITOR: "Also reviews, publishes and unpublishes anyone's work.",
    roles.ADMINISTRATOR: "Also invites people, changes roles and uses Django's admin.",
}


class Radios(forms.RadioSelect):
    """Radios whose field "label" is the first option, so the error summary's link lands
    on it (Django's RadioSelect has none)."""

    def id_for_label(self, id_, index="0"):
        return super().id_for_label(id_, index)


class InviteForm(PlainTextMixin, forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=get_user_model()._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, widget=Radios)
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        required=False,
        help_text="They can change it when they accept.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class RoleForm(PlainTextMixin, forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


def _password_fields(first: str, second: str) -> tuple[forms.CharField, forms.CharField]:
    """Django's two new-password fields (SetPasswordForm's names), with plain labels, a
    hint, a limit and messages that say what to do."""

    def field(label: str, help_text: str) -> forms.CharField:
        return forms.CharField(
            label=label,
            max_length=PASSWORD_MAX,
            strip=False,
            help_text=help_text,
            error_messages={"required": f"{label}."},
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        )

    return field(first, STRONG_ENOUGH_HINT), field(second, "")


class AcceptInvitationForm(PlainTextMixin, SetPasswordForm):
    """The invitee's name and password, checked by AUTH_PASSWORD_VALIDATORS against the
    account (the name they give included)."""

    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX,
        help_text="As colleagues will see it beside your work.",
        error_messages={"required": "Enter your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    new_password1, new_password2 = _password_fields("Create a password", "Type it again")
    field_order = ["name", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"name": user.get_full_name()})
        super().__init__(user, *args, **kwargs)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        # So the password validators compare the password with the name being given.
        self.user.first_name, self.user.last_name = name, ""
        return name


class ResetRequestForm(PlainTextMixin, PasswordResetForm):
    """Django's reset request, whose mail the task worker sends.

    `save` replaces Django's loop (one `send_mail` per account) with one task per request,
    enqueued whether or not the address has an account: the request costs the same either
    way, so its timing does not tell, and the reply never does. The task carries the
    account ids, not the address typed or a link: the worker signs the link when it sends.
    """

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def save(self, **kwargs) -> None:
        user_ids = [user.pk for user in self.get_users(self.cleaned_data["email"])]
        send_password_reset_mail.enqueue(user_ids)


class ResetPasswordForm(PlainTextMixin, SetPasswordForm):
    new_password1, new_password2 = _password_fields("Enter a new password", "Type it again")
