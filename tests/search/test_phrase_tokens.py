"""The synonyms' phrases indexed as posting lists of their own (search/postings.py): found
where their words stand as the phrase and nowhere else, ranked like a word (title first,
more mentions higher), kept current as items and synonyms change, rebuilt with the index,
and read by the ranking in place of their words when they are indexed."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from search import ranking
from search.index import index_rebuild
from search.models import SearchLexeme, Synonym
from search.parser import parse_query
from search.postings import phrase_of, phrases_sync
from search.synonyms import load_synonym_map
from tests.conftest import make_writeup
from tests.search import test_synonyms
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db

TOKEN = "'integr' <-> 'care' <-> 'board'"


def _count(token: str = TOKEN) -> int | None:
    row = SearchLexeme.objects.filter(lexeme=token).first()
    return None if row is None else row.entries


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """The synonym sync is a task (search/tasks.py): run it as it is enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def icb():
    """The ICB synonym, and items holding its phrase in different places, or its words
    apart (which is not the phrase)."""
    Synonym.objects.filter(terms__icontains="integrated care board").delete()
    Synonym.objects.create(terms="ICB, integrated care board")
    make_writeup(title="Integrated care board", summary="What it does.")
    make_writeup(
        title="Our year",
        summary="The integrated care board met us. The integrated care board listened.",
    )
    make_writeup(title="A note", body="We wrote to the integrated care board once.")
    make_writeup(title="Care in Leeds", summary="The board of integrated services and care.")
    make_writeup(title="Parks", summary="Green space.")


def test_phrases_are_read_from_tsquery_text():
    phrase = phrase_of("'voluntari' <-> 'communiti' <2> 'social' <-> 'enterpris'")
    assert phrase.lexemes == ("voluntari", "communiti", "social", "enterpris")
    assert phrase.offsets == (0, 1, 3, 4)
    assert phrase_of("'care'") is None
    assert phrase_of("'care' & 'board'") is None


def test_a_synonym_phrase_has_postings_where_it_stands_as_the_phrase(client, icb):
    # Saving the synonym indexed its phrase: three items hold it, one only its words.
    assert _count() == 3
    assert result_titles(search(client, "ICB")) == ["Integrated care board", "Our year", "A note"]


def test_the_ranking_reads_the_phrase_token_instead_of_checking_positions(icb):
    with connection.cursor() as cursor:
        plan = ranking.plan_query(cursor, parse_query("ICB", load_synonym_map()))
    phrase = next(a for a in plan.alternatives if set(a.words) == {"integr", "care", "board"})
    assert phrase.lexemes == (TOKEN,) and phrase.check is None
    assert plan.phrases == []


@pytest.mark.django_db(transaction=True)
def test_a_synonym_edit_is_indexed_by_the_task_worker_not_the_request(settings, admin_client):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_writeup(title="Social prescribing link workers", summary="Link workers in Leeds.")
    response = admin_client.post(
        reverse("admin:search_synonym_add"),
        {"terms": "SPLW, social prescribing link workers", "kind": Synonym.Kind.ACRONYM},
    )
    assert response.status_code == 302
    token = "'social' <-> 'prescrib' <-> 'link' <-> 'worker'"
    assert _count(token) is None  # not in the admin's request
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert _count(token) == 1


def test_items_saved_later_and_deleted_keep_the_phrase_current(client, icb):
    added = make_writeup(title="Meeting the integrated care board")
    assert _count() == 4
    assert "Meeting the integrated care board" in result_titles(search(client, "ICB"))
    added.delete()
    assert _count() == 3


def test_a_synonym_removed_takes_its_phrase_with_it_and_search_still_works(client, icb):
    Synonym.objects.filter(terms__icontains="integrated care board").delete()
    assert _count() is None
    assert result_titles(search(client, '"integrated care board"')) == [
        "Integrated care board",
        "Our year",
        "A note",
    ]


def test_the_rebuild_indexes_every_synonym_phrase(icb):
    SearchLexeme.objects.filter(lexeme=TOKEN).delete()
    index_rebuild()
    assert _count() == 3
    # Every phrase of every synonym is known, even one no item holds (a count of 0).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phraseto_tsquery('english', 'joint strategic needs assessment')::text"
        )
        (jsna,) = cursor.fetchone()
    assert _count(jsna) == 0


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Working with the ICB on discharge", "integrated care board"),
        ("Commissioning the VCSE sector", "voluntary sector"),
        ("Reducing A&E attendances", "accident and emergency"),
        ("Frequent accident and emergency attenders", "A&E"),
        ("Writing the JSNA with residents", "joint strategic needs assessment"),
    ],
)
def test_acronyms_and_expansions_match_with_the_phrases_indexed(client, written, searched):
    with connection.cursor() as cursor:
        phrases_sync(cursor)
    test_synonyms.test_acronyms_match_their_expansions_both_ways(client, written, searched)
