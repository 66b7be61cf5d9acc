"""An assessment's scores, to whoever a page shows them: the assessment's own page shows its
current score, once submitted and scored, to everyone who may see the assessment (its
organisation, its ICS, national staff); the results page shows it, once published, to everyone
signed in (VIEW_RESULTS through selectors.results_visible_to). Anyone else, and everyone while
scoring is pending, gets a 404. The figures are the current score (selectors.published_figures),
the ones the national files carry."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import selectors
from assessments.api.common import ASSESSMENT_PARAMETERS
from assessments.models import Assessment
from assessments.rules.scoring import SCORING_METHOD_VERSION


class DomainLevelSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField(help_text="0-5.")


class MeasureScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=3, decimal_places=1, help_text="The mean of its domains' levels.")
    domains = DomainLevelSerializer(many=True)


class ScoresSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    organisation = serializers.CharField(help_text="ODS code.")
    status = serializers.CharField()
    overall = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    scoring_method = serializers.CharField(
        source="method_version", help_text="The version of the scoring rules that produced the scores."
    )
    scored_at = serializers.DateTimeField()
    measures = MeasureScoreSerializer(many=True)


class Scores(APIView):
    @extend_schema(
        summary="An assessment's scores",
        description="Overall, per measure and each domain's level, with the scoring method. Visible as the pages "
        "show them: once submitted and scored, to those who may see the assessment (its organisation, its ICS, "
        "national staff); once published, to everyone signed in; otherwise (and while scoring is pending) a 404.",
        parameters=ASSESSMENT_PARAMETERS,
        responses=ScoresSerializer,
        examples=[
            OpenApiExample(
                "Published scores",
                value={
                    "cycle": "2024/25",
                    "organisation": "RAL",
                    "status": "published",
                    "overall": "2.8",
                    "scoring_method": SCORING_METHOD_VERSION,
                    "scored_at": "2024-07-02T10:00:00Z",
                    "measures": [
                        {
                            "key": "well_led",
                            "name": "Well led",
                            "value": "3.0",
                            "domains": [{"key": "strategy", "name": "Digital strategy", "level": 3}],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str) -> Response:
        lookup = {"cycle__name": cycle_slug.replace("-", "/"), "organisation__ods_code": ods_code}
        assessment = (
            selectors.assessments_visible_to(request.user)
            .filter(status__in=Assessment.SUBMITTED_OR_LATER, **lookup)
            .select_related("cycle", "organisation")
            .first()
        ) or get_object_or_404(
            selectors.results_visible_to(request.user).select_related("cycle", "organisation"), **lookup
        )
        figures = selectors.published_figures(assessment)
        if figures is None:
            raise NotFound("Scoring is pending.")
        body = {
            "cycle": assessment.cycle.name,
            "organisation": assessment.organisation.ods_code,
            "status": assessment.status,
            "overall": figures.overall,
            "method_version": figures.method_version,
            "scored_at": figures.scored_at,
            "measures": [
                {"key": m.key, "name": m.name, "value": m.value, "domains": [vars(d) for d in m.domains]}
                for m in figures.measures
            ],
        }
        return Response(ScoresSerializer(body).data)
