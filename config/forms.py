"""The sign-in form."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm

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
