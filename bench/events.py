"""Server time and database queries for the event pages, as JSON.

Runs against the development database (import the demo content first: `make demo`). With
`--synthetic N` it first adds N published events, each with a note of 10 key points and 5
speakers, inside a transaction that is rolled back at the end, so nothing stays behind.
Times are in-process (Django's test client): routing, ORM, templates, middleware.

    .venv/bin/python bench/events.py [--repeat 30] [--synthetic 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("STATIC_STORAGE", "simple")
os.environ["ALLOWED_HOSTS"] = "testserver"


class Rollback(Exception):
    pass


def _synthetic(count: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Event, EventNote, KeyPoint, Speaker, Status

    now = timezone.now()
    events = Event.objects.bulk_create(
        Event(
            title=f"Synthetic meeting {n}",
            slug=f"synthetic-meeting-{n}",
            starts_at=now + timedelta(hours=n - count // 2),
            ends_at=now + timedelta(hours=n - count // 2 + 2),
            status=Status.PUBLISHED,
            published_at=now,
            organiser="Bench",
        )
        for n in range(count)
    )
    notes = EventNote.objects.bulk_create(
        EventNote(
            event=event,
            title=f"Notes of {event.title}",
            slug=f"notes-{event.slug}",
            summary="What happened.",
            status=Status.PUBLISHED,
            published_at=now,
        )
        for event in events
    )
    KeyPoint.objects.bulk_create(
        KeyPoint(note=note, text=f"Point {k}", position=k) for note in notes for k in range(10)
    )
    Speaker.objects.bulk_create(
        Speaker(note=note, name=f"Speaker {k}", position=k) for note in notes for k in range(5)
    )


def _measure(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and connections
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    return {
        "status": response.status_code,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2),
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--synthetic", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from events.models import Event, EventNote

    try:
        with transaction.atomic():
            if args.synthetic:
                _synthetic(args.synthetic)
                # Fresh rows have no planner statistics; production tables are analysed.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "ANALYZE events_event, events_eventnote, events_keypoint, events_speaker"
                    )
            event = Event.objects.published().filter(notes__isnull=False).first()
            note = EventNote.objects.published().first()
            urls = ["/events/", "/events/past/", "/events/feed.ics", "/"]
            if event:
                urls += [event.get_absolute_url(), f"{event.get_absolute_url()}event.ics"]
            if note:
                urls.append(note.get_absolute_url())
            client = Client()
            pages = {url: _measure(client, url, args.repeat) for url in urls}
            summary = {
                "published_events": Event.objects.published().count(),
                "published_notes": EventNote.objects.published().count(),
                "synthetic_added": args.synthetic,
                "pages": pages,
            }
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
