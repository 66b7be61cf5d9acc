"""Read-only API of validation flags, scoped by the same selector as the pages
(selectors.flags_visible_to: another organisation's flag, or a pattern flag to someone who may not
see the evidence behind it, is a 404) and filtered by the same filters as the triage list
(assessments/filters.py). Keyed on cycle names, ODS codes and domain and measure keys: the only
row id in the output is the flag's own."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, viewsets

from assessments import selectors
from assessments.access import AssessmentAction
from assessments.api.common import ASSESSMENT_PARAMETERS, assessment_or_404
from assessments.filters import OPEN, RESOLVED, FlagFilter
from assessments.models import ValidationFlag
from organisations.access import may
from organisations.api import ApiPagination


class FlagResolutionSerializer(serializers.Serializer):
    resolved_at = serializers.DateTimeField()
    resolved_by = serializers.CharField(help_text="The reviewer's name, or 'a former user'.")
    comment = serializers.CharField()


class FlagSerializer(serializers.ModelSerializer):
    cycle = serializers.CharField(source="assessment.cycle.name", read_only=True)
    organisation = serializers.CharField(source="assessment.organisation.ods_code", read_only=True)
    organisation_name = serializers.CharField(source="assessment.organisation.name", read_only=True)
    ics = serializers.CharField(
        source="assessment.organisation.ics.icb_ods_code", read_only=True, help_text="ICB ODS code of the ICS."
    )
    region = serializers.CharField(source="assessment.organisation.ics.region.ods_code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    pattern = serializers.BooleanField(
        source="is_pattern", read_only=True, help_text="Seen only beside other answers or organisations."
    )
    domain = serializers.SerializerMethodField(help_text="The key of the domain the flag is about, if any.")
    measure = serializers.SerializerMethodField(help_text="The key of the measure the flag is about, if any.")
    subject = serializers.SerializerMethodField(help_text="What the flag is about, in words.")
    status = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField(
        help_text="The figures behind the flag; their shape depends on the kind (see assessments/rules)."
    )
    resolution = serializers.SerializerMethodField()

    class Meta:
        model = ValidationFlag
        fields = [
            "id",
            "cycle",
            "organisation",
            "organisation_name",
            "ics",
            "region",
            "kind",
            "kind_label",
            "pattern",
            "severity",
            "domain",
            "measure",
            "subject",
            "explanation",
            "to_clear",
            "details",
            "computed_at",
            "status",
            "resolution",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_domain(self, flag: ValidationFlag) -> str | None:
        return flag.domain.key if flag.domain_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_measure(self, flag: ValidationFlag) -> str | None:
        return flag.measure_key or None

    @extend_schema_field(OpenApiTypes.STR)
    def get_subject(self, flag: ValidationFlag) -> str:
        return selectors.listed_subject(flag)

    @extend_schema_field(serializers.ChoiceField(choices=[OPEN, RESOLVED]))
    def get_status(self, flag: ValidationFlag) -> str:
        return RESOLVED if flag.is_resolved else OPEN

    @extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
    def get_details(self, flag: ValidationFlag) -> dict[str, Any] | None:
        # The queryset holds pattern flags only for those who may see their evidence; asked again
        # here so that no other way of reaching this serializer can show them.
        user = self.context["request"].user
        if flag.is_pattern and not may(user, AssessmentAction.VIEW_FLAG_EVIDENCE, flag.assessment):
            return None
        return flag.details

    @extend_schema_field(FlagResolutionSerializer(allow_null=True))
    def get_resolution(self, flag: ValidationFlag) -> dict[str, Any] | None:
        if not flag.is_resolved:
            return None
        return {
            "resolved_at": serializers.DateTimeField().to_representation(flag.resolved_at),
            "resolved_by": str(flag.resolved_by) if flag.resolved_by_id else "a former user",
            "comment": flag.resolution_comment,
        }


@extend_schema_view(
    list=extend_schema(
        summary="Validation flags",
        description=(
            "The validation flags the caller may see, most pressing first: the answer flags of every "
            "assessment they may see, and pattern flags (which compare an assessment with others) only "
            "for the assessment's reviewers."
        ),
    ),
    retrieve=extend_schema(summary="One validation flag"),
)
class FlagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    pagination_class = ApiPagination

    def get_queryset(self):
        return selectors.flag_listing(selectors.flags_visible_to(self.request.user))


class AssessmentFlagList(generics.ListAPIView):
    """One assessment's flags: the same selector and serializer as the flag list, narrowed to an
    assessment looked up as the pages do (another organisation's is a 404, not an empty list)."""

    serializer_class = FlagSerializer
    filterset_class = None
    pagination_class = ApiPagination

    @extend_schema(
        summary="An assessment's validation flags",
        description="The flags of one assessment that the caller may see, most pressing first (pattern flags only "
        "for its independent reviewers).",
        parameters=ASSESSMENT_PARAMETERS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is being generated
            return ValidationFlag.objects.none()
        assessment = assessment_or_404(self.request, self.kwargs["cycle_slug"], self.kwargs["ods_code"])
        return selectors.flag_listing(selectors.flags_visible_to(self.request.user).filter(assessment=assessment))
