"""The filters of the lists of assessments and of validation flags (django-filter). The flags'
are shared by the reviewers' triage page and the API, so both narrow a list the same way. All are
keyed on codes: cycle names or slugs, ICB and region ODS codes, organisation ODS codes. They only
narrow a list already scoped to the user (selectors.assessments_visible_to,
selectors.flags_visible_to); the ICS choices are the systems the user may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from assessments.models import Assessment, Cycle, ValidationFlag
from assessments.selectors import cycle_list, cycles
from organisations.filters import PreparedChoices, search_q, visible_systems
from organisations.models import CareSetting
from organisations.selectors import regions

OPEN, RESOLVED = "open", "resolved"


class FlagFilter(PreparedChoices, django_filters.FilterSet):
    cycle = django_filters.ModelChoiceFilter(
        field_name="assessment__cycle",
        to_field_name="name",
        queryset=cycles(),
        label="Assessment cycle",
        empty_label="All cycles",
        help_text="The cycle's name, for example 2025/26.",
    )
    kind = django_filters.ChoiceFilter(
        choices=ValidationFlag.Kind.choices, label="Kind of flag", empty_label="Any kind", help_text="The flag's kind."
    )
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, "Not resolved"), (RESOLVED, "Resolved")],
        method="filter_status",
        label="Status",
        empty_label="Resolved or not",
        help_text="open: not resolved yet; resolved: resolved by a reviewer.",
    )
    severity = django_filters.ChoiceFilter(
        choices=ValidationFlag.Severity.choices, label="Severity", empty_label="Any severity"
    )
    ics = django_filters.ModelChoiceFilter(
        field_name="assessment__organisation__ics",
        to_field_name="icb_ods_code",
        queryset=visible_systems,
        label="Integrated care system",
        empty_label="Any ICS",
        help_text="The ODS code of the ICS's Integrated Care Board, for example QMJ.",
    )
    region = django_filters.ModelChoiceFilter(
        field_name="assessment__organisation__ics__region",
        to_field_name="ods_code",
        queryset=regions(),
        label="Region",
        empty_label="Any region",
        help_text="The NHS England region's ODS code, for example Y56.",
    )
    organisation = django_filters.CharFilter(
        field_name="assessment__organisation__ods_code",
        label="Organisation ODS code",
        help_text="The organisation's ODS code, for example RAL.",
    )

    class Meta:
        model = ValidationFlag
        fields = ["cycle", "kind", "status", "severity", "ics", "region", "organisation"]

    def prepared_options(self) -> dict:
        return {**super().prepared_options(), "cycle": cycle_list}

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.filter(resolved_at__isnull=True)
        if value == RESOLVED:
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class AssessmentFilter(PreparedChoices, django_filters.FilterSet):
    """The national (and ICS) list of assessments: one cycle at a time (the newest unless chosen,
    by its slug, as in every page address: 2025-26), then status, a name or ODS code search,
    region, ICS and main care setting, all on the assessed organisation."""

    cycle = django_filters.ChoiceFilter(
        method="filter_cycle",
        label="Assessment cycle",
        empty_label=None,
        error_messages={"invalid_choice": "Choose an assessment cycle from the list"},
    )
    status = django_filters.ChoiceFilter(
        choices=Assessment.Status.choices,
        label="Status",
        empty_label="Any status",
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    q = django_filters.CharFilter(
        method="filter_search", label="Name or ODS code", max_length=100, help_text="For example, Royal Free or RAL."
    )
    region = django_filters.ModelChoiceFilter(
        field_name="organisation__ics__region",
        to_field_name="ods_code",
        queryset=regions(),
        label="Region",
        empty_label="Any region",
    )
    ics = django_filters.ModelChoiceFilter(
        field_name="organisation__ics",
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
        model = Assessment
        fields = ["cycle", "status", "q", "region", "ics", "setting"]

    def __init__(self, *args: Any, cycles: list[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["cycle"].extra["choices"] = [(cycle.slug, cycle.name) for cycle in cycles]

    def filter_cycle(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(cycle__name=value.replace("-", "/"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_q(value, prefix="organisation__")) if value.strip() else queryset

    def filter_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organisation__care_settings__0=value)
