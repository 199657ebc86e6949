"""Emails come in threes: `<name>.subject.txt`, `<name>.txt` and `<name>.html` under
templates/emails/, the HTML extending emails/base.html.

Nothing here is called inside a web request: views enqueue `stakeholders.tasks` tasks,
which call these functions in the task worker, so a slow or broken relay never slows or
breaks a page, and a reply never shows whether an address is known.
"""

from __future__ import annotations

import smtplib
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from config import roles
from practice.models import Transition
from practice.publishing import Status
from stakeholders.links import confirm_link, manage_links, recipient
from stakeholders.models import Subscriber, SubscriberStatus


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


def recipient_refused(error: BaseException) -> bool:
    """Whether the relay permanently refused this recipient (a 5xx reply to RCPT TO).

    Only that counts against an address. A refused connection, a timeout, a dropped
    connection, a 4xx reply or a refused sender is the relay's problem, not the address's:
    the mail waits and is tried again, and nobody is marked undeliverable for it.
    """
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(500 <= code < 600 for code, _reply in error.recipients.values())


class LinkReason(StrEnum):
    SIGNUP = "signup"  # someone signed the address up
    LINK = "link"  # someone asked for a fresh preferences link


def subscription_mail_send(*, subscriber_id: int | None, reason: LinkReason) -> str:
    """Send whatever mail a sign-up or a link request for this subscriber calls for, decided
    now rather than when it was asked for. Returns the template sent, or "" for none.

    A new or pending address gets its confirmation link; a confirmed address that someone
    signs up again gets a note with its preferences link (whoever typed it may not own it);
    a known address asking for a link gets its preferences link. An unknown address
    (`subscriber_id` None) gets nothing, and that request cost the web process exactly
    what a known one did.
    """
    subscriber = (
        Subscriber.objects.exclude(status=SubscriberStatus.ERASED).filter(pk=subscriber_id).first()
        if subscriber_id is not None
        else None
    )
    if subscriber is None:
        return ""
    if subscriber.status == SubscriberStatus.PENDING:
        template = "subscription_confirm"
        context = {"subscriber": subscriber, "confirm_url": confirm_link(subscriber)}
    elif reason == LinkReason.SIGNUP and subscriber.status != SubscriberStatus.CONFIRMED:
        return ""
    else:
        template = "subscription_already" if reason == LinkReason.SIGNUP else "preferences_link"
        context = {"subscriber": subscriber, **manage_links(subscriber)}
    email_send(template=template, to=recipient(subscriber), context=context)
    return template


def review_mails_anyone(transition) -> bool:
    """Whether this step of a review is mailed: a submission, a request for changes, an
    approval for later, or a publication after review or on schedule."""
    return transition.to_status in (
        Status.IN_REVIEW,
        Status.CHANGES_REQUESTED,
        Status.SCHEDULED,
    ) or (
        transition.to_status == Status.PUBLISHED
        and transition.from_status in (Status.IN_REVIEW, Status.SCHEDULED)
    )


def review_mail_send(*, transition_id: int) -> int:
    """Tell the people concerned about a change in the review workflow: editors when an
    item is submitted, its author when it is sent back (with the comments) or published
    after review. Nobody is told of their own action. Returns how many were sent."""
    transition = (
        Transition.objects.select_related("user", "content_type").filter(pk=transition_id).first()
    )
    if transition is None or not review_mails_anyone(transition):
        return 0
    item = transition.content_type.get_object_for_this_type(pk=transition.object_id)
    if transition.to_status == Status.IN_REVIEW:
        users = get_user_model().objects.filter(is_active=True).exclude(email="")
        people = [user for user in users.prefetch_related("groups") if roles.is_editor(user)]
    else:
        people = [item.author] if item.author and item.author.email else []
    actor = transition.user
    url = f"{settings.SITE_URL}{item.get_absolute_url()}"
    sent = 0
    for person in people:
        if actor is not None and person.pk == actor.pk:
            continue
        email_send(
            template="review",
            to=person.email,
            context={
                "name": person.get_full_name() or person.get_username(),
                "actor": (actor.get_full_name() or actor.get_username()) if actor else "Someone",
                "title": item.title,
                "to_status": transition.to_status,
                "comment": transition.comment,
                "item_url": url,
                "edit_url": f"{url}edit/",
                "review_url": f"{settings.SITE_URL}/review/",
            },
        )
        sent += 1
    return sent
