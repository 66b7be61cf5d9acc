"""An assessment's improvement plan, read as the plan page shows it (PLAN_VIEW, through the same
selectors): its status and sign-off, each target with its current and target level, date, the
unmet criteria's keys and its actions. Another organisation's plan is a 404 unless the caller is
its ICS or national staff. Writing stays on the pages for now."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import plan_selectors
from assessments.api.common import ASSESSMENT_PARAMETERS
from assessments.models import ImprovementPlan, PlanAction


class ActionSerializer(serializers.Serializer):
    description = serializers.CharField()
    owner = serializers.CharField(allow_null=True, help_text="The owner's name, or null when none is chosen yet.")
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=PlanAction.Status.choices)
    dropped_reason = serializers.CharField(allow_blank=True)


class TargetSerializer(serializers.Serializer):
    domain = serializers.CharField(help_text="The domain's key.")
    domain_name = serializers.CharField()
    measure = serializers.CharField(help_text="The measure's key.")
    current_level = serializers.IntegerField(allow_null=True, help_text="When the target was set; null: unanswered.")
    target_level = serializers.IntegerField()
    target_date = serializers.DateField()
    criteria = serializers.ListField(child=serializers.CharField(), help_text="Keys of the criteria still to meet.")
    actions = ActionSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    organisation = serializers.CharField(help_text="ODS code.")
    status = serializers.ChoiceField(choices=ImprovementPlan.Status.choices)
    signed_off_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Counts the plan's edits.")
    targets = TargetSerializer(many=True)


class Plan(APIView):
    @extend_schema(
        summary="An assessment's improvement plan",
        description="Its targets and actions, as the plan page shows them: to the organisation's people, its ICS "
        "and national staff (a 404 for anyone else). An assessment with no plan yet has a draft with no targets.",
        parameters=ASSESSMENT_PARAMETERS,
        responses=PlanSerializer,
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str) -> Response:
        assessment = get_object_or_404(
            plan_selectors.assessments_with_visible_plans(request.user),
            cycle__name=cycle_slug.replace("-", "/"),
            organisation__ods_code=ods_code,
        )
        plan = plan_selectors.plan_of(assessment)
        body = {
            "cycle": assessment.cycle.name,
            "organisation": assessment.organisation.ods_code,
            "status": plan.status,
            "signed_off_at": plan.signed_off_at,
            "version": plan.version,
            "targets": [
                {
                    "domain": t.domain_key,
                    "domain_name": t.domain.name,
                    "measure": t.domain.measure.key,
                    "current_level": t.current_level,
                    "target_level": t.target_level,
                    "target_date": t.target_date,
                    "criteria": list(t.criteria),
                    "actions": [
                        {
                            "description": a.description,
                            "owner": (a.owner.get_full_name() or a.owner.email) if a.owner else None,
                            "due_date": a.due_date,
                            "status": a.status,
                            "dropped_reason": a.dropped_reason,
                        }
                        for a in t.actions.all()
                    ],
                }
                for t in plan_selectors.plan_targets(plan)
            ],
        }
        return Response(PlanSerializer(body).data)
