"""Checking the answers before sign-off, and what changed since last year."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments import presenters, selectors
from assessments.views import assessment_or_404


@require_safe
def check_answers(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    return render(
        request,
        "assessments/questionnaire/check_answers.html",
        presenters.check_answers_context(assessment, request.user),
    )


@require_safe
def changes(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    rows = selectors.year_on_year(assessment)
    return render(
        request,
        "assessments/questionnaire/changes.html",
        {
            "assessment": assessment,
            "args": presenters.assessment_url_args(assessment),
            "previous": assessment.previous,
            "measures": presenters.year_on_year_sections(assessment, rows),
            "like_for_like": presenters.like_for_like_context(selectors.year_on_year_summary(assessment, rows)),
            "deadline": presenters.deadline_text(assessment),
        },
    )
