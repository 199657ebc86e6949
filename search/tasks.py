"""Background work for search: indexing the site's phrases after a synonym or a topic of
several words changes (postings.phrases_sync), which reads and rewrites every entry holding
a new phrase (seconds a phrase at 125,000 entries) and so runs in the task worker, not in
the editor's request. Until it has run, a new phrase is matched by its words' positions."""

from __future__ import annotations

from django.db import connection, transaction
from django_tasks import task

from search.postings import phrases_sync


@task()
def sync_phrases() -> int:
    """Index the synonyms' and topics' phrases as they are now; returns how many are
    indexed."""
    with transaction.atomic(), connection.cursor() as cursor:
        return phrases_sync(cursor)
