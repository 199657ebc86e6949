"""What every published content type shares: its status, when it went out, who wrote it,
where an import found it, and who may see it. WriteUp, Event and EventNote build on this;
a new content type is a model on `Publishable` plus a `search.py` that registers it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    HELD = "held", "Held for review"


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, published_at__isnull=False)

    def visible_to(self, user):
        """Staff see everything; everyone else only what is published."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()


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
        ]

    def save(self, *args, **kwargs) -> None:
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def publish(self) -> None:
        """Mark published (saved by the caller); the first publication date is kept."""
        self.status = Status.PUBLISHED
        if self.published_at is None:
            self.published_at = timezone.now()

    def unpublish(self) -> None:
        self.status = Status.DRAFT


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
