"""Downloading and removing evidence. A download is named from its checked content type, never
from what the uploader called it."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from assessments import presenters, selectors
from assessments.models import Assessment, Evidence
from assessments.rules.evidence import download_name
from assessments.services import evidence as evidence_services
from assessments.views import assessment_or_404, private_download


def _evidence_or_404(request: HttpRequest, assessment: Assessment, evidence_id: int) -> Evidence:
    return get_object_or_404(
        selectors.evidence_visible_to(request.user)
        .filter(response__assessment=assessment)
        .select_related("response__domain"),
        pk=evidence_id,
    )


@require_http_methods(["GET", "HEAD"])
def evidence_download(request: HttpRequest, cycle_slug: str, ods_code: str, evidence_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    evidence = _evidence_or_404(request, assessment, evidence_id)
    if evidence.kind != Evidence.Kind.FILE:
        raise Http404("Links are shown on the domain page")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    result = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(evidence.title, evidence.content_type),
        content_type=evidence.content_type or "application/octet-stream",
    )
    return private_download(result)


@require_POST
def evidence_remove(request: HttpRequest, cycle_slug: str, ods_code: str, evidence_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    evidence = _evidence_or_404(request, assessment, evidence_id)
    evidence_services.evidence_remove(evidence_id=evidence.pk, actor=request.user)
    messages.success(request, f"Evidence removed: {evidence.title}")
    return redirect(presenters.domain_url(assessment, evidence.response.domain.key) + "#evidence")
