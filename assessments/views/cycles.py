"""The list of a cycle's assessments (publication has its own pages: views/publication.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments import selectors
from assessments.access import AssessmentAction
from assessments.filters import AssessmentFilter
from assessments.models import Assessment
from assessments.views import form_status
from organisations.access import may
from organisations.pagination import page_by_ids, pagination

LIST_PAGE_SIZE = 50
NARROWING = ("status", "q", "region", "ics", "setting")  # the filters besides the cycle


@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    """One cycle's assessments that the user may see (the newest cycle unless another is chosen),
    filtered (assessments/filters.py) and in pages. A filter value that is not one of its choices
    is named in the error summary and left out, so the page still answers with the rest."""
    cycles = selectors.cycle_list()
    filters = AssessmentFilter(
        request.GET, queryset=selectors.assessments_visible_to(request.user), request=request, cycles=cycles
    )
    filters.form.is_valid()  # cleans every field; the invalid ones are left out of cleaned_data
    chosen = filters.form.cleaned_data.get("cycle")
    cycle = next((c for c in cycles if c.slug == chosen), cycles[0] if cycles else None)
    assessments = filters.qs.filter(cycle=cycle) if cycle else Assessment.objects.none()
    paginator, page, rows = page_by_ids(
        request, assessments.order_by("organisation__name", "pk"), LIST_PAGE_SIZE, selectors.assessment_list_rows
    )
    return render(
        request,
        "assessments/workflow/list.html",
        {
            "cycle": cycle,
            "form": filters.form,
            "filtered": any(filters.form.cleaned_data.get(name) for name in NARROWING),
            "assessments": rows,
            "page": page,
            "pagination": pagination(request, paginator, page),
            "can_publish": cycle is not None and may(request.user, AssessmentAction.PUBLISH_CYCLE, cycle),
            "reviews_flags": may(request.user, AssessmentAction.VIEW_FLAG_EVIDENCE),
        },
        status=form_status(filters.form),
    )
