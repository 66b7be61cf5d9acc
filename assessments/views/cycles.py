"""Pages about a whole cycle: the list of assessments and publication of results."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.filters import AssessmentFilter
from assessments.forms.errors import add_service_errors
from assessments.forms.workflow import PublishForm
from assessments.models import Assessment, Cycle
from assessments.services import workflow
from assessments.views import form_status, require
from organisations.access import may
from organisations.pagination import page_by_ids, pagination

LIST_PAGE_SIZE = 50
NARROWING = ("status", "q", "region", "ics", "setting")  # the filters besides the cycle


@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    """One cycle's assessments that the user may see (the newest cycle unless another is chosen),
    filtered (assessments/filters.py) and in pages. A filter value that is not one of its choices
    is named in the error summary and left out, so the page still answers with the rest."""
    cycles = list(selectors.cycles())
    filters = AssessmentFilter(
        request.GET, queryset=selectors.assessments_visible_to(request.user), request=request, cycles=cycles
    )
    filters.form.is_valid()  # cleans every field; the invalid ones are left out of cleaned_data
    chosen = filters.form.cleaned_data.get("cycle")
    cycle = next((c for c in cycles if c.slug == chosen), cycles[0] if cycles else None)
    assessments = filters.qs.filter(cycle=cycle) if cycle else Assessment.objects.none()
    paginator, page, rows = page_by_ids(request, assessments.order_by("organisation__name", "pk"), LIST_PAGE_SIZE)
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


def _cycle_or_404(cycle_slug: str) -> Cycle:
    # Cycles are not an organisation's data: every signed-in person may know a cycle exists.
    return get_object_or_404(selectors.cycles(), name=cycle_slug.replace("-", "/"))


@require_http_methods(["GET", "POST"])
def cycle_publish_view(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    """Offers only the release that can be published now, and publishes it once the person has
    confirmed how many assessments it publishes."""
    cycle = _cycle_or_404(cycle_slug)
    require(request.user, AssessmentAction.PUBLISH_CYCLE, cycle)
    counts = Counter(
        selectors.assessments_visible_to(request.user).filter(cycle=cycle).values_list("status", flat=True)
    )
    choice = presenters.publication(cycle, counts)
    form = PublishForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        action = form.cleaned_data["action"]
        refusal = presenters.publication_refusal(choice, action)
        if refusal:
            form.add_error(None, refusal)
        else:
            final = action == PublishForm.FINAL
            try:
                moved = workflow.cycle_publish(
                    cycle=cycle, actor=request.user, final=final, expected_count=form.cleaned_data["expected"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc, fields={"release": None, "expected": "confirm"})
            else:
                noun = "assessment" if moved == 1 else "assessments"
                messages.success(request, f"{moved} {noun} published" + ("" if final else " as a provisional release"))
                return redirect("assessments:publish", cycle.slug)
    return render(
        request,
        "assessments/workflow/publish.html",
        {
            "cycle": cycle,
            "form": form,
            "choice": choice,
            "counts": [(value, label, counts[value]) for value, label in Assessment.Status.choices],
            "total": sum(counts.values()),
        },
        status=form_status(form),
    )
