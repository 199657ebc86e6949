from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from practice.models import Comment, Synonym, WriteUp


@admin.register(WriteUp)
class WriteUpAdmin(MarkdownxModelAdmin):
    list_display = ["title", "status", "organisation", "region", "evidence_level", "published_at"]
    list_filter = ["status", "region", "evidence_level"]
    search_fields = ["title", "summary", "organisation"]
    readonly_fields = ["source_key", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    raw_id_fields = ["author"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["writeup", "author_name", "is_public", "created_at"]
    list_filter = ["is_public"]
    raw_id_fields = ["writeup"]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["terms", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["terms"]
