"""The audit trail of one assessment, newest first, in pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.views import assessment_or_404, require

HISTORY_PAGE_SIZE = 50


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return f"?{urlencode(sorted(query.items()))}"


def _pagination(request: HttpRequest, paginator: Paginator, page) -> dict | None:
    """The NHS pagination component's items, with ellipses for long trails."""
    if paginator.num_pages <= 1:
        return None
    return {
        "previous": {"href": _page_url(request, page.previous_page_number())} if page.has_previous() else None,
        "next": {"href": _page_url(request, page.next_page_number())} if page.has_next() else None,
        "items": [
            {"ellipsis": True}
            if number == Paginator.ELLIPSIS
            else {"number": number, "href": _page_url(request, number), "current": number == page.number}
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
    }


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
            "pagination": _pagination(request, paginator, page),
            "deadline": presenters.deadline_text(assessment),
        },
    )
