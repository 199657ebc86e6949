"""The site's phrases (synonyms and topics of several words) as tokens in the vectors of the
entries holding them (search/postings.py): a quoted phrase that is indexed is one exact GIN
look-up, and finds exactly what checking word positions finds; topics become phrases; the
tokens follow edits of items, synonyms and topics; entry writes wait for a sync."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from search import index
from search.index import index_rebuild
from search.models import SearchEntry, SearchLexeme, Synonym
from search.postings import LEXEME_TSQUERY, phrases_sync
from search.registry import SearchDocument
from tests.conftest import make_writeup
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db

PUBLIC_HEALTH = "'public' <-> 'health'"


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """The phrase sync is a task (search/tasks.py): run it as it is enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def tokens_of(title: str) -> list[str]:
    """The phrase tokens in the vector of the entry with this title."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array(SELECT x.lexeme FROM unnest(e.vector) x "
            "WHERE x.positions IS NULL AND strpos(x.lexeme, ' ') > 0 ORDER BY 1) "
            "FROM practice_searchentry e WHERE e.title = %s",
            [title],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def public_health():
    """Items holding "public health" in each field, its words apart or reversed, and a topic
    of that name, which makes it a phrase to index."""
    make_writeup(title="Public health", summary="What the team does.", tags=("public health",))
    make_writeup(title="Our year", body="We met the public health team twice.")
    make_writeup(title="Health of the public", summary="Parks for everyone.")
    make_writeup(title="Public parks", summary="Good for health.")
    make_writeup(title="Directors", body="Directors of public health, and public-health staff.")


def test_a_topic_of_several_words_is_indexed_as_a_phrase(public_health):
    assert SearchLexeme.objects.get(lexeme=PUBLIC_HEALTH).entries == 3
    assert tokens_of("Public health") == [PUBLIC_HEALTH]
    assert tokens_of("Our year") == [PUBLIC_HEALTH]
    assert PUBLIC_HEALTH in tokens_of("Directors")  # with the synonym "DPH"'s phrase
    assert tokens_of("Health of the public") == []
    assert tokens_of("Public parks") == []


def test_an_indexed_phrase_finds_what_word_positions_find(client, public_health):
    by_token = result_titles(search(client, '"public health"'))
    assert sorted(by_token) == ["Directors", "Our year", "Public health"]
    SearchLexeme.objects.filter(lexeme=PUBLIC_HEALTH).delete()  # matched by positions now
    assert sorted(result_titles(search(client, '"public health"'))) == sorted(by_token)
    # Excluded, as a phrase: the others.
    assert sorted(result_titles(search(client, 'health -"public health"'))) == [
        "Health of the public",
        "Public parks",
    ]


def test_an_indexed_phrase_is_matched_by_its_token_not_word_positions(client, public_health):
    """The search reads the token: an entry given the token by hand is found, though its
    words are apart (so the look-up is the exact one), and one that lost it is not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE practice_searchentry SET vector = vector || array_to_tsvector(%s) "
            "WHERE title = 'Public parks'",
            [[PUBLIC_HEALTH]],
        )
        cursor.execute(
            "UPDATE practice_searchentry SET vector = ts_delete(vector, %s::text) "
            "WHERE title = 'Our year'",
            [PUBLIC_HEALTH],
        )
    found = result_titles(search(client, '"public health"', sort="newest"))
    assert sorted(found) == ["Directors", "Public health", "Public parks"]


def test_a_phrase_no_longer_wanted_leaves_every_vector(public_health):
    Synonym.objects.create(terms="PHT, public health team")
    team = "'public' <-> 'health' <-> 'team'"
    assert tokens_of("Our year") == [PUBLIC_HEALTH, team]
    Synonym.objects.filter(terms__startswith="PHT").delete()
    assert tokens_of("Our year") == [PUBLIC_HEALTH]
    assert not SearchLexeme.objects.filter(lexeme=team).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM practice_searchentry e WHERE e.vector @@ "  # noqa: S608
            + LEXEME_TSQUERY.format(lexeme="%s::text"),
            [team],
        )
        assert cursor.fetchone()[0] == 0


def test_items_saved_and_edited_later_get_and_lose_the_token(public_health):
    added = make_writeup(title="Later", summary="A public health nurse.")
    assert tokens_of("Later") == [PUBLIC_HEALTH]
    assert SearchLexeme.objects.get(lexeme=PUBLIC_HEALTH).entries == 4
    added.summary = "A nurse for the public, in health visiting."
    added.save()
    assert tokens_of("Later") == []
    assert SearchLexeme.objects.get(lexeme=PUBLIC_HEALTH).entries == 3


def test_a_renamed_topic_takes_its_phrase_with_it(public_health):
    from taggit.models import Tag

    tag = Tag.objects.get(name="public health")
    tag.name = "population health"
    tag.save()
    assert not SearchLexeme.objects.filter(lexeme=PUBLIC_HEALTH).exists()
    assert tokens_of("Our year") == []
    assert SearchLexeme.objects.get(lexeme="'popul' <-> 'health'").entries == 1


def test_the_rebuild_writes_the_tokens_with_the_entries(public_health):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE practice_searchentry SET vector = ts_delete(vector, %s::text)", [PUBLIC_HEALTH]
        )
    SearchLexeme.objects.filter(lexeme=PUBLIC_HEALTH).delete()
    with CaptureQueriesContext(connection) as captured:
        index_rebuild()
    assert tokens_of("Our year") == [PUBLIC_HEALTH]
    assert tokens_of("Public parks") == []
    assert SearchLexeme.objects.get(lexeme=PUBLIC_HEALTH).entries == 3
    # Written once, with the entries: no second pass over the vectors.
    assert not [
        q for q in captured.captured_queries if q["sql"].startswith("UPDATE practice_searchentry")
    ]


@pytest.mark.django_db(transaction=True)
def test_an_entry_write_waits_for_a_phrase_sync(settings):
    """A sync holds the phrases' lock alone until it commits; an entry written meanwhile
    waits for it (here: gives up after a short lock timeout) rather than being written with
    the tokens the sync is changing."""
    holding, release = threading.Event(), threading.Event()

    def sync() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                phrases_sync(cursor)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=sync)
    thread.start()
    try:
        assert holding.wait(10)
        document = SearchDocument(
            title="Written during a sync", summary="", url="/x/", date=timezone.now()
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError) as raised:
            index.entry_write("writeup", 10_001, document)
        assert isinstance(raised.value.__cause__, psycopg.errors.LockNotAvailable)
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not SearchEntry.objects.filter(object_id=10_001).exists()
