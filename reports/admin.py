"""Admin for the service desk: read (never edit or delete) board report versions."""

from django.contrib import admin

from organisations.admin import ScopedAdminMixin
from reports.models import BoardReport
from reports.selectors import reports_visible_to


@admin.register(BoardReport)
class BoardReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scoped_selector = staticmethod(reports_visible_to)
    list_display = ["pk", "assessment", "status", "requested_by", "requested_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["assessment__organisation__name", "assessment__organisation__ods_code"]
    readonly_fields = [
        "assessment", "status", "requested_by", "requested_at", "started_at", "finished_at", "file", "error",
        "scores_fingerprint",
    ]  # fmt: skip

    # Reports change only through the portal's services; versions are never deleted.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
