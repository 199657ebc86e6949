"""Phrase tokens (search/postings.py): the lexemes with a space are the synonyms' phrases
indexed as posting lists of their own, read on every save; this keeps finding them cheap
however large the vocabulary. The tokens themselves arrive with the next
`rebuild_search_index` (which `make run` runs) or the next synonym edit; until then phrases
are matched by their words, as before."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0006_title_words_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX search_lexeme_phrases ON search_lexeme (lexeme) "
            "WHERE lexeme LIKE '% %'",
            "DROP INDEX search_lexeme_phrases",
        )
    ]
