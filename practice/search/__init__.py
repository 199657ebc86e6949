"""Full-text search over everything published: write-ups, events and event notes.

One denormalised `SearchEntry` row per published item, kept current by signals (see
`registry.py`); `documents.py` says how each searchable model becomes an entry.
"""
