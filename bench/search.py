"""Search speed at scale, as JSON: p50/p95/p99 server time and queries per request.

Builds a SEPARATE benchmark database (`<name>_bench` on the same server: the embedded one, or
DATABASE_URL's) holding N synthetic write-ups and M notes recombined from the demo corpus's
sentences, with tags, regions and evidence levels, then runs a fixed mix of queries through
the search page (Django's test client: routing, ORM, templates) and the same queries through a
naive `icontains` search over title and body, for comparison.

    .venv/bin/python bench/search.py                       # 100,000 write-ups + 20,000 notes
    .venv/bin/python bench/search.py --items 5000 --notes 1000 --repeat 2
    .venv/bin/python bench/search.py --reload              # rebuild the data even if present

Notes are real event notes (four per published event, with key points and tags); events,
notes and write-ups are indexed by the same `index_rebuild` that `rebuild_search_index` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings (DEBUG off), so times include nothing debugging adds and loading does
# not keep every bulk INSERT in Django's query log.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("STATIC_STORAGE", "simple")
os.environ["ALLOWED_HOSTS"] = "testserver"

SEED = 20260601
REGIONS = [
    "north-east", "north-west", "yorkshire-humber", "east-midlands", "west-midlands",
    "east-of-england", "london", "south-east", "south-west", "scotland", "wales",
    "northern-ireland", "uk-wide",
]  # fmt: skip
TAGS = [
    "co-production", "wellbeing", "carers", "dementia", "loneliness", "leadership",
    "community", "mental health", "learning disability", "social prescribing",
    "hospital discharge", "public health", "housing", "homelessness", "older people",
    "young people", "workforce", "digital", "volunteering", "relationships", "integration",
    "primary care", "social care", "voluntary sector", "inequalities", "commissioning",
    "prevention", "self-management", "peer support", "end of life",
]  # fmt: skip
ORGANISATIONS = [
    "Leeds Community Healthcare", "Bradford Council", "Wellbeing Teams", "NHS Kent",
    "Camden Carers", "Age UK Wirral", "Bristol Mind", "Cardiff and Vale UHB",
    "Glasgow HSCP", "Belfast Trust", "Norfolk County Council", "Sheffield Voluntary Action",
]  # fmt: skip
QUERIES = {
    "single_word": [
        "loneliness", "leadership", "wellbeing", "community", "relationships", "inequalities",
        "council", "volunteers", "culture", "welfare",
    ],
    "phrase": [
        '"relational welfare state"', '"social care"', '"public health"',
        '"thought leader"', '"better way"', '"mental health"', '"local government"',
        '"wellbeing teams"', '"voluntary sector"', '"lived experience"',
    ],
    "acronym_or_synonym": [
        "LD", "A&E", "MH", "JSNA", "CQC", "ICB", "GP", "VCSE", "co-production", "organization",
    ],
    "misspelling": [
        "lonelyness", "leadreship", "wellbeng", "comunity", "relatonships", "inequalites",
        "counsil", "voluntery", "cultre", "welfair",
    ],
    "boolean": [
        "trust OR relationships", "carers -dementia", "loneliness OR isolation",
        "leadership -council", '"social care" -health', "community OR neighbourhood",
        "wellbeing -teams", "housing OR homelessness", "network -online", "culture OR values",
    ],
    "filtered": [
        ("loneliness", {"region": "london"}), ("leadership", {"type": "writeup"}),
        ("community", {"tag": "carers"}), ("wellbeing", {"evidence": "4"}),
        ("relationships", {"year": "2025"}), ("welfare", {"region": "wales", "tag": "housing"}),
        ("council", {"type": "note"}), ("", {"tag": "dementia"}), ("", {"region": "scotland"}),
        ('"public health"', {"sort": "newest"}),
    ],
}  # fmt: skip

# Needles: write-ups whose titles are short, precise phrases, each searched for by its title
# (a known best answer), placed at ids spread over the whole range so that no id order, bucket
# or sample can favour them.
NEEDLES = [
    "Loneliness", "Co-production", "Social prescribing in practice", "Leadership and wellbeing",
    "Local government", "Poverty", "Carers' breaks", "Hospital discharge",
    "Dementia friendly communities", "Peer support", "Digital inclusion", "Homelessness",
    "Fuel poverty", "Self-management", "End of life care", "Mental health first aid",
    "Learning disability", "Housing first", "Asset-based community development",
    "Health inequalities", "Workforce wellbeing", "Integrated care", "Falls prevention",
    "Community connectors", "Time banking", "Personal budgets", "Trauma-informed care",
    "Youth violence", "Domestic abuse", "Food banks", "Welfare rights advice",
    "Community health workers", "Shared lives", "Reablement", "Respite care",
    "Social isolation", "Volunteering", "Relational welfare", "Lived experience", "Care homes",
    "Primary care networks", "Public health", "Neighbourhood teams", "Advance care planning",
    "Carer identification", "Hoarding", "Men's sheds", "Befriending", "Medication reviews",
    "Transitions to adulthood",
]  # fmt: skip
# Everyday words people add to a query; those the corpus never uses make the multi-word
# needle queries: the needle's title plus one word that no item has.
EXTRA_WORDS = [
    "checklist", "toolkit", "handbook", "template", "running", "tips", "examples", "ideas",
    "guide", "scheme", "pilot", "stories", "programme", "leaflet", "poster", "podcast",
    "webinar", "workbook", "flowchart", "roadmap", "playbook", "primer", "casebook", "blueprint",
]  # fmt: skip
N_MULTIWORD = 20


def needle_ids(n_items: int) -> dict[int, str]:
    """Write-up id -> needle title: one in each fiftieth of the ids, at varied offsets (so in
    every bucket of `object_id % 32`)."""
    step = n_items // len(NEEDLES)
    return {
        i * step + 1 + (i * 7) % max(1, min(step - 1, 31)): title for i, title in enumerate(NEEDLES)
    }


def multiword_queries(sentences: list[str]) -> list[tuple[str, str]]:
    """(query, needle title): the title plus one everyday word whose stem is nowhere in the
    corpus."""
    import snowballstemmer

    stem = snowballstemmer.stemmer("english").stemWord
    # By stem, as search matches: "running" is in an item that says "run".
    corpus_stems = {stem(w) for w in re.findall(r"[a-z]+", " ".join(sentences).lower())}
    extras = [word for word in EXTRA_WORDS if stem(word) not in corpus_stems]
    return [
        (f"{title} {extras[i % len(extras)]}", title)
        for i, title in enumerate(NEEDLES[:N_MULTIWORD])
    ]


def bench_database() -> dict:
    """The benchmark database's settings, creating the database if needed."""
    from config.database import DEFAULT_DATABASE_NAME, database_from_url, embedded_database

    if os.environ.get("DATABASE_URL"):
        import psycopg

        config = database_from_url(os.environ["DATABASE_URL"])
        config["NAME"] = f"{config['NAME']}_bench"
        admin = {
            "dbname": "postgres",
            "user": config["USER"] or None,
            "password": config["PASSWORD"] or None,
            "host": config["HOST"] or None,
            "port": config["PORT"] or None,
        }
        with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
        return config
    data_dir = Path(os.environ.get("WHEELHOUSE_DATA_DIR", ROOT / ".data"))
    return embedded_database(data_dir, name=f"{DEFAULT_DATABASE_NAME}_bench")


def corpus_sentences() -> list[str]:
    from django.conf import settings

    sentences = []
    for path in sorted(Path(settings.DEMO_CORPUS_DIR).glob("*.txt")):
        text = " ".join(path.read_text().split())
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if 40 <= len(sentence) <= 300 and "augmentin" not in sentence.lower():
                sentences.append(sentence)
    return sentences


def _title(rng: random.Random, sentences: list[str]) -> str:
    words = re.findall(r"[A-Za-z][\w'-]*", rng.choice(sentences))
    start = rng.randrange(max(1, len(words) - 6))
    return " ".join(words[start : start + rng.randint(4, 9)]).capitalize() or "Untitled"


def load(n_items: int, n_notes: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils.html import escape
    from taggit.models import Tag

    from practice.models import WriteUp
    from search.index import index_rebuild

    rng = random.Random(SEED)
    sentences = corpus_sentences()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE practice_searchentry, practice_searchword, practice_searchlog, "
            "taggit_taggeditem, practice_comment, practice_writeup, events_keypoint, "
            "events_speaker, events_eventnote, events_event RESTART IDENTITY CASCADE"
        )
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    content_type = ContentType.objects.get_for_model(WriteUp)

    started = time.perf_counter()
    needles = needle_ids(n_items)
    raw = connection.cursor().cursor  # psycopg cursor, for COPY
    columns = (
        "title, slug, summary, body, body_html, context, what_we_did, who_for, outcomes, "
        "lessons, resources, sections_html, evidence_level, organisation, region, contact, "
        "status, published_at, created_at, updated_at, review_note, is_excerpt"
    )
    with raw.copy(f"COPY practice_writeup ({columns}) FROM STDIN") as copy:
        for n in range(1, n_items + 1):
            title = _title(rng, sentences)
            summary = rng.choice(sentences)[:300]
            body = " ".join(rng.choices(sentences, k=rng.randint(8, 40)))
            title = needles.get(n, title)
            context = rng.choice(sentences)
            outcomes = rng.choice(sentences)
            date = now - timedelta(minutes=rng.randrange(60 * 24 * 365 * 4))
            copy.write_row(
                (
                    title, f"bench-{n}", summary, body, f"<p>{escape(body)}</p>", context, "", "",
                    outcomes, "", "",
                    json.dumps({"context": f"<p>{escape(context)}</p>",
                                "outcomes": f"<p>{escape(outcomes)}</p>"}),
                    rng.randint(1, 5), rng.choice(ORGANISATIONS), rng.choice(REGIONS), "",
                    "published", date, date, date, "", False,
                )
            )  # fmt: skip
    with raw.copy("COPY taggit_taggeditem (content_type_id, object_id, tag_id) FROM STDIN") as copy:
        for n in range(1, n_items + 1):
            for tag in rng.sample(tags, rng.randint(1, 4)):
                copy.write_row((content_type.pk, n, tag.pk))

    if n_notes:
        _load_events_and_notes(rng, sentences, now, tags, n_notes)
    loaded = time.perf_counter()
    index_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    indexed = time.perf_counter()
    print(
        f"loaded {n_items} write-ups and {n_notes} notes in {loaded - started:.0f}s, "
        f"indexed in {indexed - loaded:.0f}s",
        file=sys.stderr,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_facts (name text PRIMARY KEY, value float)"
        )
        cursor.execute(
            "INSERT INTO bench_facts VALUES ('index_seconds', %s) "
            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            [round(indexed - loaded, 1)],
        )


def relevance(n_items: int) -> dict:
    """Where each needle ranks when searched for by its title, and by its title plus a word
    that no item has (through search_run, as the page does)."""
    from search.queries import search_run
    from search.results import SearchFilters

    urls = {title: f"/practice/bench-{n}/" for n, title in needle_ids(n_items).items()}

    def rank_of(query: str, title: str) -> int | None:
        found = search_run(raw_query=query, filters=SearchFilters(), log=False)
        ranked = [hit.url for hit in found.hits]
        return ranked.index(urls[title]) + 1 if urls[title] in ranked else None

    def summary(ranks: dict[str, int | None]) -> dict:
        found = [rank for rank in ranks.values() if rank is not None]
        return {
            "queries": len(ranks),
            "ranked_first": sum(rank == 1 for rank in found),
            "in_top_3": sum(rank <= 3 for rank in found),
            "in_top_10": sum(rank <= 10 for rank in found),
            "absent_from_first_page": len(ranks) - len(found),
            "ranks": ranks,
        }

    titles = {title: rank_of(title, title) for title in NEEDLES}
    multi = {query: rank_of(query, title) for query, title in multiword_queries(corpus_sentences())}
    return {
        "needle_titles": {**summary(titles), "target": "all 50 in the top 3, at least 48 first"},
        "needle_title_plus_missing_word": {**summary(multi), "target": "all 20 in the top 10"},
    }


def _copy(model, rows) -> None:
    """COPY dicts of field values into `model`'s table; missing fields take their defaults."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    raw = connection.cursor().cursor
    with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [row[f.attname] if f.attname in row else f.get_default() for f in fields]
            )


def _load_events_and_notes(rng, sentences, now, tags, n_notes: int) -> None:
    """Published past events with four notes each, key points included, as the editors'
    forms would make them."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils.html import escape

    from events.models import Event, EventNote, KeyPoint

    n_events = max(1, n_notes // 4)
    event_dates = []

    def events():
        for n in range(1, n_events + 1):
            date = now - timedelta(minutes=rng.randrange(60 * 24 * 365 * 4))
            event_dates.append(date)
            description = " ".join(rng.choices(sentences, k=rng.randint(2, 6)))
            yield {
                "title": _title(rng, sentences), "slug": f"bench-event-{n}", "starts_at": date,
                "ends_at": date + timedelta(hours=2), "organiser": rng.choice(ORGANISATIONS),
                "description": description, "description_html": f"<p>{escape(description)}</p>",
                "region": rng.choice(REGIONS), "status": "published", "published_at": date,
                "created_at": date, "updated_at": date,
            }  # fmt: skip

    _copy(Event, events())

    def notes():
        for n in range(1, n_notes + 1):
            event_id = (n - 1) % n_events + 1
            date = event_dates[event_id - 1] + timedelta(days=1)
            body = " ".join(rng.choices(sentences, k=rng.randint(5, 25)))
            yield {
                "event_id": event_id, "title": _title(rng, sentences), "slug": f"bench-note-{n}",
                "summary": rng.choice(sentences)[:300], "body": body,
                "body_html": f"<p>{escape(body)}</p>", "status": "published",
                "published_at": date, "created_at": date, "updated_at": date,
            }  # fmt: skip

    _copy(EventNote, notes())
    _copy(
        KeyPoint,
        (
            {"note_id": n, "text": rng.choice(sentences), "position": k}
            for n in range(1, n_notes + 1)
            for k in range(rng.randint(2, 5))
        ),
    )
    # Looked up before the COPY: the connection can run nothing else until it ends.
    content_types = {
        model: ContentType.objects.get_for_model(model) for model in (Event, EventNote)
    }
    with connection.cursor().cursor.copy(
        "COPY taggit_taggeditem (content_type_id, object_id, tag_id) FROM STDIN"
    ) as copy:
        for model, count in ((Event, n_events), (EventNote, n_notes)):
            content_type = content_types[model]
            for n in range(1, count + 1):
                for tag in rng.sample(tags, rng.randint(1, 3)):
                    copy.write_row((content_type.pk, n, tag.pk))


def percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)

    def at(p: float) -> float:
        return round(timings[min(len(timings) - 1, int(round(p * (len(timings) - 1))))], 1)

    return {"runs": len(timings), "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def run(repeat: int) -> dict:
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from config import longlived
    from search.models import SearchEntry

    # As the production server's workers do (config/wsgi.py): what start-up loaded is kept
    # out of garbage collection, and again once warm.
    longlived.settle()
    client = Client()
    results: dict[str, dict] = {}
    naive_timings: list[float] = []
    naive_queries: list[int] = []
    for kind, entries in QUERIES.items():
        timings, query_counts, medians = [], [], {}
        for entry in entries:
            q, extra = entry if isinstance(entry, tuple) else (entry, {})
            url = "/search/?" + urlencode({"q": q, **extra})
            assert client.get(url).status_code == 200  # warm
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                query_counts.append(len(captured))
            mine = sorted(timings[-repeat:])
            medians[url.removeprefix("/search/?")] = round(mine[len(mine) // 2], 1)
        # The naive baseline (what a plain icontains over title and body costs) is slow enough
        # at full size that three queries of each kind give its figures.
        for entry in entries[:3]:
            text = (entry[0] if isinstance(entry, tuple) else entry).strip('"')
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                matches = SearchEntry.objects.filter(
                    Q(title__icontains=text) | Q(text__icontains=text)
                )
                list(matches.order_by("-date")[:20].values_list("title", "url"))
                matches.count()
                naive_timings.append((time.perf_counter() - started) * 1000)
            naive_queries.append(len(captured))
        results[kind] = {
            **percentiles(timings),
            "queries_per_request": max(query_counts),
            "distinct_queries": len(entries),
            # Where the kind's p95 comes from: its slowest queries, by their median.
            "slowest_p50_ms": dict(sorted(medians.items(), key=lambda m: -m[1])[:3]),
        }
    results["naive_icontains"] = {
        **percentiles(naive_timings),
        "queries_per_request": max(naive_queries),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000, help="synthetic write-ups")
    parser.add_argument("--notes", type=int, default=20_000, help="synthetic event notes")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    parser.add_argument("--reload", action="store_true", help="rebuild data even if present")
    args = parser.parse_args()

    import django
    from django.conf import settings

    database = bench_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # Updated in place: Django has already filled in this dict's defaults.
    connection.close()
    settings.DATABASES["default"].update(database)
    connection.settings_dict.update(database)

    from practice.models import WriteUp
    from search.models import SearchEntry

    call_command("migrate", verbosity=0)
    # What is indexed, so an interrupted load is never mistaken for a finished one.
    present = tuple(SearchEntry.objects.filter(kind=kind).count() for kind in ("writeup", "note"))
    if args.reload or present != (args.items, args.notes):
        load(args.items, args.notes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT to_regclass('bench_facts') IS NOT NULL")
        index_seconds = None
        if cursor.fetchone()[0]:
            cursor.execute("SELECT value FROM bench_facts WHERE name = 'index_seconds'")
            row = cursor.fetchone()
            index_seconds = row[0] if row else None
    report = {
        "relevance": relevance(args.items),
        "search_page": run(args.repeat),
        "index_rebuild_seconds": index_seconds,
        "database": database["NAME"],
        "database_size": size,
        "writeups": WriteUp.objects.count(),
        "notes": SearchEntry.objects.filter(kind="note").count(),
        "search_entries": SearchEntry.objects.count(),
        "target": "p95 <= 50 ms per kind for a full results page",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
