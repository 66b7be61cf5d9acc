"""Assessments, keyed on cycle slug and ODS code: the list (scoped by assessments_visible_to, so
a board viewer never sees another organisation's draft) and one assessment, with links to what
hangs off it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from assessments import selectors
from assessments.api.common import ASSESSMENT_PARAMETERS, assessment_args, assessment_or_404
from assessments.models import Assessment
from organisations.api import ApiPagination, any_care_setting_q
from organisations.models import CareSetting

# What hangs off an assessment: link name -> URL name (wgll/api_urls.py).
LINKS = {
    "self": "api-assessment",
    "answers": "api-answers",
    "scores": "api-scores",
    "flags": "api-assessment-flags",
    "reports": "api-board-reports",
}


class SignOffSerializer(serializers.Serializer):
    name = serializers.CharField(source="board_sign_off_name")
    role = serializers.CharField(source="board_sign_off_role")
    meeting_date = serializers.DateField(source="board_meeting_date", allow_null=True)
    minute_reference = serializers.CharField(source="board_minute_reference")


class AssessmentSerializer(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.name", read_only=True, help_text="e.g. 2025/26.")
    cycle_slug = serializers.CharField(source="cycle.slug", read_only=True, help_text="e.g. 2025-26.")
    framework = serializers.CharField(source="cycle.framework.version", read_only=True)
    organisation = serializers.CharField(source="organisation.ods_code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    kind = serializers.CharField(source="organisation.kind", read_only=True)
    ics = serializers.CharField(
        source="organisation.ics.icb_ods_code", read_only=True, help_text="ICB ODS code of the ICS."
    )
    region = serializers.CharField(source="organisation.ics.region.ods_code", read_only=True)
    care_settings = serializers.ListField(
        source="organisation.care_settings", child=serializers.CharField(), read_only=True, help_text="Main first."
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    validated_at = serializers.SerializerMethodField(help_text="When a reviewer validated it, once validated.")
    editing_deadline = serializers.DateField(read_only=True, help_text="The last day answers can be changed.")
    sign_off = serializers.SerializerMethodField(help_text="The board sign-off, once signed off.")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "cycle",
            "cycle_slug",
            "framework",
            "organisation",
            "organisation_name",
            "kind",
            "ics",
            "region",
            "care_settings",
            "status",
            "status_label",
            "submitted_at",
            "validated_at",
            "editing_deadline",
            "extension_until",
            "sign_off",
            "updated_at",
            "links",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_validated_at(self, assessment: Assessment) -> Any:
        if assessment.status not in selectors.VALIDATED_OR_LATER:
            return None
        return serializers.DateTimeField().to_representation(getattr(assessment, "validated_at", None))

    @extend_schema_field(SignOffSerializer(allow_null=True))
    def get_sign_off(self, assessment: Assessment) -> dict[str, Any] | None:
        if not assessment.board_sign_off_name:
            return None
        return SignOffSerializer(assessment).data

    @extend_schema_field(
        {"type": "object", "properties": {link: {"type": "string", "format": "uri"} for link in LINKS}}
    )
    def get_links(self, assessment: Assessment) -> dict[str, str]:
        request = self.context["request"]
        args = assessment_args(assessment)
        return {link: request.build_absolute_uri(reverse(name, kwargs=args)) for link, name in LINKS.items()}


class AssessmentFilter(django_filters.FilterSet):
    cycle = django_filters.CharFilter(
        method="filter_cycle", label="Cycle", help_text="The cycle's slug or name, e.g. 2025-26 or 2025/26."
    )
    organisation = django_filters.CharFilter(field_name="organisation__ods_code", label="Organisation ODS code")
    ics = django_filters.CharFilter(field_name="organisation__ics__icb_ods_code", label="ICB ODS code of the ICS")
    region = django_filters.CharFilter(field_name="organisation__ics__region__ods_code", label="Region ODS code")
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices)
    care_setting = django_filters.ChoiceFilter(
        choices=CareSetting.choices, method="filter_care_setting", label="Any of the organisation's care settings"
    )
    main_care_setting = django_filters.ChoiceFilter(
        field_name="organisation__care_settings__0", choices=CareSetting.choices, label="Main care setting"
    )

    class Meta:
        model = Assessment
        fields = ["cycle", "organisation", "ics", "region", "status", "care_setting", "main_care_setting"]

    def filter_cycle(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(cycle__name=value.replace("-", "/"))

    def filter_care_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(any_care_setting_q(value, prefix="organisation__"))


class AssessmentList(generics.ListAPIView):
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    pagination_class = ApiPagination

    @extend_schema(
        summary="Assessments",
        description="The assessments the caller may see, newest cycle first, then by ODS code: their own "
        "organisation's (drafts included), their ICS's (drafts only for its reviewers), or every one for national "
        "staff.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Assessment]:
        # (cycle, organisation) is unique, so this order is total and pages never overlap.
        visible = selectors.assessments_visible_to(self.request.user)
        return selectors.with_validated_at(visible).order_by("-cycle__name", "organisation__ods_code")


class AssessmentDetail(generics.RetrieveAPIView):
    serializer_class = AssessmentSerializer

    @extend_schema(
        summary="One assessment",
        description="Another organisation's assessment, or a draft the caller may not see, is a 404.",
        parameters=ASSESSMENT_PARAMETERS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self) -> Assessment:
        found = assessment_or_404(self.request, self.kwargs["cycle_slug"], self.kwargs["ods_code"])
        return selectors.with_validated_at(Assessment.objects.filter(pk=found.pk)).select_related(
            "cycle__framework", "organisation__ics__region"
        )[0]
