"""Comparison figures of a cycle, as the ICS and national dashboards show them.

Read only from the rows a worker precomputed (reports.Figure and CountFigure, reports.refresh),
never aggregated per request. A group too small to disclose holds its size and nothing else
(reports.aggregates); each row says why it is empty through the one disclosure module
(assessments.rules.disclosure.suppression), so an API client gets the reason a page gives.

Access is the dashboards': an ICS's figures to whoever may see the ICS (systems_visible_to:
its reviewers and board viewers, national staff; anyone else a 404), the national figures to
national staff (NationalAction.VIEW_DASHBOARD; anyone else a 404), recorded on the pre-release
access list before publication as a dashboard view is."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from assessments.models import Cycle
from assessments.rules.disclosure import suppression
from assessments.services.publication import pre_release_access_note
from framework.models import Domain, Measure
from organisations.access import may
from organisations.api import ApiPagination
from organisations.models import CareSetting, IntegratedCareSystem, Region
from organisations.selectors import systems_visible_to
from reports import dashboards, national_dashboard
from reports.access import NationalAction
from reports.aggregates import CARE_SETTING, ICBS, ICS, NATIONAL, REGION
from reports.models import CountFigure, Figure

CYCLE = OpenApiParameter(
    "cycle_slug", str, OpenApiParameter.PATH, description="The cycle's name with a hyphen, e.g. 2025-26."
)
ICB = OpenApiParameter(
    "icb_code", str, OpenApiParameter.PATH, description="ODS code of the ICS's Integrated Care Board."
)
CYCLE_QUERY = OpenApiParameter(
    "cycle", str, OpenApiParameter.QUERY, description="The cycle's slug (2025-26); the latest with results if left out."
)


def _cycle(cycles: QuerySet[Cycle], slug: str) -> Cycle:
    return get_object_or_404(cycles, name=slug.replace("-", "/"))


class GroupNames:
    """The words a page names a group by ("Trusts in North Central London, Digital strategy"),
    for the reason a suppressed row gives; read once per request."""

    def __init__(self, cycle: Cycle) -> None:
        self.regions = dict(Region.objects.values_list("ods_code", "name"))
        self.systems = {ics.icb_ods_code: ics.short_name for ics in IntegratedCareSystem.objects.all()}
        self.measures = dict(Measure.objects.filter(framework_id=cycle.framework_id).values_list("key", "name"))
        self.domains = dict(Domain.objects.filter(framework_id=cycle.framework_id).values_list("key", "name"))

    def group(self, scope: str, key: str) -> str:
        if scope == NATIONAL:
            return national_dashboard.ENGLAND
        if scope == ICBS:
            return "Integrated care boards' own assessments"
        if scope == ICS:
            return f"Trusts in {self.systems.get(key, key)}"
        if scope == REGION:
            return f"Trusts in {self.regions.get(key, key)}"
        if scope == CARE_SETTING:
            label = CareSetting(key).label.lower() if key in CareSetting.values else key
            return f"Trusts whose main care setting is {label}"
        return key

    def of(self, figure: Figure) -> str:
        name = self.group(figure.scope, figure.scope_key)
        if figure.domain_key:
            return f"{name}, {self.domains.get(figure.domain_key, figure.domain_key)}"
        if figure.measure_key:
            return f"{name}, {self.measures.get(figure.measure_key, figure.measure_key)}"
        return name


class FigureSerializer(serializers.ModelSerializer):
    cycle = serializers.CharField(source="figure_set.cycle.name")
    computed_at = serializers.DateTimeField(source="figure_set.computed_at", help_text="When the worker computed it.")
    group = serializers.SerializerMethodField(help_text="The group in words.")
    measure = serializers.SerializerMethodField(help_text="The measure's key; null for the overall score.")
    domain = serializers.SerializerMethodField(help_text="The domain's key; null for a measure or the overall score.")
    shown = serializers.SerializerMethodField(help_text="false: too few organisations to disclose the figures.")
    suppressed_reason = serializers.SerializerMethodField(help_text="Why the figures are not shown, if they are not.")

    class Meta:
        model = Figure
        fields = [
            "cycle",
            "computed_at",
            "scope",
            "scope_key",
            "group",
            "measure",
            "domain",
            "size",
            "shown",
            "suppressed_reason",
            "mean",
            "median",
            "minimum",
            "maximum",
            "lower_quartile",
            "upper_quartile",
            "level_counts",
            "mix_adjusted",
            "adjusted_difference",
            "adjusted_fallbacks",
        ]
        read_only_fields = fields

    def get_group(self, figure: Figure) -> str:
        return self.context["names"].of(figure)

    def get_measure(self, figure: Figure) -> str | None:
        return figure.measure_key or None

    def get_domain(self, figure: Figure) -> str | None:
        return figure.domain_key or None

    def get_shown(self, figure: Figure) -> bool:
        return suppression(self.get_group(figure), figure.size) is None

    def get_suppressed_reason(self, figure: Figure) -> str | None:
        suppressed = suppression(self.get_group(figure), figure.size)
        return suppressed.reason if suppressed else None


class FigureFilter(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=Figure.Scope.choices)
    scope_key = django_filters.CharFilter(help_text="ICB or region ODS code, or care-setting value.")
    measure = django_filters.CharFilter(field_name="measure_key", help_text="A measure's key.")
    domain = django_filters.CharFilter(field_name="domain_key", help_text="A domain's key.")
    overall = django_filters.BooleanFilter(method="filter_overall", help_text="true: only the overall-score rows.")

    class Meta:
        model = Figure
        fields = ["scope", "scope_key", "measure", "domain", "overall"]

    def filter_overall(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overall = {"measure_key": "", "domain_key": ""}
        return queryset.filter(**overall) if value else queryset.exclude(**overall)


class _Figures(generics.ListAPIView):
    serializer_class = FigureSerializer
    filterset_class = FigureFilter
    pagination_class = ApiPagination

    def cycle(self) -> Cycle:
        """The cycle asked for, once the caller is known to may see it (else a 404)."""
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        self._found_cycle = self.cycle()
        self._names = GroupNames(self._found_cycle)
        return super().list(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        # Absent only while the schema is generated, when no row is serialised.
        return {**super().get_serializer_context(), "names": getattr(self, "_names", None)}


class SystemFigures(_Figures):
    def system(self) -> IntegratedCareSystem:
        return get_object_or_404(systems_visible_to(self.request.user), icb_ods_code=self.kwargs["icb_code"])

    def cycle(self) -> Cycle:
        self._system = self.system()  # another ICS is a 404 before anything else is looked at
        with_results = dashboards.cycles_with_results()
        chosen = self.request.query_params.get("cycle")
        if chosen:
            return _cycle(with_results, chosen)
        latest = with_results.first()
        if latest is None:
            raise Http404("No cycle has results yet.")
        return latest

    @extend_schema(
        summary="An ICS's comparison figures",
        description="The precomputed figures the ICS dashboard shows for a cycle: the ICS's own trusts (scope ics), "
        "all trusts in England, the ICBs' own assessments and the care-setting peer groups, for the overall score, "
        "each measure and each domain. A group of fewer than 5 organisations keeps its size only, with the reason.",
        parameters=[ICB, CYCLE_QUERY],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Figure]:
        if getattr(self, "swagger_fake_view", False):  # the schema is being generated
            return Figure.objects.none()
        return dashboards.system_figure_rows(self._system, self._found_cycle)


def _national_cycle(request: Any, cycle_slug: str) -> Cycle:
    if not may(request.user, NationalAction.VIEW_DASHBOARD):
        raise Http404("No such page.")
    cycle = _cycle(national_dashboard.national_cycles(), cycle_slug)
    pre_release_access_note(user=request.user, cycle=cycle, what="the national figures (API)")
    return cycle


class NationalFigures(_Figures):
    def cycle(self) -> Cycle:
        return _national_cycle(self.request, self.kwargs["cycle_slug"])

    @extend_schema(
        summary="National comparison figures",
        description="Every precomputed group figure of the cycle the national dashboard reads: England, each care "
        "setting, region and ICS, and the ICBs' own assessments; filter by scope, scope_key, measure or domain. "
        "National staff only (anyone else a 404); before publication each caller is recorded on the pre-release "
        "access list.",
        parameters=[CYCLE],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Figure]:
        if getattr(self, "swagger_fake_view", False):
            return Figure.objects.none()
        return national_dashboard.national_figure_rows(self._found_cycle)


class CountSerializer(serializers.ModelSerializer):
    cycle = serializers.CharField(source="figure_set.cycle.name")
    computed_at = serializers.DateTimeField(source="figure_set.computed_at")
    counts = serializers.JSONField(
        help_text='progress: {"stage": organisations}; flags: {"kind": {"open": flags, "organisations": n}}.'
    )

    class Meta:
        model = CountFigure
        fields = ["cycle", "computed_at", "topic", "scope", "scope_key", "counts"]
        read_only_fields = fields


class NationalCounts(generics.ListAPIView):
    serializer_class = CountSerializer
    pagination_class = ApiPagination
    filterset_class = None

    @extend_schema(
        summary="National progress and flag counts",
        description="The precomputed counts the national dashboard shows: how far each group's organisations have "
        "got (topic progress) and their open validation flags (topic flags), for England, each region and ICS. "
        "National staff only.",
        parameters=[CYCLE],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[CountFigure]:
        if getattr(self, "swagger_fake_view", False):
            return CountFigure.objects.none()
        return national_dashboard.national_count_rows(_national_cycle(self.request, self.kwargs["cycle_slug"]))
