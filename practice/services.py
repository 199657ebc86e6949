"""Writes that span several practice models."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from practice.importer import ImportedPost
from practice.models import Comment, WriteUp
from practice.publishing import Status


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    spam_removed: dict[str, int] = field(default_factory=dict)
    comments_kept: int = 0


def _review_note(post: ImportedPost) -> str:
    notes = [f"Imported from {post.source}."]
    if post.removed_spam:
        notes.append(
            f"The import removed {len(post.removed_spam)} paragraph(s) of injected advertising."
        )
    if post.comment_note:
        notes.append(post.comment_note)
    return " ".join(notes)


def writeups_import(
    *, posts: list[ImportedPost], status: str = Status.PUBLISHED, dry_run: bool = False
) -> ImportReport:
    """Create a write-up per post not imported before; keep reader comments aside.

    Each post is saved in its own transaction so a bad one never leaves half a write-up.
    """
    report = ImportReport()
    existing = set(
        WriteUp.objects.filter(source_key__in=[post.source_key for post in posts]).values_list(
            "source_key", flat=True
        )
    )
    for post in posts:
        if post.source_key in existing:
            report.skipped.append(post.title)
            continue
        existing.add(post.source_key)
        report.created.append(post.title)
        if post.removed_spam:
            report.spam_removed[post.title] = len(post.removed_spam)
        report.comments_kept += len(post.comments)
        if dry_run:
            continue
        with transaction.atomic():
            writeup = WriteUp(
                title=post.title,
                summary=post.summary,
                body=post.body,
                status=status,
                published_at=timezone.now() if status == Status.PUBLISHED else None,
                source_key=post.source_key,
                review_note=_review_note(post),
            )
            writeup.save()
            writeup.tags.set(post.tags)
            Comment.objects.bulk_create(
                Comment(
                    writeup=writeup,
                    author_name=comment.author_name,
                    body=comment.body,
                    is_public=False,
                    source_key=f"{post.source_key}:comment:{index}",
                )
                for index, comment in enumerate(post.comments)
            )
    return report
