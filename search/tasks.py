"""Background work for search: indexing the synonyms' phrases after a synonym changes
(postings.phrases_sync), which reads every entry holding a new phrase (about 2 s a phrase at
125,000 entries) and so runs in the task worker, not in the admin's request. Until it has
run, a new phrase is matched by its words, as before."""

from __future__ import annotations

from django.db import connection, transaction
from django_tasks import task

from search.postings import phrases_sync


@task()
def sync_synonym_phrases() -> int:
    """Index the synonyms' phrases as they are now; returns how many are indexed."""
    with transaction.atomic(), connection.cursor() as cursor:
        return phrases_sync(cursor)
