"""The database connection: persistent, and with the statements a worker repeats prepared."""

from __future__ import annotations

import pytest
from django.db import connection

from config.database import database_from_url
from practice.models import WriteUp


@pytest.mark.django_db
def test_a_query_run_again_and_again_is_planned_once():
    for _ in range(6):
        list(WriteUp.objects.filter(slug="any-slug"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "practice_writeup"' in statement for statement in prepared), prepared


def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch):
    url = "postgres://wheelhouse:secret@db.example:5432/wheelhouse?sslmode=require"
    on = database_from_url(url)
    assert on["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "sslmode": "require",
    }
    assert on["CONN_MAX_AGE"] == 60 and on["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    assert database_from_url(url)["OPTIONS"] == {"sslmode": "require"}
