"""An index of each entry's title words (ranking._titled): the few items whose title holds
every word typed, which a title bonus can lift, are found without reading the large
vectors."""

from django.db import migrations

INDEX = "searchentry_title_words"


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_rank_info_holds_filters"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON practice_searchentry "
            "USING gin (to_tsvector('english'::regconfig, title))",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
