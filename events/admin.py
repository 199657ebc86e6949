from django.contrib import admin
from django.db import models

from events.models import Event, EventNote, KeyPoint, Series, Speaker
from practice.admin import ContentAdmin
from practice.plaintext import PlainTextModelForm


class EventSpeakerInline(admin.TabularInline):
    form = PlainTextModelForm
    model = Speaker
    fk_name = "event"
    fields = ["position", "name", "organisation", "role", "custom_role"]
    extra = 0


class NoteSpeakerInline(admin.TabularInline):
    form = PlainTextModelForm
    model = Speaker
    fk_name = "note"
    fields = ["position", "name", "organisation", "role", "custom_role"]
    extra = 0


class KeyPointInline(admin.TabularInline):
    form = PlainTextModelForm
    model = KeyPoint
    fields = ["position", "text"]
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Event)
class EventAdmin(ContentAdmin):
    form = PlainTextModelForm
    # Booking links typed without a scheme are taken as https (Django 6's default).
    formfield_overrides = {
        **ContentAdmin.formfield_overrides,
        models.URLField: {"assume_scheme": "https"},
    }
    list_display = ["title", "starts_at", "status", "is_cancelled", "organiser", "series"]
    list_filter = ["status", "is_cancelled", "region", "is_online"]
    search_fields = ["title", "organiser", "venue"]
    readonly_fields = ["uid", "sequence", "source_key", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    autocomplete_fields = ["series"]
    inlines = [EventSpeakerInline]


@admin.register(EventNote)
class EventNoteAdmin(ContentAdmin):
    form = PlainTextModelForm
    list_display = ["title", "event", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["title", "summary", "event__title"]
    readonly_fields = ["source_key", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["event", "author"]
    filter_horizontal = ["related_writeups", "related_notes"]
    inlines = [NoteSpeakerInline, KeyPointInline]
