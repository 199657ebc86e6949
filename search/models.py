"""Search tables.

They were created by the practice app and keep its table names (`db_table`): moving them here
changed Django's state only, so an existing install keeps its index, log and synonyms (see
migrations/0001_initial.py).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Mod, Substr
from django.db.models.lookups import GreaterThanOrEqual

# Full-vector GIN indexes, one per bucket of entries (see SearchEntry.bucket). Buckets double
# in size: 1/32, 1/32, 1/16, 1/8, 1/4 and 1/2 of the entries.
SEARCH_BUCKETS = 6


def _bucket():
    """0 to SEARCH_BUCKETS - 1 from the object id's last five bits: the number of bits used."""
    slot = Mod("object_id", 2 ** (SEARCH_BUCKETS - 1))
    return Case(
        *(
            When(GreaterThanOrEqual(slot, 2 ** (k - 1)), then=Value(k))
            for k in range(SEARCH_BUCKETS - 1, 0, -1)
        ),
        default=Value(0),
    )


class SearchEntry(models.Model):
    """One published searchable item, flattened so a results page never joins.

    `vector` (title A, summary and tags B, structured sections and organisation C, body D)
    decides what matches; `rank_vector` (title A, summary and tags B) orders the matches,
    because ranking reads the vector of every match and the small one is ~10x cheaper.

    A GIN index returns every match at once: for a word in most items, that is 100,000 row
    pointers to draw the capped sample of COUNT_CAP from. So `vector` is indexed in
    SEARCH_BUCKETS partial indexes, one per `bucket`, which the sample reads smallest first
    until it has enough: a word in a third of the items is read from the first 1/32 of the
    entries, a rare one from all of them. `vector` is kept in the row (see practice's migration
    0005), because phrases check each candidate's word positions and fetching the vector out of
    line costs three times as much.
    """

    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    url = models.CharField(max_length=300)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    date = models.DateTimeField()
    year = models.PositiveSmallIntegerField()
    organisation = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=32, blank=True)
    evidence_level = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    tag_names = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    # Plain text for snippets and the naive benchmark baseline, capped (see rows.py).
    text = models.TextField(blank=True)
    # Distinct words of the item, so the did-you-mean vocabulary can be updated by difference.
    words = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    vector = SearchVectorField()
    rank_vector = SearchVectorField()
    bucket = models.GeneratedField(
        expression=_bucket(),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        db_table = "practice_searchentry"
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="searchentry_one_per_item"),
        ]
        indexes = [
            *(
                GinIndex(fields=["vector"], name=f"searchentry_vector_{k}", condition=Q(bucket=k))
                for k in range(SEARCH_BUCKETS)
            ),
            GinIndex(fields=["rank_vector"], name="searchentry_rank_vector"),
            GinIndex(fields=["tags"], name="searchentry_tags"),
            models.Index(fields=["-date"], name="searchentry_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class SearchWord(models.Model):
    """A word of published content and how many published items use it (for did-you-mean)."""

    word = models.CharField(max_length=40, unique=True)
    frequency = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "practice_searchword"
        indexes = [
            models.Index(
                fields=["word"], name="searchword_prefix", opclasses=["varchar_pattern_ops"]
            ),
            # Candidates for a word whose first letter is wrong ("kommunity").
            models.Index(Substr("word", 2, 2), name="searchword_letters_2_3"),
        ]

    def __str__(self) -> str:
        return self.word


class Synonym(models.Model):
    """Words and phrases that mean the same thing to someone searching.

    Read at query time, so a new row works on the next search: no migration, no reindex.
    """

    class Kind(models.TextChoices):
        ACRONYM = "acronym", "Acronym and expansion"
        SPELLING = "spelling", "British and American spelling"
        FORM = "form", "Hyphenated, closed or other form"
        OTHER = "other", "Other equivalent words"

    terms = models.TextField(
        help_text="Two or more words or phrases that mean the same, separated by commas, "
        "for example: LD, learning disability, learning disabilities"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "practice_synonym"
        ordering = ["terms"]
        constraints = [
            models.CheckConstraint(condition=Q(terms__contains=","), name="synonym_has_two_terms")
        ]

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        return [term for term in (" ".join(t.split()) for t in self.terms.split(",")) if term]


class SearchLog(models.Model):
    """One search: normalised query text, how many results, how long. No person, no IP."""

    query = models.CharField(max_length=200)
    result_count = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "practice_searchlog"
        indexes = [models.Index(fields=["query"], name="searchlog_query")]

    def __str__(self) -> str:
        return self.query
