"""Server time and database queries for the main pages, as JSON.

Runs against the development database (the embedded server unless DATABASE_URL is set), so
import the demo content first (`make demo`). Times are measured in-process with Django's test
client: they include routing, ORM, templates and middleware, not the network.

    .venv/bin/python bench/pages.py [--repeat 50]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from practice.models import WriteUp

    writeup = WriteUp.objects.published().first()
    tag = writeup.tags.first() if writeup else None
    urls = ["/", "/practice/", "/about/"]
    if writeup:
        urls.append(writeup.get_absolute_url())
    if tag:
        urls.append(f"/tags/{tag.slug}/")

    client = Client()
    results = {}
    for url in urls:
        client.get(url)  # warm caches and connections
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timings.sort()
        results[url] = {
            "status": response.status_code,
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "queries": len(queries),
        }
    print(
        json.dumps(
            {"published_writeups": WriteUp.objects.published().count(), "pages": results}, indent=2
        )
    )


if __name__ == "__main__":
    main()
