"""Admin for the service desk: open cycles; read (never edit) assessments and their audit trail."""

from django.contrib import admin, messages

from assessments.models import Assessment, AuditEvent, Cycle
from assessments.selectors import assessments_visible_to
from assessments.services.cycles import cycle_open
from organisations.admin import ReadOnlyAdminMixin, ScopedAdminMixin


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "framework", "opens_on", "closes_on", "release", "opened_at"]
    readonly_fields = ["release", "opened_at"]
    actions = ["open_cycles"]

    @admin.action(description="Open the selected cycles (create missing assessments)")
    def open_cycles(self, request, queryset):
        for cycle in queryset:
            summary = cycle_open(cycle=cycle, actor=request.user)
            self.message_user(
                request, f"{cycle}: {summary.created} assessments created, {summary.already_open} already open",
                messages.SUCCESS,
            )  # fmt: skip


class AuditEventInline(admin.TabularInline):
    model = AuditEvent
    fields = ["created_at", "actor", "kind", "summary", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Answers change only through the portal's services, which audit them.
    scoped_selector = staticmethod(assessments_visible_to)
    list_display = ["organisation", "cycle", "status", "submitted_at"]
    list_filter = ["cycle", "status"]
    search_fields = ["organisation__name", "organisation__ods_code"]
    inlines = [AuditEventInline]
