from django.contrib import admin

from config.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, to read: nobody adds, changes or deletes an entry."""

    list_display = ["when", "actor_label", "action", "target", "detail", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target", "detail"]
    date_hierarchy = "when"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
