"""Search entries in buckets, each with its own full-vector GIN index, and the full vector
kept in the row rather than out of line (see SearchEntry).

STORAGE MAIN keeps a column in the row unless the row would not fit in a page, and
toast_tuple_target lets the row grow to most of a page before PostgreSQL moves anything out.
Existing vectors are rewritten so that they move into the row too.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.math
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0004_wellbeing_synonym'),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE practice_searchentry ALTER COLUMN vector SET STORAGE MAIN, "
            "SET (toast_tuple_target = 8160)",
            "ALTER TABLE practice_searchentry ALTER COLUMN vector SET STORAGE EXTENDED, "
            "RESET (toast_tuple_target)",
        ),
        migrations.RemoveIndex(
            model_name='searchentry',
            name='searchentry_vector',
        ),
        migrations.AddField(
            model_name='searchentry',
            name='bucket',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 16), then=models.Value(5)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 8), then=models.Value(4)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 4), then=models.Value(3)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 2), then=models.Value(2)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 1), then=models.Value(1)), default=models.Value(0)), output_field=models.SmallIntegerField()),
        ),
        migrations.RunSQL(
            "UPDATE practice_searchentry SET vector = vector || ''::tsvector",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 0)), fields=['vector'], name='searchentry_vector_0'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 1)), fields=['vector'], name='searchentry_vector_1'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 2)), fields=['vector'], name='searchentry_vector_2'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 3)), fields=['vector'], name='searchentry_vector_3'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 4)), fields=['vector'], name='searchentry_vector_4'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 5)), fields=['vector'], name='searchentry_vector_5'),
        ),
    ]
