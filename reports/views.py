"""Board report pages. Thin: look up through the scoped selectors (another organisation's
assessment or report is a plain 404), ask the access module, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from assessments.presenters import assessment_url_args
from assessments.rules.dates import long_datetime
from assessments.views import assessment_or_404, private_download, require
from organisations.access import may
from reports import selectors, services
from reports.access import ReportAction
from reports.models import BoardReport

STATUS_TAGS = {
    BoardReport.Status.QUEUED: {"text": "Queued", "colour": "grey"},
    BoardReport.Status.RENDERING: {"text": "Rendering", "colour": "blue"},
    BoardReport.Status.READY: {"text": "Ready", "colour": "green"},
    BoardReport.Status.FAILED: {"text": "Failed", "colour": "red"},
}


@require_safe
def status(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, ReportAction.DOWNLOAD_REPORT, assessment)
    reports = list(selectors.reports_of(assessment))
    return render(
        request,
        "reports/status.html",
        {
            "assessment": assessment,
            "args": assessment_url_args(assessment),
            "reports": [
                (
                    report,
                    STATUS_TAGS[report.status],
                    long_datetime(report.requested_at) or None,
                    long_datetime(report.finished_at) or None,
                )
                for report in reports
            ],
            "versions": len(reports),
            "pending": any(report.is_pending for report in reports),
            "can_request": may(request.user, ReportAction.REQUEST_REPORT, assessment),
            "submitted": assessment.status in assessment.SUBMITTED_OR_LATER,
        },
    )


@require_POST
def request_report(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, ReportAction.REQUEST_REPORT, assessment)
    try:
        services.report_request(assessment=assessment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your board report has been requested. It is usually ready within a minute.")
    return redirect("reports:status", *assessment_url_args(assessment))


@require_POST
def retry(request: HttpRequest, cycle_slug: str, ods_code: str, report_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    report = get_object_or_404(selectors.reports_of(assessment), pk=report_id)
    require(request.user, ReportAction.REQUEST_REPORT, assessment)
    try:
        services.report_retry(report=report, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Report {report.pk} is being produced again.")
    return redirect("reports:status", *assessment_url_args(assessment))


@require_safe
def download(request: HttpRequest, cycle_slug: str, ods_code: str, report_id: int) -> FileResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, ReportAction.DOWNLOAD_REPORT, assessment)
    report = get_object_or_404(selectors.reports_of(assessment), pk=report_id, status=BoardReport.Status.READY)
    if not report.file:
        raise Http404
    name = f"board-report-{slugify(assessment.organisation.ods_code)}-{assessment.cycle.slug}-{report.pk}.pdf"
    return private_download(
        FileResponse(report.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf")
    )
