"""Admin screens for the national service desk.

Superusers manage everything. Any other staff user sees only what the access module lets them
see (the same scoped selectors as the pages) and changes nothing here: their organisation's
work happens in the portal itself.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from organisations.models import (
    ApiToken,
    Identity,
    IntegratedCareSystem,
    Organisation,
    Programme,
    Region,
    RoleAssignment,
    TeamEvent,
    User,
)
from organisations.selectors import (
    organisations_visible_to,
    role_assignments_visible_to,
    systems_visible_to,
    team_events_visible_to,
)
from organisations.services import role_grant, role_revoke
from organisations.services.tokens import api_token_revoke


class ScopedAdminMixin:
    """Querysets come from the scoped selectors; only superusers may add, change or delete."""

    scoped_selector = None

    def get_queryset(self, request):
        queryset = type(self).scoped_selector(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReadOnlyAdminMixin:
    """Staff may read; nobody adds, changes or deletes here, because these rows change only
    through the portal's services (which audit them) or reviewed files."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """simple-history's views fall back to the history table when the object is outside the
    queryset, which would show another organisation's history; refuse that unless the user
    is the service desk (who also needs the history of deleted rows)."""

    def _check_in_scope(self, request, object_id) -> None:
        if request.user.is_superuser:
            return
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code"]


@admin.register(IntegratedCareSystem)
class IntegratedCareSystemAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scoped_selector = staticmethod(systems_visible_to)
    list_display = ["name", "icb_ods_code", "ons_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "icb_ods_code"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedHistoryAdmin):
    scoped_selector = staticmethod(organisations_visible_to)
    list_display = ["name", "ods_code", "kind", "ics", "care_settings", "care_settings_source"]
    list_filter = ["kind", "care_settings_source", "ics__region"]
    search_fields = ["name", "official_name", "ods_code"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "key"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedHistoryAdmin):
    """Grant by adding a row, revoke by deleting it; both go through the role services so the
    access rules and the audit history apply exactly as they do everywhere else."""

    scoped_selector = staticmethod(role_assignments_visible_to)
    list_display = ["user", "role", "organisation", "ics", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name", "organisation__ods_code", "ics__name"]
    autocomplete_fields = ["user", "organisation", "ics"]
    fields = ["user", "role", "organisation", "ics"]

    def has_change_permission(self, request, obj=None):
        # An assignment is granted or revoked, never edited into a different one.
        return False

    def save_model(self, request, obj, form, change):
        saved = role_grant(user=obj.user, role=obj.role, organisation=obj.organisation, ics=obj.ics, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        role_revoke(assignment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            role_revoke(assignment=assignment, actor=request.user)


@admin.register(TeamEvent)
class TeamEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What leads changed in their teams from the portal, for the service desk's questions."""

    list_display = ["created_at", "organisation", "kind", "subject_email", "actor"]
    list_filter = ["kind"]
    search_fields = ["subject_email", "organisation__name", "organisation__ods_code", "summary"]
    fields = ["created_at", "organisation", "kind", "actor", "subject_email", "summary"]
    readonly_fields = fields

    def get_queryset(self, request):
        return team_events_visible_to(request.user)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ["role", "organisation", "ics", "granted_by", "granted_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class IdentityInline(admin.TabularInline):
    """What the person's identity providers said at their last sign-in, above all the organisations
    they claim to work for: what the service desk checks before granting a role there. Read-only:
    identities are made by signing in, and a claim is never a role."""

    model = Identity
    extra = 0
    fields = [
        "provider",
        "subject",
        "email",
        "claimed_ods_codes",
        "id_assurance_level",
        "authentication_assurance_level",
        "first_signed_in_at",
        "last_signed_in_at",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Identity)
class IdentityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "provider", "claimed_ods_codes", "authentication_assurance_level", "last_signed_in_at"]
    list_filter = ["provider"]
    search_fields = ["user__email", "subject", "email"]

    # People's identities across all organisations are for the service desk only, as their accounts are.
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every API token, for the service desk: whose, what for, when it expires and was last used,
    and a way to revoke one at once (a lost laptop, a leaver). Only the hash is stored, so nothing
    here can show or make a token; people make their own on their API tokens page."""

    list_display = ["name", "user", "token_key", "created", "expiry", "last_used_at"]
    search_fields = ["name", "token_key", "user__email"]
    fields = ["name", "user", "token_key", "created", "expiry", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        tokens = list(queryset)
        for token in tokens:
            api_token_revoke(token=token, actor=request.user)
        self.message_user(request, f"{len(tokens)} token{'' if len(tokens) == 1 else 's'} revoked.")

    def get_actions(self, request):
        # ReadOnlyAdminMixin forbids deleting; revoking goes through the service, superusers only.
        actions = super().get_actions(request)
        return actions if request.user.is_superuser else {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "job_title", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["first_name", "last_name", "job_title"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [IdentityInline, RoleAssignmentInline]

    def get_inlines(self, request, obj):
        # A person being added has no identity yet; the page that adds them does not ask.
        return self.inlines if obj is not None else [RoleAssignmentInline]

    # People's details across all organisations are for the service desk only.
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
