"""The ranking index also holds the filter columns, so that ranking reads only the postings
of items that pass the filters (see builder.filters_sql)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0004_searchentry_year_unknown'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='searchentry',
            name='searchentry_rank_info',
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['id'], include=('date', 'family', 'kind', 'object_id', 'title', 'region', 'evidence_level', 'year', 'tags'), name='searchentry_rank_info'),
        ),
    ]
