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
    decides what matches; its postings (SearchPosting) rank the matches; `rank_vector`
    (title A, summary and tags B) serves suggestions and similar work.

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
    # Null when the item's date is not known (SearchDocument.date_known): no year facet.
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=32, blank=True)
    evidence_level = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    tag_names = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    # Plain text for snippets and the naive benchmark baseline, capped (see rows.py).
    text = models.TextField(blank=True)
    # Distinct words of the item, so the did-you-mean vocabulary can be updated by difference.
    words = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # See SearchDocument.family; "" for an item that is a family of its own.
    family = models.CharField(max_length=60, blank=True, default="")
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
            # What ranking reads of each candidate, and the filters it checks while reading
            # postings (builder.filters_sql), without fetching the (large) row.
            models.Index(
                fields=["id"],
                include=[
                    "date",
                    "family",
                    "kind",
                    "object_id",
                    "title",
                    "region",
                    "evidence_level",
                    "year",
                    "tags",
                ],  # fmt: skip
                name="searchentry_rank_info",
            ),
            models.Index(fields=["-date"], name="searchentry_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class SearchPosting(models.Model):
    """How much one word (a stemmed lexeme) counts for one entry: its impact, BM25-like.

    The impact adds up the word's occurrences field by field (title, then summary and tags,
    then sections and key points, then body), each saturated and divided by how long that
    field is, plus the share of the title the word makes up, so an item titled exactly what
    was searched for comes first. A query's score for an item is the sum over its words of
    idf x impact, so each word's postings, read in impact order, give the best items first:
    see ranking.py. Written from the entry's vector whenever the entry is (index.py).
    """

    # The impact is part of the key so that looking up an entry's postings reads only the
    # index, never the table (an entry has each lexeme once: the vector's are distinct).
    pk = models.CompositePrimaryKey("entry", "lexeme", "impact")
    entry = models.ForeignKey(
        SearchEntry,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the primary key starts with it
        related_name="+",
    )
    lexeme = models.TextField()
    impact = models.FloatField()
    # Which of the site's most common words (SearchLexeme.bit) the entry holds, one bit
    # each: a list read in impact order skips the entries holding an excluded common word
    # from its own index, where a probe per posting read cost 8 µs ("social -health" reads
    # twelve postings for each it keeps). 0 until a rebuild has chosen the words.
    common = models.BigIntegerField(db_default=0)

    class Meta:
        db_table = "search_posting"
        indexes = [
            models.Index(
                "lexeme",
                models.F("impact").desc(),
                "entry",
                name="searchposting_impact",
                include=["common"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lexeme} in {self.entry_id}: {self.impact:.2f}"


class SearchLexeme(models.Model):
    """How many entries hold each lexeme (for idf), kept by difference as entries change."""

    lexeme = models.TextField()
    entries = models.IntegerField()
    # Set for the COMMON_WORDS lexemes in most entries, chosen by each rebuild: the bit of
    # SearchPosting.common that says an entry holds it.
    bit = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        db_table = "search_lexeme"
        constraints = [models.UniqueConstraint(fields=["lexeme"], name="searchlexeme_once")]
        indexes = [
            models.Index(
                fields=["bit"], name="searchlexeme_bit", condition=models.Q(bit__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.lexeme}: {self.entries}"


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
    # What was searched for when it differs from what was typed (a spelling correction).
    searched_for = models.CharField(max_length=200, blank=True, default="")
    # Items with every word (a search answered only by "most of your words" logs 0).
    result_count = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "practice_searchlog"
        indexes = [models.Index(fields=["query"], name="searchlog_query")]

    def __str__(self) -> str:
        return self.query
