"""SQL compiled once per process for the lists every public page runs.

Building and compiling a card list's queryset (the filters, `select_related`, the deferred
long text) costs the ORM 1 to 2 ms on this machine, several times what PostgreSQL takes to
run it, and a page runs two to four of them. `queryset.compiled(*key)` keeps the compiler of
the first run under `key` (with the queryset's slice, its model and the thread's database
connection) and runs its SQL again on later reads; the rows, the instances and the tags are
fresh every time.

The key must name everything the SQL depends on besides the slice: a tag's id, say. The one
value allowed to move is `now`, the time a list of upcoming or past events is measured from:
its parameter is replaced on each run. A queryset whose SQL depends on who asks
(`visible_to`) is never kept. With `settings.COMPILED_CHECK` (the tests) every kept run
compiles afresh too and fails loudly if the SQL differs, so a key that misses something
cannot pass the tests. Off with DEBUG, like the other per-process stores. Emptied after
`migrate` and `flush` (post_migrate): a statement may hold the id of a row they recreate, such
as a content type's.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query

MAX_ENTRIES = 1024

_store: dict[tuple, tuple[SQLCompiler | None, str, tuple, frozenset[int]]] = {}


class CompiledMismatch(AssertionError):
    """A kept statement is not what the queryset compiles to now: its key misses a value."""


def _statement(full_key: tuple, compile_, now, label: str):
    """(compiler, sql, params) kept under `full_key`, its `now` parameters replaced; None
    when there is nothing to run (the ORM then answers as it always does)."""
    kept = _store.get(full_key)
    if kept is None:
        try:
            compiler, sql, params = compile_()
        except EmptyResultSet:  # an empty slice, an impossible filter
            return None
        moving = frozenset(i for i, value in enumerate(params) if now is not None and value == now)
        if len(_store) >= MAX_ENTRIES:
            _store.clear()
        kept = _store[full_key] = (compiler, sql, params, moving)
    compiler, sql, params, moving = kept
    if moving:
        params = tuple(now if i in moving else value for i, value in enumerate(params))
    if settings.COMPILED_CHECK and compile_()[1:] != (sql, params):
        raise CompiledMismatch(f"{full_key[:-2]}: the kept {label} differs from the queryset's")
    return compiler, sql, params


def compiler_for(
    query: Query, using: str, key: tuple, now: datetime.datetime | None
) -> SQLCompiler:
    """The compiler that reads `query`, kept under `key`, ready to run with `now`."""

    def compile_() -> tuple[SQLCompiler, str, tuple]:
        compiler = Query.get_compiler(query, using=using)
        sql, params = compiler.as_sql()
        return compiler, sql, tuple(params)

    full_key = (*key, query.low_mark, query.high_mark, using, id(connections[using]))
    statement = _statement(full_key, compile_, now, "SQL")
    if statement is None:
        return Query.get_compiler(query, using=using)
    compiler, sql, params = statement
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    return compiler


def count_for(query: Query, using: str, key: tuple, now: datetime.datetime | None) -> int:
    """How many rows `query` reads without its slice (a paginator's count), by a statement
    kept as `compiler_for` keeps the list's."""

    def compile_() -> tuple[None, str, tuple]:
        inner = query.clone()
        inner.clear_ordering(force=True)
        inner.clear_limits()
        inner.select_related = False
        sql, params = Query.get_compiler(inner, using=using).as_sql()
        return None, f"SELECT COUNT(*) FROM ({sql}) AS counted", tuple(params)  # noqa: S608

    connection = connections[using]
    statement = _statement((*key, "count", using, id(connection)), compile_, now, "count")
    if statement is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(*statement[1:])
        return cursor.fetchone()[0]


def clear() -> None:
    _store.clear()


def forget(sender, **kwargs) -> None:
    """post_migrate: what was compiled may name rows that are gone."""
    clear()
