"""Where one search's time goes, statement by statement, on the benchmark database that
bench/search.py builds (run that first). Prints JSON: per query, the page's median time and
each SQL statement's median time and first words.

    .venv/bin/python bench/profile_search.py ICB VCSE '"social care" -health'
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("STATIC_STORAGE", "simple")


def main() -> None:
    import django
    from django.conf import settings

    # bench/search.py, by path: as a module named "search" it would hide the search app.
    spec = importlib.util.spec_from_file_location("search_bench", ROOT / "bench" / "search.py")
    search_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search_bench)
    database = search_bench.bench_database()
    django.setup()
    from django.db import connection

    connection.close()
    settings.DATABASES["default"].update(database)
    connection.settings_dict.update(database)

    from search.queries import search_run
    from search.results import SearchFilters

    report = {}
    for query in sys.argv[1:] or ["ICB"]:
        statements: dict[int, list[tuple[str, float]]] = {}
        pages = []
        for attempt in range(6):
            timed: list[tuple[str, float]] = []

            def wrapper(execute, sql, params, many, context, timed=timed):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    timed.append((sql, (time.perf_counter() - started) * 1000))

            with connection.execute_wrapper(wrapper):
                started = time.perf_counter()
                search_run(raw_query=query, filters=SearchFilters(), log=False)
                page = (time.perf_counter() - started) * 1000
            if attempt:  # the first warms
                pages.append(page)
                for n, (sql, ms) in enumerate(timed):
                    statements.setdefault(n, []).append((sql, ms))
        report[query] = {
            "page_ms_p50": round(statistics.median(pages), 1),
            "statements": [
                {
                    "ms_p50": round(statistics.median(ms for _, ms in runs), 2),
                    "sql": " ".join(runs[0][0].split())[:160],
                }
                for runs in statements.values()
            ],
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
