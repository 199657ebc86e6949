"""What every published content type shares: its status, when it went out, who wrote it,
where an import found it, and who may see it. WriteUp, Event and EventNote build on this;
a new content type is a model on `Publishable` plus a `search.py` that registers it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.text import slugify


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    HELD = "held", "Held for review"
    # The review workflow (practice/workflow.py): a contributor submits, an editor publishes
    # or sends it back with comments.
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes", "Changes requested"
    # Approved by an editor for `publish_at`: practice.scheduling publishes it then.
    SCHEDULED = "scheduled", "Scheduled"


# How long a published item stands before an editor should check it is still right (NICE's
# shared learning examples expire after two years).
REVIEW_INTERVAL_YEARS = 2


# How far ahead editors (the review queue) and authors (My work) see reviews coming up.
REVIEW_SOON = timedelta(days=30)


def review_soon() -> date:
    """Published items with a review date up to this one are due for review."""
    return timezone.localdate() + REVIEW_SOON


def review_date(start) -> date:
    """`start` (a date) plus the review interval; 29 February becomes 28 February."""
    try:
        return start.replace(year=start.year + REVIEW_INTERVAL_YEARS)
    except ValueError:
        return start.replace(year=start.year + REVIEW_INTERVAL_YEARS, day=28)


class PublishableQuerySet(models.QuerySet):
    """Published items, and `with_tags()`: every item's tags in one grouped query."""

    _with_tags = False
    _compiled_key: tuple | None = None
    _compiled_now = None

    def compiled(self, *key, now=None):
        """Compile this queryset's SQL once per process for `key` (practice/compiled.py):
        last in the chain but for a slice; `now` is the one value that may move."""
        clone = self._chain()
        clone._compiled_key, clone._compiled_now = (self.model, *key), now
        return clone

    def with_tags(self):
        """Each item's tags, in one query for all of them when the queryset is read, ready
        for `item.tags.all` in templates. Cheaper than `prefetch_related("tags")`, for which
        taggit builds a joined queryset per item to hold its cache."""
        clone = self._chain()
        clone._with_tags = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._with_tags = self._with_tags
        clone._compiled_key, clone._compiled_now = self._compiled_key, self._compiled_now
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        if fresh and self._keeps_sql:
            self._fetch_compiled()
        super()._fetch_all()
        if fresh and self._with_tags and self._result_cache:
            attach_tags([item for item in self._result_cache if isinstance(item, models.Model)])

    @property
    def _keeps_sql(self) -> bool:
        return self._compiled_key is not None and not settings.DEBUG

    def count(self) -> int:
        # A slice's count is the ORM's: the kept count is of the whole list, for a paginator.
        if not self._keeps_sql or self._result_cache is not None or self.query.is_sliced:
            return super().count()
        from practice import compiled

        return compiled.count_for(self.query, self.db, self._compiled_key, self._compiled_now)

    def _fetch_compiled(self) -> None:
        from practice import compiled

        query, key, now = self.query, self._compiled_key, self._compiled_now
        # Only for this read: a clone of the query (a count, say) compiles as usual.
        query.get_compiler = lambda using=None, connection=None, elide_empty=True: (
            compiled.compiler_for(query, using or self.db, key, now)
        )
        try:
            self._result_cache = list(self._iterable_class(self))
        finally:
            del query.get_compiler

    def published(self):
        return self.filter(status=Status.PUBLISHED, published_at__isnull=False)

    def visible_to(self, user):
        """Editors see everything; contributors what is published and their own; everyone
        else only what is published."""
        from config import roles

        if roles.is_editor(user):
            return self.all()
        if roles.can_write(user):
            return self.filter(
                Q(status=Status.PUBLISHED, published_at__isnull=False) | Q(author=user)
            )
        return self.published()


_SLUG = "slug-placeholder"


@lru_cache(maxsize=64)
def _slug_url_parts(view_name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(view_name, kwargs={"slug": _SLUG})
    before, after = url.split(_SLUG)
    return before, after


def slug_url(view_name: str, slug: str) -> str:
    """reverse(view_name, kwargs={"slug": slug}) for a URL whose one argument is a slug,
    reversed once per process: lists build dozens of these a page (cards, topic links),
    and a slug (letters, digits, hyphens, underscores) needs no quoting."""
    before, after = _slug_url_parts(view_name, get_script_prefix())
    return f"{before}{slug}{after}"


def attach_tags(items) -> None:
    """Give these items (of any content types) their tags, in one query per type, as the
    prefetched value of `tags`: `item.tags.all` then returns them without a query. Taggit's
    order (by when each was added). The query is written out: every list page runs it, and
    building it with the ORM cost more (1.0 ms for 20 items) than running it (0.4 ms)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from taggit.models import Tag, TaggedItem

    by_type: dict[type, dict[int, models.Model]] = {}
    for item in items:
        by_type.setdefault(type(item), {})[item.pk] = item
    sql = (
        f"SELECT i.object_id, t.id, t.name, t.slug FROM {TaggedItem._meta.db_table} i "  # noqa: S608
        f"JOIN {Tag._meta.db_table} t ON t.id = i.tag_id "
        "WHERE i.content_type_id = %s AND i.object_id = ANY(%s) ORDER BY i.id"
    )
    for model, by_id in by_type.items():
        for item in by_id.values():
            item._prefetched_objects_cache = {**getattr(item, "_prefetched_objects_cache", {})}
            item._prefetched_objects_cache["tags"] = []
        with connection.cursor() as cursor:
            cursor.execute(sql, [ContentType.objects.get_for_model(model).pk, list(by_id)])
            rows = cursor.fetchall()
        for object_id, tag_id, name, slug in rows:
            by_id[object_id]._prefetched_objects_cache["tags"].append(
                Tag.from_db(connection.alias, ["id", "name", "slug"], (tag_id, name, slug))
            )


def tags_on_published(models_: tuple[type[models.Model], ...]) -> Q:
    """A filter on taggit's Tag: used by a published item of one of these models. The
    one definition of a public tag, for every page that names tags: a tag only drafts use
    must not reveal that they exist."""
    used = Q(pk__in=[])
    for model in models_:
        used |= Q(
            taggit_taggeditem_items__content_type__app_label=model._meta.app_label,
            taggit_taggeditem_items__content_type__model=model._meta.model_name,
            taggit_taggeditem_items__object_id__in=model.objects.published().values("pk"),
        )
    return used


class Publishable(models.Model):
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When a scheduled item goes out (stored in UTC, shown in Europe/London).
    publish_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When an editor should next check it: set on first publication, editable.
    review_by = models.DateField(
        null=True, blank=True, help_text="When an editor should next check this is still right."
    )
    last_reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Where imported content came from, so that importing again creates nothing new.
    source_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, editable=False
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="%(class)s_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SCHEDULED) | Q(publish_at__isnull=False),
                name="%(class)s_scheduled_has_time",
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        if self.status == Status.PUBLISHED:
            if self.published_at is None:
                self.published_at = timezone.now()
            if self.review_by is None:
                self.review_by = review_date(timezone.localdate(self.published_at))
            self.publish_at = None
        before = getattr(self, "_saved_status", "")
        super().save(*args, **kwargs)
        if self.status != before:
            from practice.workflow import record

            record(self, before or "", self.status)
            self._saved_status = self.status

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_status = instance.__dict__.get("status")
        return instance

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def last_reviewed(self):
        """When an editor last checked it: a review, or else its publication."""
        return self.last_reviewed_at or self.published_at

    @property
    def review_due(self) -> bool:
        """Due for review within `REVIEW_SOON`, or overdue."""
        return self.is_published and self.review_by is not None and self.review_by <= review_soon()

    @property
    def review_overdue(self) -> bool:
        return (
            self.is_published
            and self.review_by is not None
            and self.review_by < timezone.localdate()
        )

    def publish(self) -> None:
        """Mark published (saved by the caller); the first publication date is kept."""
        self.status = Status.PUBLISHED
        if self.published_at is None:
            self.published_at = timezone.now()

    def unpublish(self) -> None:
        self.status = Status.DRAFT
        self.publish_at = None


def unique_slug(model: type[models.Model], text: str, *, exclude_pk: int | None = None) -> str:
    """A slug for `text` that no other row of `model` uses: `title`, `title-2`, `title-3`..."""
    max_length = model._meta.get_field("slug").max_length
    base = slugify(text)[: max_length - 6].strip("-") or "untitled"
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug
