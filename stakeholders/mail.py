"""Emails come in threes: `<name>.subject.txt`, `<name>.txt` and `<name>.html` under
templates/emails/, the HTML extending emails/base.html."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def email_send(*, template: str, to: str, context: dict, headers: dict | None = None) -> None:
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()
