"""Search becomes its own app: its four models move here from practice, their tables stay.

State only (SeparateDatabaseAndState): the tables keep their names (`db_table`), rows, indexes
and constraints, so an existing install keeps its index, search log and synonyms. practice's
0009 removes the models from practice's state. Their content types are relabelled too, so
staff permissions on synonyms and the admin's history of them carry over.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.functions.math
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

MODELS = ["searchentry", "searchlog", "searchword", "synonym"]


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not content_types.filter(app_label=new, model=model).exists():
            content_types.filter(app_label=old, model=model).update(app_label=new)


def to_search(apps, schema_editor):
    _relabel(apps, schema_editor, "practice", "search")


def to_practice(apps, schema_editor):
    _relabel(apps, schema_editor, "search", "practice")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The last migration that changed these tables.
        ("practice", "0006_searchword_letters"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SearchEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=16)),
                        ('object_id', models.BigIntegerField()),
                        ('url', models.CharField(max_length=300)),
                        ('title', models.CharField(max_length=300)),
                        ('summary', models.TextField(blank=True)),
                        ('date', models.DateTimeField()),
                        ('year', models.PositiveSmallIntegerField()),
                        ('organisation', models.CharField(blank=True, max_length=200)),
                        ('region', models.CharField(blank=True, max_length=32)),
                        ('evidence_level', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('tags', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=120), blank=True, default=list, size=None)),
                        ('tag_names', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=120), blank=True, default=list, size=None)),
                        ('text', models.TextField(blank=True)),
                        ('words', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=40), blank=True, default=list, size=None)),
                        ('vector', django.contrib.postgres.search.SearchVectorField()),
                        ('rank_vector', django.contrib.postgres.search.SearchVectorField()),
                        ('bucket', models.GeneratedField(db_persist=True, expression=models.Case(models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 16), then=models.Value(5)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 8), then=models.Value(4)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 4), then=models.Value(3)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 2), then=models.Value(2)), models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.math.Mod('object_id', 32), 1), then=models.Value(1)), default=models.Value(0)), output_field=models.SmallIntegerField())),
                    ],
                    options={
                        'verbose_name_plural': 'search entries',
                        'db_table': 'practice_searchentry',
                        'indexes': [django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 0)), fields=['vector'], name='searchentry_vector_0'), django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 1)), fields=['vector'], name='searchentry_vector_1'), django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 2)), fields=['vector'], name='searchentry_vector_2'), django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 3)), fields=['vector'], name='searchentry_vector_3'), django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 4)), fields=['vector'], name='searchentry_vector_4'), django.contrib.postgres.indexes.GinIndex(condition=models.Q(('bucket', 5)), fields=['vector'], name='searchentry_vector_5'), django.contrib.postgres.indexes.GinIndex(fields=['rank_vector'], name='searchentry_rank_vector'), django.contrib.postgres.indexes.GinIndex(fields=['tags'], name='searchentry_tags'), models.Index(fields=['-date'], name='searchentry_date')],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'object_id'), name='searchentry_one_per_item')],
                    },
                ),
                migrations.CreateModel(
                    name='SearchLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('query', models.CharField(max_length=200)),
                        ('result_count', models.PositiveIntegerField()),
                        ('duration_ms', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        'db_table': 'practice_searchlog',
                        'indexes': [models.Index(fields=['query'], name='searchlog_query')],
                    },
                ),
                migrations.CreateModel(
                    name='SearchWord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('word', models.CharField(max_length=40, unique=True)),
                        ('frequency', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'practice_searchword',
                        'indexes': [models.Index(fields=['word'], name='searchword_prefix', opclasses=['varchar_pattern_ops']), models.Index(django.db.models.functions.text.Substr('word', 2, 2), name='searchword_letters_2_3')],
                    },
                ),
                migrations.CreateModel(
                    name='Synonym',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('terms', models.TextField(help_text='Two or more words or phrases that mean the same, separated by commas, for example: LD, learning disability, learning disabilities')),
                        ('kind', models.CharField(choices=[('acronym', 'Acronym and expansion'), ('spelling', 'British and American spelling'), ('form', 'Hyphenated, closed or other form'), ('other', 'Other equivalent words')], default='other', max_length=16)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'practice_synonym',
                        'ordering': ['terms'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('terms__contains', ',')), name='synonym_has_two_terms')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_search, to_practice),
    ]
