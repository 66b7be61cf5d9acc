"""An assessment's answers, one per domain (keyed on the domain key), and the two writes the
answering pages allow, through the services they call:

* saving one domain's answer (PUT) with the `version` the client read: a save from an older
  version is refused with a 409 holding the current answer and what changed since, exactly as
  the domain page shows a conflict, so nobody overwrites a colleague's answer silently;
* assigning domains to a contributor or the lead, or taking them back (POST .../assignments/).

Who may do either is the access module's EDIT_RESPONSE and ASSIGN, asked before anything is
read from the body: someone who may see the assessment but not change it gets a 403 and
nothing changes; someone who may not see it gets a 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import selectors
from assessments.access import AssessmentAction
from assessments.api.common import ASSESSMENT_PARAMETERS, DOMAIN, ErrorSerializer, assessment_or_404, refused
from assessments.models import Assessment, DomainResponse, Evidence
from assessments.services import responses as response_services
from organisations.access import may
from organisations.api import Conflict, ProblemSerializer
from organisations.models import User, normalise_email


def _email(user: Any) -> str | None:
    return user.email if user is not None else None


class EvidenceSerializer(serializers.ModelSerializer):
    """What is known about a piece of evidence; never its content (that is downloaded from the
    domain page, by those who may)."""

    file_name = serializers.CharField(source="title", help_text="The title given, or the uploaded file's name.")
    added_by = serializers.SerializerMethodField(help_text="The e-mail address of who added it.")

    class Meta:
        model = Evidence
        fields = ["id", "kind", "file_name", "url", "content_type", "size", "carried_forward", "added_by", "added_at"]
        read_only_fields = fields

    def get_added_by(self, evidence: Evidence) -> str | None:
        return _email(evidence.added_by)


class AnswerSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.key", read_only=True)
    domain_name = serializers.CharField(source="domain.name", read_only=True)
    measure = serializers.CharField(source="domain.measure.key", read_only=True)
    met_criteria = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Keys of the criteria met, in framework order."
    )
    level = serializers.IntegerField(read_only=True, help_text="0-5, worked out from the criteria met.")
    assignee = serializers.SerializerMethodField(help_text="E-mail address of whom the domain is assigned to.")
    updated_by = serializers.SerializerMethodField(help_text="E-mail address of who saved it last.")
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = DomainResponse
        fields = [
            "domain",
            "domain_name",
            "measure",
            "level",
            "met_criteria",
            "notes",
            "status",
            "version",
            "assignee",
            "updated_by",
            "updated_at",
            "evidence",
        ]
        read_only_fields = fields

    def get_assignee(self, response: DomainResponse) -> str | None:
        return _email(response.assignee)

    def get_updated_by(self, response: DomainResponse) -> str | None:
        return _email(response.updated_by)


class AnswerWriteSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="The version the client read (from GET).")
    met_criteria = serializers.ListField(
        child=serializers.CharField(max_length=60), allow_empty=True, help_text="Keys of the criteria met."
    )
    # Required, though it may be blank: a PUT replaces the whole answer, and a client leaving the
    # notes out must not wipe a colleague's notes without meaning to.
    notes = serializers.CharField(allow_blank=True, trim_whitespace=False)
    complete = serializers.BooleanField(help_text="true: completed; false: still in progress.")


class ChangeSerializer(serializers.Serializer):
    by = serializers.CharField(help_text="Who saved, or 'a former user'.")
    at = serializers.DateTimeField()
    version = serializers.IntegerField(source="response_version")
    summary = serializers.CharField()


class ConflictSerializer(ProblemSerializer):
    current = AnswerSerializer(help_text="The answer as it is now.")
    changes = ChangeSerializer(many=True, help_text="What others saved since the version sent.")


class AssignmentSerializer(serializers.Serializer):
    domains = serializers.ListField(child=serializers.CharField(max_length=60), allow_empty=False)
    assignee = serializers.EmailField(
        allow_null=True, help_text="A contributor or lead of the organisation; null takes the domains back."
    )


class AssignedSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="How many of the domains changed hands.")
    answers = AnswerSerializer(many=True)


def _answer_or_404(assessment: Assessment, domain_key: str) -> DomainResponse:
    try:
        return selectors.response_for_page(assessment, domain_key)
    except DomainResponse.DoesNotExist:
        raise Http404("No such domain in this assessment.") from None


def _changes(conflict: response_services.EditConflict) -> list[dict[str, Any]]:
    return [
        {
            "by": str(event.actor) if event.actor_id else "a former user",
            "at": event.created_at,
            "response_version": event.response_version,
            "summary": event.summary,
        }
        for event in conflict.changes
    ]


class AnswerList(APIView):
    @extend_schema(
        summary="An assessment's answers",
        description="One answer per domain the organisation answers, in framework order, with its evidence's "
        "details (never the files).",
        parameters=ASSESSMENT_PARAMETERS,
        responses=AnswerSerializer(many=True),
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str) -> Response:
        assessment = assessment_or_404(request, cycle_slug, ods_code)
        answers = selectors.assessment_answers(assessment)
        return Response(AnswerSerializer(answers, many=True, context={"request": request}).data)


class AnswerDetail(APIView):
    @extend_schema(
        summary="One domain's answer",
        parameters=[*ASSESSMENT_PARAMETERS, DOMAIN],
        responses=AnswerSerializer,
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str, domain_key: str) -> Response:
        assessment = assessment_or_404(request, cycle_slug, ods_code)
        return Response(AnswerSerializer(_answer_or_404(assessment, domain_key)).data)

    @extend_schema(
        summary="Save one domain's answer",
        description="The level is worked out from the criteria met, never sent. Send the `version` read with GET: "
        "if someone saved the domain since, nothing is saved and the answer is a 409 with the current answer "
        "and what changed; send again with its version to replace it deliberately. The lead may save any domain "
        "of an open assessment, a contributor only those assigned to them (otherwise 403).",
        parameters=[*ASSESSMENT_PARAMETERS, DOMAIN],
        request=AnswerWriteSerializer,
        responses={
            200: AnswerSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A field in error (e.g. an unknown criterion)."),
            403: OpenApiResponse(ErrorSerializer, description="The caller may see the answer but not change it."),
            404: OpenApiResponse(ErrorSerializer, description="No such assessment or domain for the caller."),
            409: OpenApiResponse(ConflictSerializer, description="Someone saved the domain since `version`."),
        },
        examples=[
            OpenApiExample(
                "Level 2 reached",
                value={"version": 3, "met_criteria": ["c1a", "c1b", "c2a", "c2b"], "notes": "", "complete": True},
                request_only=True,
            )
        ],
    )
    def put(self, request: Request, cycle_slug: str, ods_code: str, domain_key: str) -> Response:
        assessment = assessment_or_404(request, cycle_slug, ods_code)
        response = _answer_or_404(assessment, domain_key)
        if not may(request.user, AssessmentAction.EDIT_RESPONSE, response):
            raise PermissionDenied("You cannot change this domain.")
        body = AnswerWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            response_services.response_save(
                response_id=response.pk,
                expected_version=data["version"],
                answer=response_services.Answer(data["met_criteria"], data["notes"], data["complete"]),
                actor=request.user,
            )
        except response_services.EditConflict as conflict:
            current = _answer_or_404(assessment, domain_key)
            raise Conflict(
                str(conflict),
                current=AnswerSerializer(current).data,
                changes=ChangeSerializer(_changes(conflict), many=True).data,
            ) from conflict
        except DjangoValidationError as error:
            # A version no save ever had is a client's mistake, not a colleague's save.
            if not hasattr(error, "error_dict"):
                error = DjangoValidationError({"version": error.messages})
            raise refused(error) from error
        return Response(AnswerSerializer(_answer_or_404(assessment, domain_key)).data)


class Assignments(APIView):
    @extend_schema(
        summary="Assign domains",
        description="Assign domains (by key) to a contributor or lead of the organisation (by e-mail address), or "
        "take them back (assignee null). All or nothing: a refusal changes no domain. The assessment lead only, "
        "while the assessment is open (otherwise 403).",
        parameters=ASSESSMENT_PARAMETERS,
        request=AssignmentSerializer,
        responses={
            200: AssignedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="An unknown domain or an assignee who cannot be one."),
            403: OpenApiResponse(ErrorSerializer, description="The caller may see the assessment but not assign."),
            404: OpenApiResponse(ErrorSerializer, description="No such assessment for the caller."),
        },
    )
    def post(self, request: Request, cycle_slug: str, ods_code: str) -> Response:
        assessment = assessment_or_404(request, cycle_slug, ods_code)
        if not may(request.user, AssessmentAction.ASSIGN, assessment):
            raise PermissionDenied("You cannot assign work on this assessment.")
        body = AssignmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        keys = list(dict.fromkeys(body.validated_data["domains"]))
        ids = dict(assessment.responses.filter(domain__key__in=keys).values_list("domain__key", "pk"))
        unknown = [key for key in keys if key not in ids]
        if unknown:
            raise refused(
                DjangoValidationError({"domains": f"No such domains in this assessment: {', '.join(unknown)}"})
            )
        email = body.validated_data["assignee"]
        assignee = None
        if email is not None:
            assignee = User.objects.filter(email=normalise_email(email)).first()
            if assignee is None:
                # The service's own refusal, so nobody learns whether an address has an account.
                raise refused(DjangoValidationError({"assignee": response_services.NOT_ASSIGNABLE}))
        try:
            with transaction.atomic():
                changed = response_services.responses_assign(
                    assessment=assessment, domain_ids=list(ids.values()), assignee=assignee, actor=request.user
                )
        except DjangoValidationError as error:
            raise refused(error) from error
        answers = selectors.assessment_answers(assessment).filter(domain__key__in=keys)
        return Response({"changed": changed, "answers": AnswerSerializer(answers, many=True).data})
