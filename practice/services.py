"""Writes that span several practice models."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from practice.importer import ImportedPost, ImportReport, not_yet_imported
from practice.models import Comment, EvidenceLevel, WriteUp
from practice.publishing import Status


@dataclass
class WriteUpImportReport(ImportReport):
    spam_removed: dict[str, int] = field(default_factory=dict)
    comments_kept: int = 0


def _review_note(post: ImportedPost) -> str:
    notes = [f"Imported from {post.source}."]
    if post.removed_spam:
        notes.append(
            f"The import removed {len(post.removed_spam)} paragraph(s) of injected advertising."
        )
    if post.is_excerpt:
        notes.append("Only the opening of a longer post was on the page; the rest was not.")
    if post.comment_note:
        notes.append(post.comment_note)
    return " ".join(notes)


def writeups_import(
    *, posts: list[ImportedPost], status: str = Status.PUBLISHED, dry_run: bool = False
) -> WriteUpImportReport:
    """Create a write-up per post not imported before; keep reader comments aside.

    Each post is saved in its own transaction so a bad one never leaves half a write-up.
    """
    report = WriteUpImportReport()
    for post in not_yet_imported(WriteUp.objects.all(), posts, report):
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
                # An imported text has no date of its own unless it states one (shown_date),
                # and nobody has judged its evidence yet.
                written_on=post.written_on,
                is_excerpt=post.is_excerpt,
                evidence_level=EvidenceLevel.NOT_ASSESSED,
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
