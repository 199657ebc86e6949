from django.contrib import admin

from stakeholders.models import Delivery, DigestBatch, DigestRun, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "status", "paused", "created_at", "confirmed_at"]
    list_filter = ["status", "role", "paused"]
    search_fields = ["email", "name", "organisation"]
    readonly_fields = ["key", "consent_version", "consent_text", "consented_at"]


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    list_display = ["week", "cutoff", "started_at", "batches_enqueued", "relay_problem"]


@admin.register(DigestBatch)
class DigestBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "run", "status", "heartbeat_at", "retry_at", "relay_waits", "restarts"]
    list_filter = ["status", "run"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["run", "subscriber", "status", "attempts", "claimed_at", "finished_at"]
    list_filter = ["status", "run"]
    raw_id_fields = ["subscriber", "batch"]
