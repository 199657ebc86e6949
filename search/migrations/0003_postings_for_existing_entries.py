"""In a migration of its own: the postings table's indexes are created at the end of 0002."""

from django.db import migrations


def postings_for_existing_entries(apps, schema_editor):
    """An existing install ranks every match at once, from the vectors it already has. The
    families of events and notes arrive with the next `rebuild_search_index` (the index
    reads the content apps, which a migration of search must not)."""
    from search.postings import postings_rebuild

    with schema_editor.connection.cursor() as cursor:
        postings_rebuild(cursor)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postings_families_and_corrections")]

    operations = [
        migrations.RunPython(postings_for_existing_entries, migrations.RunPython.noop),
    ]
