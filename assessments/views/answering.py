"""Answering the assessment: the task list, one page per domain, and confirming last year's
answers in one step.

Every page starts from `assessment_or_404` (another organisation's assessment is a plain 404),
asks the access module what the person may do, calls one service and renders. Levels shown are
always computed with the scoring rule from the criteria ticked, never taken from a form.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import peers as peer_selectors
from assessments import plan_selectors, presenters, selectors
from assessments.access import AssessmentAction
from assessments.forms.answers import AnswerForm, DraftAnswerForm, EvidenceForm
from assessments.forms.errors import add_service_errors
from assessments.models import Assessment, DomainResponse, ImprovementPlan
from assessments.rules import scoring
from assessments.rules.dates import long_date
from assessments.rules.evidence import ALLOWED_DESCRIPTION, size_in_words
from assessments.services import evidence as evidence_services
from assessments.services import responses as response_services
from assessments.uploads import upload_too_large
from assessments.views import assessment_or_404, require
from framework.knowledge_selectors import blueprints_for_domain
from framework.selectors import domain_criteria
from organisations.access import may

Status = DomainResponse.Status


@require_safe
def overview(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    user = request.user
    sections = selectors.assessment_task_list(assessment)
    confirmable = presenters.confirmable_counts(sections, user)
    submitted = assessment.status in Assessment.SUBMITTED_OR_LATER
    returned = selectors.latest_return(assessment) if assessment.status == Assessment.Status.RETURNED else None
    return render(
        request,
        "assessments/questionnaire/overview.html",
        {
            "assessment": assessment,
            "args": presenters.assessment_url_args(assessment),
            "status_colour": presenters.ASSESSMENT_STATUS_COLOURS.get(assessment.status),
            "progress": selectors.assessment_progress(assessment, sections),
            "score": selectors.assessment_current_score(assessment),
            "flags": presenters.stored_flag_rows(assessment, user) if submitted else None,
            "can_resolve_flags": may(user, AssessmentAction.RESOLVE_FLAG, assessment),
            "scoring_pending": submitted,
            "sections": [(section, presenters.task_items(section, assessment, user)) for section in sections],
            "people": presenters.people_progress(sections),
            "confirmable": confirmable,
            "confirmable_total": sum(confirmable.values()),
            "read_only_reason": presenters.read_only_reason(assessment),
            "deadline": presenters.deadline_text(assessment),
            "returned": returned,
            "returned_on": long_date(returned.created_at) if returned else None,
            "can": {
                "edit": presenters.may_edit_any(sections, user),
                "assign": may(user, AssessmentAction.ASSIGN, assessment),
                "history": may(user, AssessmentAction.VIEW_HISTORY, assessment),
                "pulse": may(user, AssessmentAction.VIEW_PULSE, assessment),
                "plan": may(user, AssessmentAction.PLAN_VIEW, ImprovementPlan(assessment=assessment)),
                "peers": may(user, AssessmentAction.VIEW_PEERS, assessment),
                "peer_requests": may(user, AssessmentAction.VIEW_PEER_REQUESTS, assessment.organisation),
                "sign_off": may(user, AssessmentAction.SIGN_OFF, assessment),
                "review": may(user, AssessmentAction.REVIEW, assessment),
                "reopen": may(user, AssessmentAction.REOPEN, assessment),
                "mark_ready": may(user, AssessmentAction.MARK_READY, assessment),
            },
        },
    )


def response_or_404(assessment: Assessment, domain_key: str) -> DomainResponse:
    try:
        return selectors.response_for_page(assessment, domain_key)
    except DomainResponse.DoesNotExist:
        raise Http404("No such domain in this assessment") from None


def domain_page(
    request: HttpRequest,
    assessment: Assessment,
    response: DomainResponse,
    *,
    form: AnswerForm | None = None,
    evidence_form: EvidenceForm | None = None,
    conflict: response_services.EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    """The domain page, with the person's own input when a save or an upload was refused."""
    user = request.user
    can_edit = may(user, AssessmentAction.EDIT_RESPONSE, response)
    texts = selectors.criterion_texts(response)
    if can_edit and form is None:
        form = AnswerForm(
            criteria=list(texts.items()),
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
    by_level = domain_criteria(response.domain)  # the version's kept outline (response_for_page)
    level = scoring.domain_level(by_level, chosen)
    next_level, missing = scoring.unmet_for_next_level(by_level, chosen)
    conflict_changes = presenters.describe_changes(conflict.changes, texts, user) if conflict else []
    last_year = presenters.last_year_summary(response, texts)
    polled = selectors.polls_of(response)
    tallies = selectors.poll_tallies(polled)
    plan, plan_target = plan_selectors.plan_for_domain(response)
    # Peers a level ahead, for the organisation's own people: two queries (assessments/peers.py).
    shows_peers = may(user, AssessmentAction.VIEW_PEERS, assessment)
    return render(
        request,
        "assessments/questionnaire/domain.html",
        {
            "assessment": assessment,
            "args": presenters.assessment_url_args(assessment),
            "response": response,
            "domain": response.domain,
            "can_edit": can_edit,
            "read_only_reason": presenters.read_only_reason(assessment),
            "deadline": presenters.deadline_text(assessment),
            "form": form,
            "evidence_form": evidence_form or EvidenceForm(),
            "groups": presenters.criteria_groups(
                response, chosen, last_year["new_keys"] if last_year else set(), tallies=tallies
            ),
            "polled": polled,
            "plan_target": plan_target,
            "can_plan": may(user, AssessmentAction.PLAN_EDIT, plan),
            "met_texts": [text for key, text in texts.items() if key in set(response.met_criteria)],
            "level": level,
            "next_level": next_level if level < scoring.MAX_LEVEL else None,
            "missing": [texts[key] for key in missing if key in texts],
            "last_year": last_year,
            "notes_are_last_years": response.status == Status.CARRIED_FORWARD and bool(response.notes),
            "previous_cycle_name": assessment.previous.cycle.name if assessment.previous_id else None,
            "conflict": conflict,
            "conflict_changes": conflict_changes,
            "conflict_names": sorted({c.actor for c in conflict_changes}),
            "evidence": list(response.evidence.all()),
            "allowed_description": ALLOWED_DESCRIPTION,
            "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            "status_tag": presenters.RESPONSE_STATUS_TAGS.get(response.status),
            "updated_on": long_date(response.updated_at) if response.updated_at else None,
            **_blueprints(user, assessment, response),
            "peers": peer_selectors.domain_peers(response) if shows_peers else None,
            "can_ask_peers": shows_peers and may(user, AssessmentAction.ASK_PEER, assessment.organisation),
        },
        status=status,
    )


def _blueprints(user, assessment: Assessment, response: DomainResponse) -> dict:
    """The knowledge base's entries for the domain at its saved level (one query), and whether
    the person may share their organisation's own story of it."""
    entries = blueprints_for_domain(
        response.domain.key, level=response.level, care_settings=list(assessment.organisation.care_settings)
    )
    return {"blueprints": entries, "can_share": may(user, AssessmentAction.SHARE_KNOWLEDGE, assessment)}


@require_http_methods(["GET", "POST"])
def domain(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    response = response_or_404(assessment, domain_key)
    if request.method != "POST":
        return domain_page(request, assessment, response)
    require(request.user, AssessmentAction.EDIT_RESPONSE, response)
    criteria = list(selectors.criterion_texts(response).items())
    form = AnswerForm(request.POST, criteria=criteria)
    if form.is_valid():
        try:
            _save_answer(request, response, form)
        except response_services.EditConflict as conflict:
            # Keep the person's answer, but start it from the newer version: saving again is then
            # a deliberate choice to replace what the other person saved.
            data = request.POST.copy()
            data["version"] = str(conflict.current.version)
            fresh = response_or_404(assessment, domain_key)
            return domain_page(
                request, assessment, fresh, form=AnswerForm(data, criteria=criteria), conflict=conflict, status=409
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{response.domain.name} saved")
            return redirect(presenters.overview_url(assessment) + f"#{response.domain.measure.key}")
    return domain_page(request, assessment, response, form=form, status=400)


@require_POST
def confirm_carried_forward(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    measure_key = request.POST.get("measure_key", "").strip() or None
    editable = [r for r in assessment.responses.all() if may(request.user, AssessmentAction.EDIT_RESPONSE, r)]
    if not editable:
        raise PermissionDenied
    confirmed = response_services.responses_confirm_carried_forward(
        assessment=assessment, actor=request.user, measure_key=measure_key
    )
    if confirmed:
        messages.success(request, f"{confirmed} answer{'s' if confirmed != 1 else ''} confirmed")
    else:
        messages.info(request, "There were no carried-forward answers for you to confirm")
    return redirect(presenters.overview_url(assessment))


@require_POST
def evidence_add(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    """ "Add evidence" on the domain page. Its button belongs to the answer form, so the ticks and
    notes on the page come too and are saved first, in the same transaction: typed input is never
    lost, and a refused upload changes nothing and re-renders the page with everything typed."""
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    response = response_or_404(assessment, domain_key)
    require(request.user, AssessmentAction.EDIT_RESPONSE, response)
    files = request.FILES  # parsing the body is what finds a file too large
    if upload_too_large(request):
        # The body was not read to its end, so nothing else of it can be trusted or saved either.
        refused = EvidenceForm.refusing(
            f"The selected file must be smaller than {size_in_words(settings.EVIDENCE_MAX_BYTES)}. "
            "Nothing on this page was saved: choose a smaller file and make any other changes again"
        )
        return domain_page(request, assessment, response, evidence_form=refused, status=413)
    form = EvidenceForm(request.POST, files)
    criteria = list(selectors.criterion_texts(response).items())
    answer_form = DraftAnswerForm(request.POST, criteria=criteria) if "version" in request.POST else None
    if not form.is_valid() or (answer_form is not None and not answer_form.is_valid()):
        return domain_page(request, assessment, response, form=answer_form, evidence_form=form, status=400)
    try:
        with transaction.atomic():
            if answer_form is not None and answer_form.differs_from(response):
                _save_draft(request, response, answer_form)
            evidence = _add_evidence(request, response, form)
    except _Refused:  # the errors are on the forms; the transaction rolled back the draft too
        return domain_page(request, assessment, response, form=answer_form, evidence_form=form, status=400)
    except response_services.EditConflict as conflict:
        form.add_error(None, "Your evidence was not added: someone else changed this domain. Add it again.")
        data = request.POST.copy()
        data["version"] = str(conflict.current.version)
        fresh = response_or_404(assessment, domain_key)
        answer = AnswerForm(data, criteria=criteria)
        return domain_page(request, assessment, fresh, form=answer, evidence_form=form, conflict=conflict, status=409)
    messages.success(request, f"Evidence added: {evidence.title}")
    return redirect(presenters.domain_url(assessment, domain_key) + "#evidence")


class _Refused(Exception):
    """A service refused part of a combined save; its errors are on the form concerned."""


def _save_answer(request: HttpRequest, response: DomainResponse, form: AnswerForm) -> DomainResponse:
    return response_services.response_save(
        response_id=response.pk, expected_version=form.cleaned_data["version"], answer=form.answer(), actor=request.user
    )


def _save_draft(request: HttpRequest, response: DomainResponse, answer_form: DraftAnswerForm) -> None:
    try:
        _save_answer(request, response, answer_form)
    except ValidationError as error:
        add_service_errors(answer_form, error)
        raise _Refused from error


def _add_evidence(request: HttpRequest, response: DomainResponse, form: EvidenceForm):
    data = form.cleaned_data
    try:
        if data["evidence_file"]:
            return evidence_services.evidence_add_file(
                response_id=response.pk, upload=data["evidence_file"], title=data["title"], actor=request.user
            )
        return evidence_services.evidence_add_link(
            response_id=response.pk, url=data["url"], title=data["title"], actor=request.user
        )
    except ValidationError as error:
        add_service_errors(form, error)
        raise _Refused from error
