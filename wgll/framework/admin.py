"""Framework content is read-only here: it changes only through reviewed definition files
loaded with `load_framework`, so what the admin shows is always what the files say."""

from django.contrib import admin

from wgll.framework.models import Domain, FrameworkVersion


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["version", "title", "published_on", "supersedes", "in_use_since", "source_file", "loaded_at"]


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "framework", "measure", "system_assessment"]
    list_filter = ["framework", "measure__key", "system_assessment"]
    search_fields = ["name", "key"]
