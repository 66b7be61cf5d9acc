"""The filters of the organisation list (django-filter): a name or ODS code search, region, ICS
and main care setting. They only narrow a list already scoped to the user
(selectors.organisations_visible_to); the ICS choices are the systems the user may see. Keyed on
codes (region and ICB ODS codes), never row ids, so a filtered address means the same thing to
everyone and in every copy of the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from organisations.access import grants_for
from organisations.models import CareSetting, IntegratedCareSystem, Organisation
from organisations.prepared import PreparedQuery
from organisations.selectors import regions, systems_visible_to


def visible_systems(request: Any) -> QuerySet:
    """The ICS choices of a filter: the systems the person may see (every list's filters use it)."""
    return systems_visible_to(getattr(request, "user", None)).order_by("name")


# The region and ICS selects are on every list page: their options are read with SQL written
# once (prepared.py), exactly the rows `regions()` and `visible_systems` give.
_regions = PreparedQuery(lambda: regions())
_systems = PreparedQuery(lambda: IntegratedCareSystem.objects.select_related("region").order_by("name"))
_systems_with_ids = PreparedQuery(
    lambda ids: IntegratedCareSystem.objects.filter(pk__in=ids).select_related("region").order_by("name")
)


def _visible_system_rows(user: Any) -> list[IntegratedCareSystem]:
    grants = grants_for(user)
    if grants.sees_everything:
        return _systems()
    ids = sorted(grants.at_ics)
    return _systems_with_ids(ids) if ids else []


class PreparedChoices:
    """A FilterSet whose region and ICS selects list their options from prepared lookups. The
    fields keep their querysets, so a chosen value is still checked against them."""

    def prepared_options(self) -> dict[str, Callable[[], list]]:
        user = getattr(self.request, "user", None)
        return {"region": _regions, "ics": lambda: _visible_system_rows(user)}

    @property
    def form(self):  # django-filter builds the form once and keeps it
        form = super().form
        if not getattr(self, "_options_set", False):
            self._options_set = True
            for name, rows in self.prepared_options().items():
                field = form.fields.get(name)
                if field is not None:
                    empty = [("", field.empty_label)] if field.empty_label is not None else []
                    options = [(field.prepare_value(row), field.label_from_instance(row)) for row in rows()]
                    # Set beneath django-filter's setter, which would wrap them for a queryset.
                    field._choices = field.widget.choices = empty + options
        return form


def search_q(text: str, prefix: str = "") -> Q:
    """A search box's words: an exact ODS code (any case), or every word in the name, so "royal
    free" finds "Royal Free London NHS Foundation Trust" and "ral" finds RAL itself."""
    text = text.strip()
    words = text.split()
    by_name = Q()
    for word in words:
        by_name &= Q(**{f"{prefix}name__icontains": word})
    return Q(**{f"{prefix}ods_code__iexact": text}) | by_name


class OrganisationFilter(PreparedChoices, django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Name or ODS code",
        max_length=100,
        help_text="For example, Royal Free or RAL.",
    )
    region = django_filters.ModelChoiceFilter(
        field_name="ics__region", to_field_name="ods_code", queryset=regions(), label="Region", empty_label="Any region"
    )
    ics = django_filters.ModelChoiceFilter(
        field_name="ics",
        to_field_name="icb_ods_code",
        queryset=visible_systems,
        label="Integrated care system",
        empty_label="Any ICS",
    )
    setting = django_filters.ChoiceFilter(
        choices=CareSetting.choices,
        method="filter_setting",
        label="Main care setting",
        empty_label="Any care setting",
    )

    class Meta:
        model = Organisation
        fields = ["q", "region", "ics", "setting"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_q(value)) if value.strip() else queryset

    def filter_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The main setting is the first one: it decides the organisation's peer group.
        return queryset.filter(care_settings__0=value)
