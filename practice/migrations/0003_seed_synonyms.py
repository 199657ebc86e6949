"""Seed the synonyms health and care searchers need; editors add more in the admin."""

from django.db import migrations

SYNONYMS = {
    "acronym": [
        "LD, learning disability, learning disabilities",
        "A&E, accident and emergency",
        "MH, mental health",
        "JSNA, joint strategic needs assessment",
        "CQC, Care Quality Commission",
        "ICB, integrated care board, integrated care boards",
        "ICS, integrated care system, integrated care systems",
        "GP, general practitioner, general practice, family doctor",
        "VCSE, voluntary community and social enterprise, voluntary sector",
        "NHS, National Health Service",
        "PCN, primary care network, primary care networks",
        "ASC, adult social care",
        "CAMHS, child and adolescent mental health services",
        "COPD, chronic obstructive pulmonary disease",
        "OT, occupational therapy, occupational therapist",
        "ABCD, asset-based community development",
        "ADHD, attention deficit hyperactivity disorder",
        "EOL, end of life",
        "LTC, long-term condition, long-term conditions",
        "MDT, multidisciplinary team",
        "DPH, director of public health",
        "SEN, special educational needs",
    ],
    "spelling": [
        "organisation, organization",
        "organisations, organizations",
        "behaviour, behavior",
        "centre, center",
        "programme, program",
        "paediatric, pediatric",
        "paediatrics, pediatrics",
        "anaesthetic, anesthetic",
        "haematology, hematology",
        "ageing, aging",
        "utilise, utilize",
        "prioritise, prioritize",
        "personalised, personalized",
        "recognise, recognize",
        "judgement, judgment",
        "labour, labor",
        "neighbourhood, neighborhood",
        "counselling, counseling",
        "modelling, modeling",
    ],
    "form": [
        "coproduction, co production",
        "wellbeing, well-being",
        "cooperative, co operative",
        "coordination, co ordination",
        "healthcare, health care",
        "childcare, child care",
        "selfcare, self care",
        "multidisciplinary, multi disciplinary",
    ],
    "other": [
        "unpaid carer, caregiver",
        "loneliness, social isolation",
    ],
}


def seed(apps, schema_editor):
    Synonym = apps.get_model("practice", "Synonym")
    Synonym.objects.bulk_create(
        Synonym(kind=kind, terms=terms) for kind, groups in SYNONYMS.items() for terms in groups
    )


def unseed(apps, schema_editor):
    Synonym = apps.get_model("practice", "Synonym")
    Synonym.objects.filter(terms__in=[t for groups in SYNONYMS.values() for t in groups]).delete()


class Migration(migrations.Migration):
    dependencies = [("practice", "0002_search")]

    operations = [migrations.RunPython(seed, unseed)]
