"""Framework content is read-only here: it changes only through reviewed definition files
loaded with `load_framework`, so what the admin shows is always what the files say. The knowledge
base's editors (framework administrators) publish and unpublish its entries here."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from framework.knowledge_services import knowledge_entries_republish, knowledge_entries_unpublish
from framework.models import Domain, FrameworkVersion, KnowledgeEntry
from organisations.access import Action, may
from organisations.admin import ReadOnlyAdminMixin

Status = KnowledgeEntry.Status


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["version", "title", "published_on", "supersedes", "in_use_since", "source_file", "loaded_at"]


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "framework", "measure", "system_assessment"]
    list_filter = ["framework", "measure__key", "system_assessment"]
    search_fields = ["name", "key"]


def _is_editor(request) -> bool:
    """The knowledge base's editors: framework administrators (and the service desk)."""
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or may(user, Action.ADMINISTER_FRAMEWORKS))


class KnowledgeEntryForm(forms.ModelForm):
    class Meta:
        model = KnowledgeEntry
        fields = ["title", "summary", "body", "outcome", "contact", "links", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            # An editor publishes or unpublishes; withdrawing is the organisation's, removing the files'.
            self.fields["status"].choices = [
                (Status.PUBLISHED, Status.PUBLISHED.label),
                (Status.UNPUBLISHED, Status.UNPUBLISHED.label),
            ]


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    """Reviewed entries are read-only here but for publishing (framework/knowledge/*.yaml is their
    source of truth: an edit here would be undone by the next load); what organisations shared is
    editable, to correct or redact it. Nothing is added or deleted here: unpublish instead."""

    form = KnowledgeEntryForm
    list_display = ["title", "kind", "status", "author", "level_from", "level_to", "cost_band", "updated_at"]
    list_filter = ["kind", "status", "cost_band", "level_from", "level_to"]
    search_fields = ["title", "summary", "key", "organisation__name", "organisation__ods_code", "author_name"]
    list_select_related = ["organisation"]
    actions = ["unpublish", "republish"]
    SHARED_EDITABLE = ("title", "summary", "body", "outcome", "contact", "links", "status")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return _is_editor(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        every = [f.name for f in KnowledgeEntry._meta.fields]
        if obj is None:
            return every
        editable = self.SHARED_EDITABLE if obj.kind == KnowledgeEntry.Kind.SHARED else ("status",)
        if obj.status not in (Status.PUBLISHED, Status.UNPUBLISHED):
            editable = tuple(name for name in editable if name != "status")
        return [name for name in every if name not in editable]

    @admin.action(description="Unpublish the selected entries")
    def unpublish(self, request, queryset):
        if not _is_editor(request):
            raise PermissionDenied
        count = knowledge_entries_unpublish(entries=queryset, actor=request.user)
        self.message_user(request, f"{count} entr{'y' if count == 1 else 'ies'} unpublished", messages.SUCCESS)

    @admin.action(description="Publish again the selected entries an editor unpublished")
    def republish(self, request, queryset):
        if not _is_editor(request):
            raise PermissionDenied
        count = knowledge_entries_republish(entries=queryset, actor=request.user)
        self.message_user(request, f"{count} entr{'y' if count == 1 else 'ies'} published again", messages.SUCCESS)

    def get_actions(self, request):
        return super().get_actions(request) if _is_editor(request) else {}
