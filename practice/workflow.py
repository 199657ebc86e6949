"""The review workflow: draft → in review → published, or back with "changes requested".

Every change of status is recorded as a Transition (who, when, from, to, comment), whichever
path saved it: a form, the review page, the admin or a command (Publishable.save). The
person and the comment ride on the item for the save: `changed_by(item, user, comment)`.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from config import roles
from practice.history import revision
from practice.publishing import Status, review_date

SUBMIT, PUBLISH, DRAFT = "submit", "publish", "draft"

# Sent with `transition` once recorded: stakeholders mails the people concerned.
transitioned = Signal()


def changed_by(item, user, comment: str = "") -> None:
    """Who makes the next save's change of status, and why."""
    item._changed_by = user if getattr(user, "is_authenticated", False) else None
    item._transition_comment = comment


def apply_action(user, item, action: str | None) -> None:
    """A form's button: an editor publishes or sends back to draft; anyone who writes
    submits for review; a contributor's "draft" keeps an item sent back for changes as it
    is, with its comments. A new item's author is whoever saves it first."""
    if item.author_id is None and getattr(user, "is_authenticated", False):
        item.author = user
    changed_by(item, user)
    if action == PUBLISH and roles.is_editor(user):
        item.publish()
    elif action == SUBMIT:
        item.status = Status.IN_REVIEW
    elif roles.is_editor(user) and action == DRAFT:
        item.unpublish()
    elif not roles.is_editor(user) and item.status not in (Status.CHANGES_REQUESTED,):
        item.status = Status.DRAFT


def record(item, before: str, after: str) -> None:
    from practice.models import Transition

    transition = Transition.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        from_status=before,
        to_status=after,
        user=getattr(item, "_changed_by", None),
        comment=getattr(item, "_transition_comment", ""),
    )
    transitioned.send(sender=Transition, transition=transition)


class NotInReview(Exception):
    """The item was no longer in review (another editor got there first)."""


# What an editor may approve: a submission, or an item already scheduled (to move its time).
APPROVABLE = (Status.IN_REVIEW, Status.SCHEDULED, Status.DRAFT, Status.CHANGES_REQUESTED)


def approve(model, pk: int, editor, when=None):
    """Publish now, or schedule for `when` (an aware datetime) if that is in the future. The
    row is locked: two editors approving at once publish once; the second is told."""
    with transaction.atomic(), revision(editor, "Approved"):
        item = model.objects.select_for_update().filter(pk=pk).first()
        if item is None or item.status not in APPROVABLE:
            raise NotInReview
        if when is not None and when > timezone.now():
            item.status = Status.SCHEDULED
            item.publish_at = when
            comment = "To publish " + timezone.localtime(when).strftime("%-d %B %Y at %H:%M")
        else:
            item.publish()
            comment = ""
        if item.author_id is None:
            item.author = editor
        changed_by(item, editor, comment)
        item.save()
    return item


def unschedule(model, pk: int, editor):
    """Take a scheduled item back into review, unpublished."""
    with transaction.atomic(), revision(editor, "Schedule cancelled"):
        item = model.objects.select_for_update().filter(pk=pk).first()
        if item is None or item.status != Status.SCHEDULED:
            raise NotInReview
        item.status = Status.IN_REVIEW
        item.publish_at = None
        changed_by(item, editor, "Schedule cancelled")
        item.save()
    return item


def publish_due(models_, now=None) -> int:
    """Publish every scheduled item whose time has come, however late: a time missed while
    nothing ran is published at the next run, never skipped. Rows another run holds are
    skipped (it is publishing them). Returns how many were published."""
    now = now or timezone.now()
    published = 0
    for model in models_:
        while True:
            with transaction.atomic(), revision(None, "Published as scheduled"):
                item = (
                    model.objects.select_for_update(skip_locked=True)
                    .filter(status=Status.SCHEDULED, publish_at__lte=now)
                    .order_by("publish_at", "pk")
                    .first()
                )
                if item is None:
                    break
                # Dated when it went out, even if late, so the weekly digest cannot miss it.
                item.publish()
                changed_by(item, None, "Published as scheduled")
                item.save()
                published += 1
    return published


def mark_reviewed(model, pk: int, editor, review_by=None):
    """An editor checked a published item is still right: last reviewed now, next review in
    two years unless they chose a date. Recorded as a revision."""
    with transaction.atomic(), revision(editor, "Reviewed"):
        item = model.objects.select_for_update().filter(pk=pk).first()
        if item is None or not item.is_published:
            raise NotInReview
        item.last_reviewed_at = timezone.now()
        item.review_by = review_by or review_date(timezone.localdate())
        item._review_by_user = editor
        item.save()
    return item


def request_changes(model, pk: int, editor, comment: str):
    """Send an item in review back to its author with the editor's comments. The row is
    locked, so two editors acting at once act once."""
    with transaction.atomic(), revision(editor, comment):
        item = model.objects.select_for_update().filter(pk=pk).first()
        if item is None or item.status != Status.IN_REVIEW:
            raise NotInReview
        item.status = Status.CHANGES_REQUESTED
        changed_by(item, editor, comment)
        item.save()
    return item


def history(item):
    from practice.models import Transition

    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
    ).select_related("user")


def last_comment(item) -> str:
    latest = history(item).filter(to_status=Status.CHANGES_REQUESTED).order_by("-pk").first()
    return latest.comment if latest else ""
