from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from markdownx.models import MarkdownxField
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from practice import history
from practice.models import Comment, ReviewCriterion, WriteUp
from practice.plaintext import AdminMarkdownEditor, PlainTextModelForm, validate_one_line
from search.models import Synonym

# One row of synonyms is a handful of terms; a huge one would slow every search it expands.
SYNONYM_TERMS_MAX_LENGTH = 1_000


class MarkdownAdmin(admin.ModelAdmin):
    """An admin whose Markdown fields use django-markdownx's editor without its keyboard
    trap (see practice/plaintext.py)."""

    formfield_overrides = {MarkdownxField: {"widget": AdminMarkdownEditor}}


class ContentAdmin(MarkdownAdmin):
    """A content type's admin: its saves are revisions on the item's history page, as the
    site's own forms' are, with tags and inlines (speakers, key points) as saved. Not
    django-reversion's VersionAdmin: its "revert" saves an old status too, and a restore
    here never publishes by itself (practice/history.py restores as a draft)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        comment = "Changed in the admin" if object_id else "Added in the admin"
        with history.revision(request.user, comment):
            return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(WriteUp)
class WriteUpAdmin(ContentAdmin):
    form = PlainTextModelForm
    list_display = ["title", "status", "organisation", "region", "evidence_level", "published_at"]
    list_filter = ["status", "region", "evidence_level"]
    search_fields = ["title", "summary", "organisation"]
    readonly_fields = ["source_key", "created_at", "updated_at", "last_reviewed_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    raw_id_fields = ["author"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["writeup", "author_name", "is_public", "created_at"]
    list_filter = ["is_public"]
    raw_id_fields = ["writeup"]


@admin.register(ReviewCriterion)
class ReviewCriterionAdmin(admin.ModelAdmin):
    """The review checklist editors see beside each submission on /review/."""

    form = PlainTextModelForm
    list_display = ["text", "position", "active"]
    list_editable = ["position", "active"]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["terms", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["terms"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "terms":
            kwargs.setdefault("max_length", SYNONYM_TERMS_MAX_LENGTH)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# taggit's own admin, with the one-line rule on tag names (they are calendar CATEGORIES and
# digest topics). Registered by taggit, which comes before this app in INSTALLED_APPS.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(TaggitTagAdmin):
    form = PlainTextModelForm

    def merge_tags_view(self, request):
        """taggit's "merge tags" form names the tag the others become: one line as well.

        taggit shows its form again empty when it is refused, so this does the same.
        """
        if request.method == "POST":
            try:
                validate_one_line(request.POST.get("new_tag_name", ""))
            except ValidationError as error:
                self.message_user(request, f"New tag name: {error.messages[0]}", level="error")
                return redirect(request.get_full_path())
        return super().merge_tags_view(request)
