"""Commits as production makes them, for tests that run inside a transaction.

pytest-django wraps each `django_db` test in a transaction that is rolled back, so nothing a
test does ever commits, and `transaction.on_commit` callbacks (the search index is written by
one) would never run. This fixture runs them where production would commit: when the
outermost atomic block that the test itself did not open ends without an error, or at once
when no such block is open (autocommit). Transactional tests (`transaction=True`) commit for
real and are left alone. A block a test opens only to undo its own writes again (a savepoint
per Hypothesis example) should be a `test_atomic()`, so that commits still happen inside it.
"""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger("django.db.backends.base")


def _only_test_blocks(connection: BaseDatabaseWrapper) -> bool:
    return connection.in_atomic_block and all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def _run_commit_hooks(connection: BaseDatabaseWrapper) -> None:
    # As BaseDatabaseWrapper.run_and_clear_commit_hooks, which refuses to run inside the
    # test's transaction. Callbacks registered by a callback run too.
    while connection.run_on_commit:
        callbacks, connection.run_on_commit = connection.run_on_commit, []
        for _, callback, robust in callbacks:
            if robust:
                try:
                    callback()
                except Exception as error:
                    logger.error("Error calling %s in on_commit() (%s).", callback, error)
            else:
                callback()


def test_atomic(using: str | None = None) -> transaction.Atomic:
    """An atomic block that, like the test's own transaction, production would not have."""
    block = transaction.atomic(using=using)
    block._from_testcase = True
    return block


@pytest.fixture(autouse=True)
def on_commit_as_in_production(monkeypatch):
    on_commit = BaseDatabaseWrapper.on_commit
    atomic_exit = transaction.Atomic.__exit__

    def patched_on_commit(self, func, robust=False):
        on_commit(self, func, robust)
        if _only_test_blocks(self):
            _run_commit_hooks(self)

    def patched_exit(self, exc_type, exc_value, traceback):
        atomic_exit(self, exc_type, exc_value, traceback)
        connection = transaction.get_connection(self.using)
        if (
            exc_type is None
            and not self._from_testcase
            and not connection.needs_rollback
            and _only_test_blocks(connection)
        ):
            _run_commit_hooks(connection)

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", patched_on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", patched_exit)
