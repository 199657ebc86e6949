"""Moving search out of practice kept every install's index, log and synonyms (search's 0001,
practice's 0009): migrated from the last state before the move, they are all still there."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from search.models import SearchEntry, SearchLog, SearchWord, Synonym
from tests.search.conftest import result_titles, search

# Migrations run outside a test's transaction; the database is left fully migrated.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = [("practice", "0008_publishing_base"), ("search", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor


def test_an_install_from_before_the_move_keeps_its_index_log_and_synonyms(client):
    executor = _migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE[0]).apps
    assert old.get_model("practice", "Synonym")._meta.db_table == "practice_synonym"
    synonym_type = old.get_model("contenttypes", "ContentType").objects.get(
        app_label="practice", model="synonym"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO practice_synonym (terms, kind, updated_at) "
            "VALUES ('respite, short breaks', 'other', now())"
        )
        cursor.execute(
            "INSERT INTO practice_searchlog (query, result_count, duration_ms, created_at) "
            "VALUES ('hoarding', 0, 4, now())"
        )
        cursor.execute(
            "INSERT INTO practice_searchentry (kind, object_id, url, title, summary, date, year,"
            " organisation, region, tags, tag_names, text, words, vector, rank_vector) VALUES"
            " ('writeup', 7, '/practice/respite/', 'Respite vouchers', 'For carers.', now(),"
            " 2026, '', '', '{carers}', '{carers}', 'For carers.', '{respite,vouchers}',"
            " to_tsvector('english', 'Respite vouchers'), to_tsvector('english', 'Respite'))"
        )
        cursor.execute("INSERT INTO practice_searchword (word, frequency) VALUES ('respite', 1)")

    _migrate(None)

    assert Synonym.objects.filter(terms="respite, short breaks").exists()
    assert list(SearchLog.objects.values_list("query", "result_count")) == [("hoarding", 0)]
    entry = SearchEntry.objects.get(kind="writeup", object_id=7)
    assert (entry.title, entry.tags, entry.bucket) == ("Respite vouchers", ["carers"], 3)
    assert SearchWord.objects.get(word="respite").frequency == 1
    # Staff permissions on synonyms hang off the same content type, now search's.
    assert ContentType.objects.get_for_model(Synonym).pk == synonym_type.pk
    # The moved entry is found, by the synonym that moved with it.
    assert result_titles(search(client, "short breaks")) == ["Respite vouchers"]
