"""Admin for the service desk: open cycles; read (never edit) assessments and their audit trail,
validation flags and flag rates."""

from django.contrib import admin, messages

from assessments import selectors
from assessments.access import visible_plans_q
from assessments.models import (
    Assessment,
    AuditEvent,
    Cycle,
    CycleEvent,
    FlagRate,
    ImprovementPlan,
    PeerContactRequest,
    PlanTarget,
    PreReleaseAccess,
    ProvisionalQuery,
    ValidationFlag,
)
from assessments.selectors import assessments_visible_to
from assessments.services.cycles import cycle_open
from organisations.access import visible_organisations_q
from organisations.admin import ReadOnlyAdminMixin, ScopedAdminMixin


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "framework", "opens_on", "closes_on", "release", "opened_at"]
    # The publication fields change only through the publication pages, which record each step.
    readonly_fields = [
        "release",
        "opened_at",
        "review_opens_on",
        "review_closes_on",
        "publication_at",
        "publication_announced_at",
        "published_at",
    ]
    actions = ["open_cycles"]

    @admin.action(description="Open the selected cycles (create missing assessments)")
    def open_cycles(self, request, queryset):
        for cycle in queryset:
            summary = cycle_open(cycle=cycle, actor=request.user)
            self.message_user(
                request, f"{cycle}: {summary.created} assessments created, {summary.already_open} already open",
                messages.SUCCESS,
            )  # fmt: skip


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AuditEventInline(ReadOnlyInline):
    model = AuditEvent
    fields = ["created_at", "actor", "kind", "summary", "comment"]
    readonly_fields = fields
    ordering = ["-created_at"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Answers change only through the portal's services, which audit them.
    scoped_selector = staticmethod(assessments_visible_to)
    list_display = ["organisation", "cycle", "status", "submitted_at"]
    list_filter = ["cycle", "status"]
    search_fields = ["organisation__name", "organisation__ods_code"]
    inlines = [AuditEventInline]


class ResolvedFilter(admin.SimpleListFilter):
    title = "resolved"
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=True)
        return queryset


@admin.register(ValidationFlag)
class ValidationFlagAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Flags are worked out by the workers and resolved by reviewers in the portal (audited);
    # nothing here changes them. Scoped like the pages: a pattern flag only to those who may see
    # its evidence.
    scoped_selector = staticmethod(lambda user: selectors.flag_listing(selectors.flags_visible_to(user)))
    list_display = ["assessment", "kind", "severity", "subject", "resolved"]
    list_filter = ["kind", "severity", ResolvedFilter, "assessment__cycle"]
    search_fields = ["assessment__organisation__ods_code", "assessment__organisation__name"]
    readonly_fields = [
        "assessment",
        "kind",
        "severity",
        "domain",
        "measure_key",
        "explanation",
        "to_clear",
        "details",
        "computed_at",
        "resolved_by",
        "resolved_at",
        "resolution_comment",
    ]
    fields = readonly_fields

    @admin.display(description="about")
    def subject(self, flag: ValidationFlag) -> str:
        return selectors.listed_subject(flag)

    @admin.display(description="resolved", boolean=True)
    def resolved(self, flag: ValidationFlag) -> bool:
        return flag.is_resolved


@admin.register(FlagRate)
class FlagRateAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Counts the workers keep (services.flags.flag_rates_refresh); read here, never edited.
    scoped_selector = staticmethod(selectors.flag_rates_visible_to)
    list_display = ["cycle", "ics", "kind", "submitted", "flagged", "unresolved", "computed_at"]
    list_filter = ["cycle", "kind"]
    search_fields = ["ics__name", "ics__icb_ods_code"]
    readonly_fields = list_display
    fields = list_display


@admin.register(CycleEvent)
class CycleEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "cycle", "kind", "summary", "actor"]
    list_filter = ["cycle", "kind"]


@admin.register(ProvisionalQuery)
class ProvisionalQueryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Queries are raised and answered on the portal's pages (their history is simple-history's);
    # scoped like the pages: an organisation's queries only to those who may see it.
    scoped_selector = staticmethod(
        lambda user: ProvisionalQuery.objects.filter(assessment__in=assessments_visible_to(user))
    )
    list_display = ["assessment", "status", "raised_by", "raised_at", "responded_at"]
    list_filter = ["assessment__cycle", "status"]
    search_fields = ["assessment__organisation__name", "assessment__organisation__ods_code", "text"]


@admin.register(PreReleaseAccess)
class PreReleaseAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["cycle", "name", "capacity", "first_seen_at", "last_seen_at", "recorded_by"]
    list_filter = ["cycle"]


class PlanTargetInline(ReadOnlyInline):
    model = PlanTarget
    fields = ["domain_key", "current_level", "target_level", "target_date", "actions_summary"]
    readonly_fields = fields

    @admin.display(description="actions")
    def actions_summary(self, target: PlanTarget) -> str:
        actions = list(target.actions.all())
        done = sum(action.status == "done" for action in actions)
        return f"{done} of {len(actions)} done"


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Plans change only through the plan pages (versioned, signed off by the approver, audited);
    # the service desk reads them here, scoped as the pages are.
    scoped_selector = staticmethod(
        lambda user: ImprovementPlan.objects.filter(visible_plans_q(user, "assessment__")).select_related(
            "assessment__organisation", "assessment__cycle", "signed_off_by"
        )
    )
    list_display = ["assessment", "status", "signed_off_by", "signed_off_at", "updated_at"]
    list_filter = ["status", "assessment__cycle"]
    search_fields = ["assessment__organisation__name", "assessment__organisation__ods_code"]
    fields = ["assessment", "status", "signed_off_by", "signed_off_at", "carried_from", "version", "updated_at"]
    readonly_fields = fields
    inlines = [PlanTargetInline]


@admin.register(PeerContactRequest)
class PeerContactRequestAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    # Requests are made and answered on the peers pages (each side's lead is notified); the
    # service desk reads them here when an organisation asks what happened to one. Scoped to the
    # requests of organisations the person may see, on either side.
    scoped_selector = staticmethod(
        lambda user: (
            PeerContactRequest.objects.filter(
                visible_organisations_q(user, "from_organisation__")
                | visible_organisations_q(user, "to_organisation__")
            )
            .distinct()
            .select_related("from_organisation", "to_organisation", "requested_by")
        )
    )
    list_display = ["requested_at", "from_organisation", "to_organisation", "domain_name", "status", "responded_at"]
    list_filter = ["status"]
    search_fields = [
        "from_organisation__name", "from_organisation__ods_code", "to_organisation__name", "to_organisation__ods_code",
    ]  # fmt: skip
