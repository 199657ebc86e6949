""""well being" as two words reduces to the lexeme "well" ("being" is a stopword), so the
seeded group made "wellbeing" match everything that says "well". The hyphenated form folds
to "wellbeing" anyway; keep it as the editors' example."""

from django.db import migrations


def fix(apps, schema_editor):
    Synonym = apps.get_model("practice", "Synonym")
    Synonym.objects.filter(terms="wellbeing, well being").update(terms="wellbeing, well-being")


class Migration(migrations.Migration):
    dependencies = [("practice", "0003_seed_synonyms")]

    operations = [migrations.RunPython(fix, migrations.RunPython.noop)]
