"""Common words (search/postings.py): each posting carries a bit for each of the site's most
common words the entry holds, kept in the impact index, so that excluding a common word
("-health") is decided while a list is read, without a probe per posting. The words are
chosen when the postings are rebuilt, at the end of this migration for an install that has
entries (which also gives postings to one from before 0003, see there)."""


from django.db import migrations, models


def postings_for_existing_entries(apps, schema_editor):
    """The postings code of this day, with the columns above: postings and their common words
    for the entries an install has (a new install has none). No phrase is indexed here: the
    phrases arrive with the next rebuild or synonym edit (see 0009)."""
    from search.postings import postings_rebuild

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM practice_searchentry)")
        if cursor.fetchone()[0]:
            postings_rebuild(cursor, [])


class Migration(migrations.Migration):
    dependencies = [("search", "0007_phrase_tokens")]

    operations = [
        migrations.RemoveIndex(
            model_name='searchposting',
            name='searchposting_impact',
        ),
        migrations.AddField(
            model_name='searchlexeme',
            name='bit',
            field=models.SmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='searchposting',
            name='common',
            field=models.BigIntegerField(db_default=0),
        ),
        migrations.AddIndex(
            model_name='searchlexeme',
            index=models.Index(condition=models.Q(('bit__isnull', False)), fields=['bit'], name='searchlexeme_bit'),
        ),
        migrations.AddIndex(
            model_name='searchposting',
            index=models.Index(models.F('lexeme'), models.OrderBy(models.F('impact'), descending=True), models.F('entry'), include=('common',), name='searchposting_impact'),
        ),
        migrations.RunPython(postings_for_existing_entries, migrations.RunPython.noop),
    ]
