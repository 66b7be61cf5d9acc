"""Workflow pages of one assessment: ready for sign-off and back, board sign-off, the submitted
confirmation, ICS review and extensions. Thin: look up through the scoped selectors, ask the
access module, call one workflow service, render or redirect."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.workflow import ExtensionForm, ReviewForm, SignOffForm
from assessments.models import Assessment
from assessments.rules.dates import long_date
from assessments.services import workflow
from assessments.views import assessment_or_404, form_status, require
from organisations.access import may


def _to_overview(assessment: Assessment) -> HttpResponse:
    return redirect("assessments:overview", *presenters.assessment_url_args(assessment))


@require_POST
def mark_ready(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.MARK_READY, assessment)
    try:
        workflow.assessment_mark_ready(assessment=assessment, actor=request.user)
    except workflow.IncompleteAssessment as exc:
        # The check-your-answers page, listing what is still to do.
        return render(
            request,
            "assessments/questionnaire/check_answers.html",
            {**presenters.check_answers_context(assessment, request.user), "incomplete": exc.incomplete},
            status=400,
        )
    messages.success(request, "Assessment marked as ready for board sign-off")
    return _to_overview(assessment)


@require_POST
def reopen(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.REOPEN, assessment)
    workflow.assessment_reopen(assessment=assessment, actor=request.user)
    messages.success(request, "Assessment reopened: answers can be changed again")
    return _to_overview(assessment)


@require_http_methods(["GET", "POST"])
def sign_off(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    if assessment.status in Assessment.SUBMITTED_OR_LATER:
        # Back, then the sign-off form sent again: say where the assessment is, not a bare 403.
        submitted_on = long_date(assessment.submitted_at)
        messages.info(request, f"This assessment was already signed off and submitted on {submitted_on}.")
        return redirect("assessments:submitted", *presenters.assessment_url_args(assessment))
    require(request.user, AssessmentAction.SIGN_OFF, assessment)
    if request.method == "POST":
        form = SignOffForm(request.POST, cycle_opens_on=assessment.cycle.opens_on)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workflow.assessment_sign_off_and_submit(
                    assessment=assessment,
                    actor=request.user,
                    name=data["name"],
                    role=data["role"],
                    meeting_date=data["meeting_date"],
                    minute_reference=data["minute_reference"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("assessments:submitted", *presenters.assessment_url_args(assessment))
    else:
        form = SignOffForm(
            initial={"name": request.user.get_full_name(), "role": request.user.job_title},
            cycle_opens_on=assessment.cycle.opens_on,
        )
    return render(
        request,
        "assessments/workflow/sign_off.html",
        {
            "assessment": assessment,
            "form": form,
            "args": presenters.assessment_url_args(assessment),
            "progress": selectors.assessment_progress(assessment),
            "deadline": presenters.deadline_text(assessment),
            **presenters.sign_off_context(assessment, selectors.assessment_task_list(assessment)),
        },
        status=form_status(form),
    )


@require_GET
def submitted(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    if assessment.status not in Assessment.SUBMITTED_OR_LATER:
        return _to_overview(assessment)
    return render(request, "assessments/workflow/submitted.html", {"assessment": assessment})


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.REVIEW, assessment)
    unresolved_flags = selectors.unresolved_flag_count(assessment)
    if request.method == "POST":
        form = ReviewForm(request.POST, unresolved_flags=unresolved_flags)
        if form.is_valid():
            comment = form.cleaned_data["comment"]
            validate = form.cleaned_data["decision"] == ReviewForm.VALIDATE
            try:
                if validate:
                    workflow.assessment_validate(assessment=assessment, actor=request.user, comment=comment)
                else:
                    workflow.assessment_return(assessment=assessment, actor=request.user, comment=comment)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    "Assessment validated" if validate else "Assessment returned to the organisation for changes",
                )
                return _to_overview(assessment)
    else:
        form = ReviewForm(unresolved_flags=unresolved_flags)
    evidence_counts = Counter(
        selectors.evidence_visible_to(request.user)
        .filter(response__assessment=assessment)
        .values_list("response_id", flat=True)
    )
    return render(
        request,
        "assessments/workflow/review.html",
        {
            "assessment": assessment,
            "form": form,
            "sections": selectors.assessment_task_list(assessment),
            "progress": selectors.assessment_progress(assessment),
            "evidence_counts": evidence_counts,
            "flags": presenters.stored_flag_rows(assessment, request.user),
            "unresolved_flags": unresolved_flags,
            "flags_checked": selectors.assessment_current_score(assessment) is not None,
            "can_resolve_flags": may(request.user, AssessmentAction.RESOLVE_FLAG, assessment),
        },
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def extension(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.GRANT_EXTENSION, assessment)
    if request.method == "POST":
        form = ExtensionForm(request.POST)
        if form.is_valid():
            until = form.cleaned_data["until"]
            try:
                workflow.assessment_grant_extension(
                    assessment=assessment, actor=request.user, until=until, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Extension granted until {long_date(until)}")
                return _to_overview(assessment)
    else:
        form = ExtensionForm(initial={"until": assessment.extension_until})
    return render(
        request,
        "assessments/workflow/extension.html",
        {"assessment": assessment, "form": form},
        status=form_status(form),
    )
