"""Answering the assessment: the task list, one page per domain, evidence, check your answers and
what changed since last year.

Every page starts from `assessment_or_404` (another organisation's assessment is a plain 404),
asks the access module what the person may do, calls one service and renders. Levels shown are
always computed with the scoring rule from the criteria ticked, never taken from a form.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import answers, flag_service, scoring, selectors
from assessments.access import AssessmentAction, is_open_for_editing
from assessments.evidence_files import ALLOWED, ALLOWED_DESCRIPTION
from assessments.flags import EVIDENCE_EXPECTED_FROM_LEVEL
from assessments.forms import AnswerForm, EvidenceForm
from assessments.models import Assessment, AuditEvent, DomainResponse, Evidence, ValidationFlag
from assessments.views import assessment_or_404, assessment_url_args, require
from organisations.access import may

Status = DomainResponse.Status

# How each answer status looks in the task list (NHS task list pattern: a finished task is plain text).
RESPONSE_STATUS_TAGS: dict[str, dict[str, Any] | None] = {
    Status.NOT_STARTED: {"text": "Not started", "colour": "white"},
    Status.IN_PROGRESS: {"text": "In progress"},
    Status.COMPLETED: None,
    Status.CARRIED_FORWARD: {"text": "Carried forward – needs review", "colour": "yellow"},
}
ASSESSMENT_STATUS_COLOURS = {
    Assessment.Status.DRAFT: "white",
    Assessment.Status.READY: "blue",
    Assessment.Status.SUBMITTED: "purple",
    Assessment.Status.RETURNED: "red",
    Assessment.Status.VALIDATED: "green",
    Assessment.Status.PROVISIONAL: "aqua-green",
    Assessment.Status.PUBLISHED: "green",
}


def _overview_url(assessment: Assessment) -> str:
    return reverse("assessments:overview", args=assessment_url_args(assessment))


def _domain_url(assessment: Assessment, domain_key: str) -> str:
    return reverse("assessments:domain", args=[*assessment_url_args(assessment), domain_key])


def _person(user: Any, viewer: Any) -> str:
    if user is None:
        return "Someone"
    return "you" if user.pk == getattr(viewer, "pk", None) else str(user)


def _day(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def read_only_reason(assessment: Assessment) -> str | None:
    """Why nobody can change the answers now, in words; None while they can."""
    if is_open_for_editing(assessment):
        return None
    status = assessment.status
    if status == Assessment.Status.READY:
        return (
            "This assessment is ready for board sign-off, so its answers cannot be changed. "
            "The assessment lead can reopen it for changes."
        )
    if status == Assessment.Status.SUBMITTED:
        return (
            "This assessment has been signed off and submitted for ICS review, so its answers cannot be changed. "
            "If the ICS returns it for changes, it can be edited again."
        )
    if status == Assessment.Status.VALIDATED:
        return "This assessment has been validated by the ICS, so its answers can no longer be changed."
    if status in (Assessment.Status.PROVISIONAL, Assessment.Status.PUBLISHED):
        return "The results of this assessment have been published, so its answers can no longer be changed."
    deadline = max(filter(None, [assessment.cycle.closes_on, assessment.extension_until]))
    return (
        f"The closing date for this assessment, {deadline.day} {deadline:%B %Y}, has passed, so its answers "
        "can no longer be changed. National staff can grant an extension."
    )


# 1. The task list


@require_safe
def overview(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    user = request.user
    sections = selectors.assessment_task_list(assessment)
    confirmable: dict[str, int] = {}
    for section in sections:
        count = sum(
            r.status == Status.CARRIED_FORWARD and may(user, AssessmentAction.EDIT_RESPONSE, r)
            for r in section.responses
        )
        if count:
            confirmable[section.measure.key] = count
    returned_comment = None
    if assessment.status == Assessment.Status.RETURNED:
        returned_comment = (
            AuditEvent.objects.filter(
                assessment=assessment, kind=AuditEvent.Kind.TRANSITION, after__status=Assessment.Status.RETURNED
            )
            .select_related("actor")
            .order_by("-created_at", "-pk")
            .first()
        )
    return render(
        request,
        "assessments/questionnaire/overview.html",
        {
            "assessment": assessment,
            "args": assessment_url_args(assessment),
            "status_colour": ASSESSMENT_STATUS_COLOURS.get(assessment.status),
            "progress": selectors.assessment_progress(assessment),
            "score": selectors.assessment_current_score(assessment),
            "flags": stored_flags(assessment) if assessment.status in Assessment.SUBMITTED_OR_LATER else None,
            "can_resolve_flags": may(user, AssessmentAction.RESOLVE_FLAG, assessment),
            "scoring_pending": assessment.status in Assessment.SUBMITTED_OR_LATER,
            "sections": [(section, _task_items(section, assessment, user)) for section in sections],
            "confirmable": confirmable,
            "confirmable_total": sum(confirmable.values()),
            "read_only_reason": read_only_reason(assessment),
            "returned": returned_comment,
            "returned_on": _day(returned_comment.created_at) if returned_comment else None,
            "can": {
                "assign": may(user, AssessmentAction.ASSIGN, assessment),
                "history": may(user, AssessmentAction.VIEW_HISTORY, assessment),
                "sign_off": may(user, AssessmentAction.SIGN_OFF, assessment),
                "review": may(user, AssessmentAction.REVIEW, assessment),
                "reopen": may(user, AssessmentAction.REOPEN, assessment),
                "mark_ready": may(user, AssessmentAction.MARK_READY, assessment),
            },
        },
    )


def stored_flags(assessment: Assessment) -> list[dict[str, Any]]:
    """The stored validation flags of a submitted assessment, ready for the overview and review pages."""
    return [
        {
            "flag": flag,
            "href": _domain_url(assessment, flag.domain.key) if flag.domain_id else None,
            "resolved_on": _day(flag.resolved_at) if flag.resolved_at else None,
        }
        for flag in flag_service.assessment_flags(assessment)
    ]


def _task_items(section: selectors.MeasureSection, assessment: Assessment, user: Any) -> list[dict[str, Any]]:
    items = []
    for response in section.responses:
        tag = RESPONSE_STATUS_TAGS.get(response.status)
        hint = None
        if response.assignee_id:
            hint = "Assigned to you" if response.assignee_id == user.pk else f"Assigned to {response.assignee}"
        items.append(
            {
                "heading": {"text": response.domain.name},
                "href": _domain_url(assessment, response.domain.key),
                "hint": {"text": hint} if hint else None,
                "status": {"tag": tag} if tag else {"text": response.get_status_display()},
            }
        )
    return items


# 2. One domain


@dataclass
class ChangeByOther:
    """One save someone else made while this person was editing, in words."""

    actor: str
    when: str
    ticked: list[str] = field(default_factory=list)
    unticked: list[str] = field(default_factory=list)
    level: tuple[int, int] | None = None
    notes_changed: bool = False
    status: str | None = None
    summary: str = ""


def describe_changes(events: list[AuditEvent], texts: dict[str, str], viewer: Any) -> list[ChangeByOther]:
    described = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        old, new = set(before.get("met_criteria") or []), set(after.get("met_criteria") or [])
        when = timezone.localtime(event.created_at)
        status = after.get("status")
        described.append(
            ChangeByOther(
                actor=_person(event.actor, viewer),
                when=f"{when.day} {when:%B %Y} at {when:%H:%M}",
                ticked=[texts.get(key, key) for key in texts if key in new - old]
                + sorted(key for key in new - old if key not in texts),
                unticked=[texts.get(key, key) for key in texts if key in old - new]
                + sorted(key for key in old - new if key not in texts),
                level=(before.get("level"), after.get("level")) if before.get("level") != after.get("level") else None,
                notes_changed=before.get("notes") != after.get("notes"),
                status=Status(status).label if status in Status.values and status != before.get("status") else None,
                summary=event.summary,
            )
        )
    return described


def _criteria_groups(response: DomainResponse, chosen: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "number": level.number,
            "name": level.name,
            "items": [{"value": c.key, "text": c.text, "checked": c.key in chosen} for c in level.criteria.all()],
        }
        for level in response.domain.levels.all()
    ]


def predecessor_names(domain: Any, previous: list[DomainResponse]) -> list[str]:
    """Last year's domain names when this one was renamed, split off or merged; empty when it is the same."""
    return [p.domain.name for p in previous if p.domain.key != domain.key or p.domain.name != domain.name]


def _last_year(response: DomainResponse, texts: dict[str, str]) -> dict[str, Any] | None:
    previous = selectors.previous_responses(response)
    if not previous:
        return None
    before = {key for p in previous for key in p.met_criteria}
    now = set(response.met_criteria)
    return {
        "cycle": response.assessment.previous.cycle.name,
        "level": max(p.level for p in previous),
        "newly_met": [text for key, text in texts.items() if key in now - before],
        # Only this domain's criteria: a split domain no longer asks what its other half does.
        "no_longer_met": [text for key, text in texts.items() if key in before - now],
        "predecessors": predecessor_names(response.domain, previous),
    }


def _domain_page(
    request: HttpRequest,
    assessment: Assessment,
    response: DomainResponse,
    *,
    form: AnswerForm | None = None,
    evidence_form: EvidenceForm | None = None,
    conflict: answers.EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_edit = may(user, AssessmentAction.EDIT_RESPONSE, response)
    texts = selectors.criterion_texts(response)
    criteria = [(key, text) for key, text in texts.items()]
    if can_edit and form is None:
        form = AnswerForm(
            criteria=criteria,
            initial={
                "met_criteria": list(response.met_criteria),
                "notes": response.notes,
                "complete": {Status.COMPLETED: "yes", Status.IN_PROGRESS: "no"}.get(response.status),
                "version": response.version,
            },
        )
    if form is not None and form.is_bound:
        chosen = {key for key in form.data.getlist("met_criteria") if key in texts}
    else:
        chosen = set(response.met_criteria)
    by_level = selectors.criteria_by_level(response)
    level = scoring.domain_level(by_level, chosen)
    next_level, missing = scoring.unmet_for_next_level(by_level, chosen)
    conflict_changes = describe_changes(conflict.changes, texts, user) if conflict else []
    return render(
        request,
        "assessments/questionnaire/domain.html",
        {
            "assessment": assessment,
            "args": assessment_url_args(assessment),
            "response": response,
            "domain": response.domain,
            "can_edit": can_edit,
            "read_only_reason": read_only_reason(assessment),
            "form": form,
            "evidence_form": evidence_form or EvidenceForm(),
            "groups": _criteria_groups(response, chosen),
            "met_texts": [text for key, text in texts.items() if key in set(response.met_criteria)],
            "level": level,
            "next_level": next_level if level < scoring.MAX_LEVEL else None,
            "missing": [texts[key] for key in missing if key in texts],
            "last_year": _last_year(response, texts),
            "previous_cycle_name": assessment.previous.cycle.name if assessment.previous_id else None,
            "conflict": conflict,
            "conflict_changes": conflict_changes,
            "conflict_names": sorted({c.actor for c in conflict_changes}),
            "evidence": list(response.evidence.all()),
            "allowed_description": ALLOWED_DESCRIPTION,
            "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            "status_tag": RESPONSE_STATUS_TAGS.get(response.status),
            "updated_on": _day(response.updated_at) if response.updated_at else None,
        },
        status=status,
    )


def _response_or_404(assessment: Assessment, domain_key: str) -> DomainResponse:
    try:
        return selectors.response_for_page(assessment, domain_key)
    except DomainResponse.DoesNotExist:
        raise Http404("No such domain in this assessment") from None


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
def domain(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    response = _response_or_404(assessment, domain_key)
    if request.method != "POST":
        return _domain_page(request, assessment, response)
    require(request.user, AssessmentAction.EDIT_RESPONSE, response)
    criteria = list(selectors.criterion_texts(response).items())
    form = AnswerForm(request.POST, criteria=criteria)
    if form.is_valid():
        try:
            answers.response_save(
                response_id=response.pk,
                expected_version=form.cleaned_data["version"],
                answer=form.answer(),
                actor=request.user,
            )
        except answers.EditConflict as conflict:
            # Keep the person's answer, but start it from the newer version: saving again is then
            # a deliberate choice to replace what the other person saved.
            data = request.POST.copy()
            data["version"] = str(conflict.current.version)
            fresh = _response_or_404(assessment, domain_key)
            return _domain_page(
                request,
                assessment,
                fresh,
                form=AnswerForm(data, criteria=criteria),
                conflict=conflict,
                status=409,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, f"{response.domain.name} saved")
            return redirect(_overview_url(assessment) + f"#{response.domain.measure.key}")
    return _domain_page(request, assessment, response, form=form, status=400)


@require_POST
def evidence_add(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    response = _response_or_404(assessment, domain_key)
    require(request.user, AssessmentAction.EDIT_RESPONSE, response)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["evidence_file"]:
                evidence = answers.evidence_add_file(
                    response_id=response.pk, upload=data["evidence_file"], title=data["title"], actor=request.user
                )
            else:
                evidence = answers.evidence_add_link(
                    response_id=response.pk, url=data["url"], title=data["title"], actor=request.user
                )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, f"Evidence added: {evidence.title}")
            return redirect(_domain_url(assessment, domain_key) + "#evidence")
    return _domain_page(request, assessment, response, evidence_form=form, status=400)


def _evidence_or_404(request: HttpRequest, assessment: Assessment, evidence_id: int) -> Evidence:
    return get_object_or_404(
        selectors.evidence_visible_to(request.user)
        .filter(response__assessment=assessment)
        .select_related("response__domain"),
        pk=evidence_id,
    )


# The content type decides the extension, so a download can never be named to run as something else.
EXTENSION_FOR_TYPE = {content_type: suffix for suffix, content_type in reversed(list(ALLOWED.items()))}


def download_name(title: str, content_type: str) -> str:
    suffix = EXTENSION_FOR_TYPE.get(content_type, ".bin")
    stem = title
    if PurePath(title).suffix.lower() in ALLOWED:
        stem = title[: -len(PurePath(title).suffix)]
    stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .-")[:100]
    return f"{stem or 'evidence'}{suffix}"


@require_http_methods(["GET", "HEAD"])
def evidence_download(request: HttpRequest, cycle_slug: str, ods_code: str, evidence_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    evidence = _evidence_or_404(request, assessment, evidence_id)
    if evidence.kind != Evidence.Kind.FILE:
        raise Http404("Links are shown on the domain page")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    result = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(evidence.title, evidence.content_type),
        content_type=evidence.content_type or "application/octet-stream",
    )
    result["X-Content-Type-Options"] = "nosniff"
    return result


@require_POST
def evidence_remove(request: HttpRequest, cycle_slug: str, ods_code: str, evidence_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    evidence = _evidence_or_404(request, assessment, evidence_id)
    answers.evidence_remove(evidence_id=evidence.pk, actor=request.user)
    messages.success(request, f"Evidence removed: {evidence.title}")
    return redirect(_domain_url(assessment, evidence.response.domain.key) + "#evidence")


# 3. Check your answers


def check_answers_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    """Everything the check-your-answers page shows; the mark-ready view re-renders it with
    `incomplete` added when the lead tries too early."""
    user = request.user
    sections = selectors.assessment_task_list(assessment)
    responses = [r for s in sections for r in s.responses]
    prefetch_related_objects(responses, "evidence", "domain__criteria")
    last_year = {row.response.pk: row.previous_level for row in selectors.year_on_year(assessment)}
    measures = []
    for section in sections:
        rows = []
        for response in section.responses:
            evidence = list(response.evidence.all())
            rows.append(
                {
                    "response": response,
                    "criteria_total": len(response.domain.criteria.all()),
                    "last_year_level": last_year.get(response.pk),
                    "evidence": evidence,
                    "evidence_missing": not evidence and response.level >= EVIDENCE_EXPECTED_FROM_LEVEL,
                    "can_edit": may(user, AssessmentAction.EDIT_RESPONSE, response),
                }
            )
        measures.append({"measure": section.measure, "rows": rows})
    # Before submission, the answer-based validation flags are shown so they can be put right
    # (or explained) first; after it, the stored flags are on the overview and review pages.
    draft_flags = []
    if assessment.status not in Assessment.SUBMITTED_OR_LATER:
        names = {r.domain.key: r.domain.name for r in responses}
        draft_flags = [
            {
                "flag": flag,
                "label": ValidationFlag.Kind(flag.kind).label,
                "domain_name": names.get(flag.domain_key, flag.domain_key),
                "href": _domain_url(assessment, flag.domain_key),
            }
            for flag in flag_service.draft_flags(assessment)
        ]
    return {
        "assessment": assessment,
        "args": assessment_url_args(assessment),
        "measures": measures,
        "draft_flags": draft_flags,
        "missing": [r for r in responses if not r.is_complete],
        "total": len(responses),
        "has_previous": assessment.previous_id is not None,
        "can_mark_ready": may(user, AssessmentAction.MARK_READY, assessment),
        "read_only_reason": read_only_reason(assessment),
        "evidence_from_level": EVIDENCE_EXPECTED_FROM_LEVEL,
    }


@require_safe
def check_answers(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    return render(request, "assessments/questionnaire/check_answers.html", check_answers_context(request, assessment))


# 4. What changed since last year


@require_safe
def changes(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    measures: list[dict[str, Any]] = []
    if assessment.previous_id:
        for row in selectors.year_on_year(assessment):
            measure = row.response.domain.measure
            if not measures or measures[-1]["measure"].pk != measure.pk:
                measures.append({"measure": measure, "rows": []})
            current = row.response.domain
            measures[-1]["rows"].append(
                {
                    "row": row,
                    "change": _change_text(row.change),
                    "predecessors": predecessor_names(current, row.previous),
                }
            )
    return render(
        request,
        "assessments/questionnaire/changes.html",
        {
            "assessment": assessment,
            "args": assessment_url_args(assessment),
            "previous": assessment.previous,
            "measures": measures,
        },
    )


def _change_text(change: int | None) -> str:
    if change is None:
        return "Not compared"
    if change == 0:
        return "No change"
    return f"+{change}" if change > 0 else f"\u2212{-change}"


# 5. Confirming last year's answers in one step


@require_POST
def confirm_carried_forward(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    measure_key = request.POST.get("measure_key", "").strip() or None
    editable = [r for r in assessment.responses.all() if may(request.user, AssessmentAction.EDIT_RESPONSE, r)]
    if not editable:
        raise PermissionDenied
    confirmed = answers.responses_confirm_carried_forward(
        assessment=assessment, actor=request.user, measure_key=measure_key
    )
    if confirmed:
        messages.success(request, f"{confirmed} answer{'s' if confirmed != 1 else ''} confirmed")
    else:
        messages.info(request, "There were no carried-forward answers for you to confirm")
    return redirect(_overview_url(assessment))
