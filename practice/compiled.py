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


def compiler_for(
    query: Query, using: str, key: tuple, now: datetime.datetime | None
) -> SQLCompiler:
    """The compiler that reads `query`, kept under `key`, ready to run with `now`."""
    connection = connections[using]
    full_key = (*key, query.low_mark, query.high_mark, using, id(connection))
    kept = _store.get(full_key)
    if kept is None:
        compiler = Query.get_compiler(query, using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # nothing to run (an empty slice): the ORM's own way
            return Query.get_compiler(query, using=using)
        moving = frozenset(i for i, value in enumerate(params) if now is not None and value == now)
        if len(_store) >= MAX_ENTRIES:
            _store.clear()
        kept = _store[full_key] = (compiler, sql, tuple(params), moving)
    compiler, sql, params, moving = kept
    if moving:
        params = tuple(now if i in moving else value for i, value in enumerate(params))
    if settings.COMPILED_CHECK:
        fresh = Query.get_compiler(query, using=using).as_sql()
        if (fresh[0], tuple(fresh[1])) != (sql, params):
            raise CompiledMismatch(f"{key}: the kept SQL differs from the queryset's")
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    return compiler


def count_for(query: Query, using: str, key: tuple, now: datetime.datetime | None) -> int:
    """How many rows `query` reads without its slice (a paginator's count), by a statement
    kept as `compiler_for` keeps the list's."""
    connection = connections[using]
    full_key = (*key, "count", using, id(connection))

    def compile_count() -> tuple[str, tuple]:
        inner = query.clone()
        inner.clear_ordering(force=True)
        inner.clear_limits()
        inner.select_related = False
        sql, params = Query.get_compiler(inner, using=using).as_sql()
        return f"SELECT COUNT(*) FROM ({sql}) AS counted", tuple(params)  # noqa: S608

    kept = _store.get(full_key)
    if kept is None:
        try:
            sql, params = compile_count()
        except EmptyResultSet:
            return 0
        moving = frozenset(i for i, value in enumerate(params) if now is not None and value == now)
        if len(_store) >= MAX_ENTRIES:
            _store.clear()
        kept = _store[full_key] = (None, sql, params, moving)
    _, sql, params, moving = kept
    if moving:
        params = tuple(now if i in moving else value for i, value in enumerate(params))
    if settings.COMPILED_CHECK and compile_count() != (sql, params):
        raise CompiledMismatch(f"{key}: the kept count differs from the queryset's")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def clear() -> None:
    _store.clear()


def forget(sender, **kwargs) -> None:
    """post_migrate: what was compiled may name rows that are gone."""
    _store.clear()
