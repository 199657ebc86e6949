"""Throughput and latency of every public page type under load, against a bare view, as JSON.

Starts the production server (gunicorn, DEBUG off, as `make serve`) on a free loopback port
with `bench/load_settings.py`: the project plus `/__bare__/` (`HttpResponse("ok")` through
the same process, middleware and URL resolver) outside its URLconf. Each page and the bare
view are driven in turn, in rounds, so that every URL sees the same machine, at 1, 8 and 32
concurrent clients, first with the page cache on (hits: every page is requested again and
again) and then with it off (`PAGE_CACHE_SECONDS=0`). The client is wrk when installed
(`make bench-load` installs it from Debian), a Python one otherwise.

Prints, per cache mode, concurrency and URL: req/s, p50 and p95 in ms, errors, and the ratio
of the page's req/s to the bare view's. Needs the demo content (`make demo`).

    .venv/bin/python bench/load.py [--seconds 2] [--rounds 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

CONCURRENCY = (1, 8, 32)
LUA = Path(__file__).with_name("load.lua")


def pages() -> dict[str, str]:
    """One URL of every public page type, from the demo content."""
    import django

    django.setup()
    from events.models import EventNote
    from practice.models import WriteUp
    from practice.queries import popular_tags

    writeup = WriteUp.objects.published().order_by("-published_at").first()
    note = EventNote.objects.published().order_by("-published_at").first()
    tag = popular_tags(limit=1)[0]
    if writeup is None or note is None:
        sys.exit("No demo content: run `make demo` first.")
    return {
        "bare view": "/__bare__/",
        "home": "/",
        "practice list": "/practice/",
        "write-up": writeup.get_absolute_url(),
        "tag": f"/tags/{tag.slug}/",
        "events": "/events/",
        "past events": "/events/past/",
        "event note": note.get_absolute_url(),
        "search": "/search/?q=wellbeing",
        "about": "/about/",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, cache_seconds: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "PAGE_CACHE_SECONDS": str(cache_seconds),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/__bare__/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("The server did not start.")


def run_wrk(port: int, path: str, clients: int, seconds: int) -> dict:
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s"]
    output = subprocess.run(
        [*command, "-s", str(LUA), f"http://127.0.0.1:{port}"],
        env={**os.environ, "WRK_PATH": path},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_python(port: int, path: str, clients: int, seconds: float) -> dict:
    """The fallback: threads on keep-alive connections (the client shares the GIL, so it
    caps the bare view lower than wrk would)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except OSError:
                failed += 1
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]
    return {
        "requests": len(latencies),
        "seconds": time.perf_counter() - started,
        "errors": errors[0],
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95)] * 1000,
    }


def measure(port: int, urls: dict[str, str], args, client) -> dict:
    """Rounds of every URL in turn at each concurrency; totals and the median p50 and p95."""
    results: dict = {}
    for clients in CONCURRENCY:
        runs: dict[str, list[dict]] = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, path in urls.items():
                client(port, path, clients, 1)  # warm: connections, cache, worker
                runs[name].append(client(port, path, clients, args.seconds))
        level = {}
        for name, measured in runs.items():
            level[name] = {
                "req_per_s": round(
                    sum(m["requests"] for m in measured) / sum(m["seconds"] for m in measured), 1
                ),
                "p50_ms": round(statistics.median(m["p50_ms"] for m in measured), 2),
                "p95_ms": round(statistics.median(m["p95_ms"] for m in measured), 2),
                "errors": sum(m["errors"] for m in measured),
            }
        bare = level["bare view"]["req_per_s"] or 1
        for figures in level.values():
            figures["share_of_bare"] = round(figures["req_per_s"] / bare, 3)
        results[str(clients)] = level
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=2, help="per URL per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--modes", default="cache_hits,cache_off", help="cache_hits, cache_off or both"
    )
    args = parser.parse_args()

    urls = pages()
    from django.core.cache import caches
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    wrk = shutil.which("wrk")
    client = run_wrk if wrk else run_python
    report = {
        "client": "wrk" if wrk else "python",
        "workers": args.workers,
        "seconds_per_url_per_round": args.seconds,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "urls": urls,
    }
    for mode, cache_seconds in (("cache_hits", 600), ("cache_off", 0)):
        if mode not in args.modes.split(","):
            continue
        caches["pages"].clear()
        port = free_port()
        server = start_server(port, args.workers, cache_seconds)
        try:
            report[mode] = measure(port, urls, args, client)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
