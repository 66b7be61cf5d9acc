"""Team working: the assessment lead delegates domains to contributors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments import answers
from assessments.access import AssessmentAction
from assessments.selectors import assessment_task_list, assignable_people
from assessments.views import assessment_or_404, assessment_url_args, require
from assessments.workflow_forms import AssignForm


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
                    answers.responses_assign(
                        assessment=assessment,
                        domain_ids=response_ids,
                        assignee=form.people[assignee_id] if assignee_id is not None else None,
                        actor=request.user,
                    )
        except ValidationError as exc:
            messages_by_key = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for key, errors in messages_by_key.items():
                target = form.field_for_response(failed_group[0]) if key == "assignee" and failed_group else None
                for message in errors:
                    form.add_error(target, message)
        else:
            messages.success(request, "Assignments saved")
            return redirect("assessments:overview", *assessment_url_args(assessment))
    return render(
        request,
        "assessments/workflow/assign.html",
        {"assessment": assessment, "form": form, "people": people},
        status=400 if form.is_bound and form.errors else 200,
    )
