"""Framework content is read-only here: it changes only through reviewed definition files
loaded with `load_framework`, so what the admin shows is always what the files say."""

from django.contrib import admin

from framework.models import Domain, FrameworkVersion
from organisations.admin import ReadOnlyAdminMixin


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
