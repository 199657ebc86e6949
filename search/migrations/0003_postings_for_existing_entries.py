"""Once wrote the postings of the entries an install already had, by calling the postings
code of its day. That code now writes columns that later migrations add (0008), so this no
longer calls it: every install already past this migration has its postings, a new one has
no entries yet, and 0008 writes the postings of an install coming from before this one."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postings_families_and_corrections")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
