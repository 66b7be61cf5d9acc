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
from assessments.forms.errors import add_service_errors
from assessments.forms.workflow import PublishForm
from assessments.models import Assessment, Cycle
from assessments.services import workflow
from assessments.views import form_status, require
from organisations.access import may


@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    cycles = list(selectors.cycles())
    wanted = request.GET.get("cycle", "")
    cycle = next((c for c in cycles if c.slug == wanted), cycles[0] if cycles else None)
    status = request.GET.get("status", "")
    if status not in Assessment.Status.values:
        status = ""
    assessments = selectors.assessments_visible_to(request.user).filter(cycle=cycle).order_by("organisation__name")
    if status:
        assessments = assessments.filter(status=status)
    return render(
        request,
        "assessments/workflow/list.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "status": status,
            "statuses": Assessment.Status.choices,
            "assessments": list(assessments) if cycle else [],
            "can_publish": cycle is not None and may(request.user, AssessmentAction.PUBLISH_CYCLE, cycle),
            "reviews_flags": may(request.user, AssessmentAction.VIEW_FLAG_EVIDENCE),
        },
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
