"""Emails come in threes: `<name>.subject.txt`, `<name>.txt` and `<name>.html` under
templates/emails/, the HTML extending emails/base.html."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template (autoescape off) rendered to a plain str.

    `render_to_string` marks whatever it returns as safe HTML. Plain text is never markup:
    dropping the mark here means any page that shows the text (the staff digest preview)
    escapes it, instead of running a subscriber's name as script."""
    return str.__str__(render_to_string(template_name, context))


def email_send(*, template: str, to: str, context: dict, headers: dict | None = None) -> None:
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_text(f"emails/{template}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_text(f"emails/{template}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()
