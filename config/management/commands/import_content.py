from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events.importer import parse_event_page
from events.services import meetings_import
from practice.importer import looks_like_event_notes, parse_markdown, parse_page, read_folder
from practice.publishing import Status
from practice.services import writeups_import


class Command(BaseCommand):
    help = (
        "Import a folder of plain-text or Markdown files (scraped blog pages or notes) as "
        "write-ups. Importing the same content twice creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            help="Folders or files to import (default: the demo corpus, DEMO_CORPUS_DIR).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created; save nothing."
        )
        parser.add_argument(
            "--draft", action="store_true", help="Create drafts for staff to review and publish."
        )

    def handle(self, *args, paths, dry_run, draft, **options):
        paths = paths or [settings.DEMO_CORPUS_DIR]
        posts, event_pages = [], []
        for folder in paths:
            if not folder.exists():
                raise CommandError(f"{folder} does not exist.")
            for path, text in read_folder(folder):
                if looks_like_event_notes(text):
                    event_pages.append((path, text))
                elif path.suffix.lower() in {".md", ".markdown"}:
                    posts.extend(parse_markdown(path.name, text))
                else:
                    posts.extend(parse_page(path.name, text))

        status = Status.DRAFT if draft else Status.PUBLISHED
        report = writeups_import(posts=posts, status=status, dry_run=dry_run)
        verb = "Would create" if dry_run else "Created"
        for title in report.created:
            removed = report.spam_removed.get(title)
            note = f" (removed {removed} spam paragraph(s))" if removed else ""
            self.stdout.write(f"  {verb.lower()}: {title}{note}")
        for title in report.skipped:
            self.stdout.write(f"  already imported: {title}")
        meetings = [m for path, text in event_pages for m in parse_event_page(path.name, text)]
        events_report = meetings_import(meetings=meetings, status=status, dry_run=dry_run)
        for title in events_report.created:
            undated = " (no date in the text)" if title in events_report.undated else ""
            self.stdout.write(f"  {verb.lower()} event with notes: {title}{undated}")
        for title in events_report.skipped:
            self.stdout.write(f"  already imported: {title}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(report.created)} write-up(s); {len(report.skipped)} already "
                f"imported; {report.comments_kept} reader comment(s) kept aside. "
                f"{verb} {len(events_report.created)} event(s) with notes; "
                f"{len(events_report.skipped)} already imported."
            )
        )
