"""The search models now belong to the search app (see search/migrations/0001_initial.py):
removed from practice's state only, their tables and rows untouched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0008_publishing_base'),
        ('search', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='SearchEntry'),
                migrations.DeleteModel(name='SearchLog'),
                migrations.DeleteModel(name='SearchWord'),
                migrations.DeleteModel(name='Synonym'),
            ],
            database_operations=[],
        ),
    ]
