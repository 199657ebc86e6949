"""Phrase tokens in the vectors (search/postings.py): each entry's vector holds the token of
every indexed phrase it holds, so that a phrase is matched by an exact GIN look-up. This
gives the entries an install already has the tokens of the phrases it already indexes (the
synonyms'); the topics' phrases arrive with the next `rebuild_search_index` (which
`make run` runs) or synonym edit, and until then are matched by their words' positions."""

from django.db import migrations

# Plain SQL, not the postings code: a migration must keep working as that code changes.
TOKENS = """
UPDATE practice_searchentry e
SET vector = e.vector || array_to_tsvector(ARRAY(
    SELECT l.lexeme FROM search_lexeme l
    WHERE l.lexeme LIKE '% %' AND e.vector @@ l.lexeme::tsquery))
WHERE EXISTS (
    SELECT 1 FROM search_lexeme l WHERE l.lexeme LIKE '% %' AND e.vector @@ l.lexeme::tsquery)
"""

NO_TOKENS = """
UPDATE practice_searchentry e
SET vector = ts_delete(e.vector, ARRAY(
    SELECT l.lexeme FROM search_lexeme l WHERE l.lexeme LIKE '% %'))
"""


class Migration(migrations.Migration):
    dependencies = [("search", "0008_common_words")]

    operations = [migrations.RunSQL(TOKENS, NO_TOKENS)]
