"""Admin for the service desk: read (never edit or delete) board report versions."""

from django.contrib import admin

from organisations.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from reports.models import BoardReport
from reports.selectors import reports_visible_to


@admin.register(BoardReport)
class BoardReportAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Reports change only through the portal's services; versions are never deleted.
    scoped_selector = staticmethod(reports_visible_to)
    list_display = ["pk", "assessment", "status", "requested_by", "requested_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["assessment__organisation__name", "assessment__organisation__ods_code"]
    readonly_fields = [
        "assessment", "status", "requested_by", "requested_at", "started_at", "finished_at", "file", "error",
        "scores_fingerprint",
    ]  # fmt: skip
