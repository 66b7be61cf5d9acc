"""The audit trail of one assessment, newest first, in pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.views import assessment_or_404, require
from organisations.pagination import pagination

HISTORY_PAGE_SIZE = 50


@require_GET
def history(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.VIEW_HISTORY, assessment)
    paginator = Paginator(selectors.assessment_history(assessment), HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/workflow/history.html",
        {
            "assessment": assessment,
            "entries": presenters.history_entries(list(page.object_list)),
            "page": page,
            "pagination": pagination(request, paginator, page),
            "deadline": presenters.deadline_text(assessment),
        },
    )
