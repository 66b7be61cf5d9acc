"""Workflow pages: the list of assessments, ready for sign-off, board sign-off, ICS review,
history, extensions and publication. Thin: look up through the scoped selectors, ask the access
module, call one workflow service, render or redirect."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import workflow
from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, Cycle, DomainResponse
from assessments.selectors import (
    assessment_current_score,
    assessment_history,
    assessment_progress,
    assessment_task_list,
    assessments_visible_to,
    evidence_visible_to,
)
from assessments.views import assessment_or_404, assessment_url_args, require
from assessments.workflow_forms import ExtensionForm, PublishForm, ReviewForm, SignOffForm
from organisations.access import may

HISTORY_PAGE_SIZE = 50


def _form_status(form: Any) -> int:
    """A form sent back with errors is a 400, so a refused change never looks like a success."""
    return 400 if form.is_bound and form.errors else 200


def _to_overview(assessment: Assessment) -> HttpResponse:
    return redirect("assessments:overview", *assessment_url_args(assessment))


def _map_errors(form: Any, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form fields it names (or above the form)."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.message_dict.items():
        target = fields.get(key, key)
        for message in errors:
            form.add_error(target if target in form.fields else None, message)


def london_date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


def london_datetime(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


# The list of assessments.


@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    cycles = list(Cycle.objects.order_by("-name"))
    wanted = request.GET.get("cycle", "")
    cycle = next((c for c in cycles if c.slug == wanted), cycles[0] if cycles else None)
    status = request.GET.get("status", "")
    if status not in Assessment.Status.values:
        status = ""
    assessments = assessments_visible_to(request.user).filter(cycle=cycle).order_by("organisation__name")
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
            "london_date": london_date,
        },
    )


# Ready for sign-off, and back.


@require_POST
def mark_ready(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.MARK_READY, assessment)
    try:
        workflow.assessment_mark_ready(assessment=assessment, actor=request.user)
    except workflow.IncompleteAssessment as exc:
        # The check-your-answers page, listing what is still to do (owned by the questionnaire pages).
        from assessments.views.questionnaire import check_answers_context

        return render(
            request,
            "assessments/questionnaire/check_answers.html",
            {**check_answers_context(request, assessment), "incomplete": exc.incomplete},
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


# Board sign-off and submission.


def _summary_context(assessment: Assessment) -> dict[str, Any]:
    return {"sections": assessment_task_list(assessment), "progress": assessment_progress(assessment)}


@require_http_methods(["GET", "POST"])
def sign_off(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.SIGN_OFF, assessment)
    if request.method == "POST":
        form = SignOffForm(request.POST)
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
                _map_errors(form, exc)
            else:
                return redirect("assessments:submitted", *assessment_url_args(assessment))
    else:
        form = SignOffForm(initial={"name": request.user.get_full_name(), "role": request.user.job_title})
    return render(
        request,
        "assessments/workflow/sign_off.html",
        {"assessment": assessment, "form": form, **_summary_context(assessment)},
        status=_form_status(form),
    )


@require_GET
def submitted(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    if assessment.status not in Assessment.SUBMITTED_OR_LATER:
        return _to_overview(assessment)
    return render(
        request,
        "assessments/workflow/submitted.html",
        {"assessment": assessment, "london_date": london_date},
    )


# ICS review.


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.REVIEW, assessment)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            comment = form.cleaned_data["comment"]
            validate = form.cleaned_data["decision"] == ReviewForm.VALIDATE
            try:
                if validate:
                    workflow.assessment_validate(assessment=assessment, actor=request.user, comment=comment)
                else:
                    workflow.assessment_return(assessment=assessment, actor=request.user, comment=comment)
            except ValidationError as exc:
                _map_errors(form, exc)
            else:
                messages.success(
                    request,
                    "Assessment validated" if validate else "Assessment returned to the organisation for changes",
                )
                return _to_overview(assessment)
    else:
        form = ReviewForm()
    # The stored validation flags, shown as on the overview (owned by the questionnaire pages).
    from assessments.views.questionnaire import stored_flags

    sections = assessment_task_list(assessment)
    evidence_counts = Counter(
        evidence_visible_to(request.user).filter(response__assessment=assessment).values_list("response_id", flat=True)
    )
    return render(
        request,
        "assessments/workflow/review.html",
        {
            "assessment": assessment,
            "form": form,
            "sections": sections,
            "progress": assessment_progress(assessment),
            "evidence_counts": evidence_counts,
            "london_date": london_date,
            "flags": stored_flags(assessment),
            "flags_checked": assessment_current_score(assessment) is not None,
            "can_resolve_flags": may(request.user, AssessmentAction.RESOLVE_FLAG, assessment),
        },
        status=_form_status(form),
    )


# History.


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    when: str
    actor: str
    changes: list[str]


def _status_label(choices: type, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _describe_changes(event: AuditEvent) -> list[str]:
    """Before and after in words: what a reader of the trail needs, not the raw JSON."""
    before, after = event.before or {}, event.after or {}
    lines: list[str] = []
    if event.kind in (AuditEvent.Kind.ANSWER_SAVED, AuditEvent.Kind.ANSWER_CONFIRMED):
        old, new = set(before.get("met_criteria") or []), set(after.get("met_criteria") or [])
        added, removed = len(new - old), len(old - new)
        lines.append(f"Criteria: {added} added, {removed} removed")
        if before.get("level") != after.get("level"):
            lines.append(f"Level: {before.get('level', 0)} to {after.get('level', 0)}")
        else:
            lines.append(f"Level: unchanged ({after.get('level', 0)})")
        lines.append(f"Notes changed: {'yes' if before.get('notes') != after.get('notes') else 'no'}")
        if before.get("status") != after.get("status"):
            lines.append(
                f"Status: {_status_label(DomainResponse.Status, before.get('status'))} to "
                f"{_status_label(DomainResponse.Status, after.get('status'))}"
            )
    elif event.kind == AuditEvent.Kind.TRANSITION and before.get("status") != after.get("status"):
        lines.append(
            f"Status: {_status_label(Assessment.Status, before.get('status'))} to "
            f"{_status_label(Assessment.Status, after.get('status'))}"
        )
    elif event.kind == AuditEvent.Kind.ASSIGNED:
        lines.append(f"Assignee: {before.get('assignee') or 'nobody'} to {after.get('assignee') or 'nobody'}")
    elif event.kind == AuditEvent.Kind.EXTENSION:
        old, new = before.get("extension_until"), after.get("extension_until")
        old_text = london_date(datetime.date.fromisoformat(old)) if old else "none"
        new_text = london_date(datetime.date.fromisoformat(new)) if new else "none"
        lines.append(f"Extension: {old_text} to {new_text}")
    return lines


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return f"?{urlencode(sorted(query.items()))}"


@require_GET
def history(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.VIEW_HISTORY, assessment)
    paginator = Paginator(assessment_history(assessment), HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = [
        HistoryEntry(
            event=event,
            when=london_datetime(event.created_at),
            actor=str(event.actor) if event.actor_id else "The portal",
            changes=_describe_changes(event),
        )
        for event in page.object_list
    ]
    pagination = None
    if paginator.num_pages > 1:
        pagination = {
            "previous": {"href": _page_url(request, page.previous_page_number())} if page.has_previous() else None,
            "next": {"href": _page_url(request, page.next_page_number())} if page.has_next() else None,
            "items": [
                {"ellipsis": True}
                if number == Paginator.ELLIPSIS
                else {"number": number, "href": _page_url(request, number), "current": number == page.number}
                for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ],
        }
    return render(
        request,
        "assessments/workflow/history.html",
        {"assessment": assessment, "entries": entries, "page": page, "pagination": pagination},
    )


# Extensions.


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
                _map_errors(form, exc)
            else:
                messages.success(request, f"Extension granted until {london_date(until)}")
                return _to_overview(assessment)
    else:
        form = ExtensionForm(initial={"until": assessment.extension_until})
    return render(
        request,
        "assessments/workflow/extension.html",
        {"assessment": assessment, "form": form, "london_date": london_date},
        status=_form_status(form),
    )


# Publication of a cycle.


def _cycle_or_404(cycle_slug: str) -> Cycle:
    # Cycles are not an organisation's data: every signed-in person may know a cycle exists.
    return get_object_or_404(Cycle, name=cycle_slug.replace("-", "/"))


@require_http_methods(["GET", "POST"])
def cycle_publish_view(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    cycle = _cycle_or_404(cycle_slug)
    require(request.user, AssessmentAction.PUBLISH_CYCLE, cycle)
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            final = form.cleaned_data["action"] == PublishForm.FINAL
            try:
                moved = workflow.cycle_publish(cycle=cycle, actor=request.user, final=final)
            except ValidationError as exc:
                _map_errors(form, exc, fields={"release": "action"})
            else:
                noun = "assessment" if moved == 1 else "assessments"
                messages.success(request, f"{moved} {noun} published" + ("" if final else " as a provisional release"))
                return redirect("assessments:publish", cycle.slug)
    else:
        form = PublishForm()
    counts = Counter(assessments_visible_to(request.user).filter(cycle=cycle).values_list("status", flat=True))
    return render(
        request,
        "assessments/workflow/publish.html",
        {
            "cycle": cycle,
            "form": form,
            "counts": [(value, label, counts[value]) for value, label in Assessment.Status.choices],
            "total": sum(counts.values()),
            "validated": counts[Assessment.Status.VALIDATED],
            "provisional": counts[Assessment.Status.PROVISIONAL],
        },
        status=_form_status(form),
    )
