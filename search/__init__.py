"""Full-text search over everything published, whatever app it belongs to.

One denormalised `SearchEntry` row per published item. Content apps register their types in
their own `search.py` (see `registry.py`); `signals.py` keeps the entries current, `index.py`
writes them, and the results page is read by `queries.py` from a query that `parser.py` parsed
and `builder.py` turned into SQL.
"""
