"""Team working: the assessment lead delegates domains to contributors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.team import AssignForm
from assessments.presenters import assessment_url_args, deadline_text
from assessments.selectors import assessment_task_list, assignable_people
from assessments.services import responses as response_services
from assessments.views import assessment_or_404, form_status, require


@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.ASSIGN, assessment)
    sections = assessment_task_list(assessment)
    people = assignable_people(assessment)
    form = AssignForm(request.POST if request.method == "POST" else None, sections=sections, people=people)
    if request.method == "POST" and form.is_valid():
        groups = form.changes()
        failed_group: list[int] = []
        try:
            # All or nothing: a refusal for one person undoes what was saved for the others
            # (and the e-mails, which are sent only once everything has committed).
            with transaction.atomic():
                for assignee_id, response_ids in groups.items():
                    failed_group = response_ids
                    response_services.responses_assign(
                        assessment=assessment,
                        domain_ids=response_ids,
                        assignee=form.people[assignee_id] if assignee_id is not None else None,
                        actor=request.user,
                    )
        except ValidationError as exc:
            # A refused assignee is shown on the first domain of the group it was refused for.
            target = form.field_for_response(failed_group[0]) if failed_group else None
            add_service_errors(form, exc, fields={"assignee": target, "domains": None} if target else None)
        else:
            messages.success(request, "Assignments saved")
            return redirect("assessments:overview", *assessment_url_args(assessment))
    return render(
        request,
        "assessments/workflow/assign.html",
        {"assessment": assessment, "form": form, "people": people, "deadline": deadline_text(assessment)},
        status=form_status(form),
    )
