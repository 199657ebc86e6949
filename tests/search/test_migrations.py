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


def test_an_install_with_indexed_phrases_gets_their_tokens_in_its_vectors(client):
    """0009: entries written before phrase tokens were kept in vectors get the tokens of the
    phrases already indexed, so a search for such a phrase, now an exact look-up of its
    token, still finds them."""
    _migrate([("search", "0008_common_words")])
    token = "'integr' <-> 'care' <-> 'board'"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO practice_searchentry (kind, object_id, url, title, summary, date, year,"
            " organisation, region, tags, tag_names, text, words, family, vector, rank_vector)"
            " VALUES ('writeup', 8, '/practice/icb/', 'Our ICB',"
            " 'Meeting the integrated care board.', now(), 2026, '', '', '{}', '{}', '', '{}', '',"
            " to_tsvector('english', 'Our ICB. Meeting the integrated care board.'),"
            " to_tsvector('english', 'Our ICB'))"
        )
        cursor.execute(
            "INSERT INTO search_lexeme (lexeme, entries) VALUES (%s, 1) "
            "ON CONFLICT (lexeme) DO UPDATE SET entries = 1",
            [token],
        )
        cursor.execute(  # its posting, as 0008's rebuild or a later write made it
            "INSERT INTO search_posting (entry_id, lexeme, impact) "
            "SELECT id, %s, 10.0 FROM practice_searchentry WHERE object_id = 8",
            [token],
        )

    _migrate(None)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(vector) FROM practice_searchentry WHERE object_id = 8"
        )
        assert token in cursor.fetchone()[0]
    assert result_titles(search(client, '"integrated care board"')) == ["Our ICB"]
