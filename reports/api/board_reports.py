"""An assessment's board reports: every version with its status, a new one asked for (POST), and
a ready one's PDF. As the report pages: the assessment through the scoped selector (another
organisation's is a 404), then the report rules (reports.access: DOWNLOAD_REPORT to see and
download, REQUEST_REPORT to ask, so a draft's report is a 403) and the one service the page
calls (reports.services.report_request), whose refusals (not scored yet, one already on its
way, the newest already up to date, too many requests) are a 409 saying why."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.common import ASSESSMENT_PARAMETERS, ErrorSerializer, assessment_args, assessment_or_404
from assessments.models import Assessment
from organisations.access import may
from organisations.api import Conflict
from reports import selectors, services
from reports.access import ReportAction
from reports.api.files import DOWNLOAD_RENDERERS, file_download
from reports.models import BoardReport

REPORT = OpenApiParameter("report_id", int, OpenApiParameter.PATH, description="The report version's number.")


class BoardReportSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        source="pk", read_only=True, help_text="The version's number, as the report page shows it."
    )
    status = serializers.ChoiceField(
        choices=BoardReport.Status.choices, help_text="queued, rendering (running), ready or failed."
    )
    requested_by = serializers.SerializerMethodField(help_text="E-mail address; null for a regeneration.")
    download = serializers.SerializerMethodField(help_text="The PDF, once ready.")

    class Meta:
        model = BoardReport
        fields = ["id", "status", "requested_by", "requested_at", "started_at", "finished_at", "error", "download"]
        read_only_fields = fields

    def get_requested_by(self, report: BoardReport) -> str | None:
        return report.requested_by.email if report.requested_by_id else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, report: BoardReport) -> str | None:
        if report.status != BoardReport.Status.READY or not report.file:
            return None
        args = {**self.context["args"], "report_id": report.pk}
        return self.context["request"].build_absolute_uri(reverse("api-board-report-download", kwargs=args))


def _readable(request: Request, cycle_slug: str, ods_code: str) -> Assessment:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    if not may(request.user, ReportAction.DOWNLOAD_REPORT, assessment):
        raise PermissionDenied("You cannot see this assessment's board reports.")
    return assessment


def _context(request: Request, assessment: Assessment) -> dict[str, Any]:
    return {"request": request, "args": assessment_args(assessment)}


class BoardReports(APIView):
    @extend_schema(
        summary="An assessment's board reports",
        description="Every version, newest first; earlier versions stay downloadable.",
        parameters=ASSESSMENT_PARAMETERS,
        responses=BoardReportSerializer(many=True),
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str) -> Response:
        assessment = _readable(request, cycle_slug, ods_code)
        reports = selectors.reports_of(assessment).order_by("-requested_at", "-pk")
        return Response(BoardReportSerializer(reports, many=True, context=_context(request, assessment)).data)

    @extend_schema(
        summary="Ask for a new board report",
        description="Queues a new version (202), once the assessment is submitted and scored. Refused with a 409 "
        "saying why when one is already on its way, the newest already shows the current scores, scoring is "
        "pending, or the caller has asked for too many in the last hour.",
        parameters=ASSESSMENT_PARAMETERS,
        request=None,
        responses={
            202: BoardReportSerializer,
            403: OpenApiResponse(ErrorSerializer, description="The caller may see the assessment but not ask."),
            404: OpenApiResponse(ErrorSerializer, description="No such assessment for the caller."),
            409: OpenApiResponse(ErrorSerializer, description="Why no new version was queued."),
        },
    )
    def post(self, request: Request, cycle_slug: str, ods_code: str) -> Response:
        assessment = assessment_or_404(request, cycle_slug, ods_code)
        if not may(request.user, ReportAction.REQUEST_REPORT, assessment):
            raise PermissionDenied("You cannot request a board report for this assessment.")
        try:
            report = services.report_request(assessment=assessment, actor=request.user)
        except ValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        context = _context(request, assessment)
        location = reverse("api-board-report", kwargs={**context["args"], "report_id": report.pk})
        body = BoardReportSerializer(report, context=context).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class BoardReportDetail(APIView):
    @extend_schema(
        summary="One board report version",
        parameters=[*ASSESSMENT_PARAMETERS, REPORT],
        responses=BoardReportSerializer,
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str, report_id: int) -> Response:
        assessment = _readable(request, cycle_slug, ods_code)
        report = get_object_or_404(selectors.reports_of(assessment), pk=report_id)
        return Response(BoardReportSerializer(report, context=_context(request, assessment)).data)


class BoardReportDownload(APIView):
    renderer_classes = DOWNLOAD_RENDERERS

    @extend_schema(
        summary="Download a board report",
        description="The PDF of a ready version (404 until it is ready).",
        parameters=[*ASSESSMENT_PARAMETERS, REPORT],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not ready.")},
    )
    def get(self, request: Request, cycle_slug: str, ods_code: str, report_id: int):
        assessment = _readable(request, cycle_slug, ods_code)
        report = get_object_or_404(selectors.reports_of(assessment), pk=report_id, status=BoardReport.Status.READY)
        if not report.file:
            raise Http404("No file.")
        name = f"board-report-{slugify(assessment.organisation.ods_code)}-{assessment.cycle.slug}-{report.pk}.pdf"
        return file_download(report.file, filename=name, content_type="application/pdf")
