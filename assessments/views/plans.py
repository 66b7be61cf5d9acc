"""The improvement plan pages: the plan, its targets and actions, sign-off and reopening. Thin:
look up through the plan selectors (another organisation's plan is a plain 404 unless the person
is its ICS or national staff), ask the access module, call one plan service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from assessments import plan_selectors
from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.plans import ActionForm, ReopenForm, TargetForm, VersionForm
from assessments.models import Assessment, DomainResponse, ImprovementPlan, PlanAction
from assessments.rules.plans import unmet_criteria
from assessments.selectors import action_owners
from assessments.services import plans as services
from assessments.views import form_status, require
from framework.selectors import domain_criteria, domain_outline, version_read_with_page
from organisations.access import may


def _plan_or_404(request: HttpRequest, cycle_slug: str, ods_code: str) -> ImprovementPlan:
    assessment = get_object_or_404(
        plan_selectors.assessments_with_visible_plans(request.user),
        cycle__name=cycle_slug.replace("-", "/"),
        organisation__ods_code=ods_code,
    )
    version_read_with_page(assessment.cycle.framework)
    plan = plan_selectors.plan_of(assessment)
    require(request.user, AssessmentAction.PLAN_VIEW, plan)
    return plan


def _args(assessment: Assessment) -> tuple[str, str]:
    return assessment.cycle.slug, assessment.organisation.ods_code


def _to_plan(assessment: Assessment) -> HttpResponse:
    return redirect("assessments:plan", *_args(assessment))


def _conflict(form: Any, exc: services.PlanConflict) -> None:
    form.add_error(None, str(exc))
    # The next save is made against the plan as it is now; what the person typed stays on the form.
    form.data = form.data.copy()
    form.data["version"] = str(exc.plan.version)


def _version(form: Any) -> int | None:
    return form.cleaned_data.get("version")


def _base(plan: ImprovementPlan) -> dict[str, Any]:
    return {"assessment": plan.assessment, "plan": plan, "args": _args(plan.assessment)}


def plan(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    found = _plan_or_404(request, cycle_slug, ods_code)
    user = request.user
    return render(
        request,
        "assessments/plans/plan.html",
        {
            **_base(found),
            "measures": plan_selectors.plan_by_measure(found),
            "earlier": plan_selectors.earlier_targets(found.assessment),
            "can_edit": may(user, AssessmentAction.PLAN_EDIT, found),
            "can_sign_off": may(user, AssessmentAction.PLAN_SIGN_OFF, found),
            "can_reopen": may(user, AssessmentAction.PLAN_REOPEN, found),
        },
    )


def _responses(assessment: Assessment) -> list[DomainResponse]:
    return list(
        DomainResponse.objects.filter(assessment=assessment)
        .select_related("domain__framework", "domain__measure")
        .order_by("domain__measure__position", "domain__position")
    )


def _criteria_needed(response: DomainResponse | None, level: Any) -> list[tuple[str, str]]:
    """The unmet criteria a chosen level needs, for the page to show before anything is saved."""
    try:
        level = int(level)
    except (TypeError, ValueError):
        return []
    if response is None:
        return []
    texts = {c.key: c.text for lvl in domain_outline(response.domain, response.domain.framework) for c in lvl.criteria}
    keys = unmet_criteria(domain_criteria(response.domain, response.domain.framework), response.met_criteria, level)
    return [(key, texts.get(key, key)) for key in keys]


@require_http_methods(["GET", "POST"])
def target(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str | None = None) -> HttpResponse:
    """Add a target (`domain_key` None, the domain chosen on the page or from ?domain=) or change one."""
    found = _plan_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.PLAN_EDIT, found)
    assessment = found.assessment
    responses = _responses(assessment)
    by_key = {r.domain.key: r for r in responses}
    existing = None
    if domain_key is not None:
        existing = plan_selectors.plan_target(found, domain_key)
        if existing is None:
            raise Http404("No such target")
    domains = [(r.domain.key, f"{r.domain.measure.name}: {r.domain.name}") for r in responses]
    if request.method == "POST":
        form = TargetForm(request.POST, domains=domains)
        if existing is not None:
            form.data = form.data.copy()
            form.data["domain"] = existing.domain_key
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("remove") and existing is not None:
                    services.plan_target_remove(target=existing, version=_version(form), actor=request.user)
                    messages.success(request, f"Target for {existing.domain.name} removed from the plan")
                    return _to_plan(assessment)
                saved = services.plan_target_save(
                    assessment=assessment,
                    domain_key=data["domain"],
                    target_level=data["target_level"],
                    target_date=data["target_date"],
                    version=_version(form),
                    actor=request.user,
                )
            except services.PlanConflict as exc:
                _conflict(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Target saved: {saved.domain.name}, level {saved.target_level}")
                return _to_plan(assessment)
    else:
        initial: dict[str, Any] = {"version": found.version}
        if existing is not None:
            initial.update(
                domain=existing.domain_key, target_level=str(existing.target_level), target_date=existing.target_date
            )
        elif request.GET.get("domain") in by_key:
            initial["domain"] = request.GET["domain"]
        form = TargetForm(initial=initial, domains=domains)
    chosen = by_key.get(str(form["domain"].value() or ""))
    current = chosen.answered_level if chosen else None
    # Until a level is chosen, what the next level needs: the first step is usually the target.
    level = form["target_level"].value() or (current or 0) + 1
    return render(
        request,
        "assessments/plans/target.html",
        {
            **_base(found),
            "form": form,
            "existing": existing,
            "chosen": chosen,
            "current": current,
            "needed": _criteria_needed(chosen, level),
            "needed_level": level,
        },
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def action(
    request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str, action_id: int | None = None
) -> HttpResponse:
    found = _plan_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.PLAN_EDIT, found)
    assessment = found.assessment
    owning = plan_selectors.plan_target(found, domain_key)
    if owning is None:
        raise Http404("No such target")
    existing = None
    if action_id is not None:
        existing = plan_selectors.plan_action(owning, action_id)
        if existing is None:
            raise Http404("No such action")
    owners = action_owners(assessment.organisation)
    if request.method == "POST":
        form = ActionForm(request.POST, owners=owners)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.plan_action_save(
                    target=owning,
                    action=existing,
                    description=data["description"],
                    owner=data["owner"],
                    due_date=data["due_date"],
                    status=data["status"],
                    dropped_reason=data["dropped_reason"],
                    version=_version(form),
                    actor=request.user,
                )
            except services.PlanConflict as exc:
                _conflict(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Action saved for {owning.domain.name}")
                return _to_plan(assessment)
    else:
        initial: dict[str, Any] = {"version": found.version, "status": PlanAction.Status.NOT_STARTED}
        if existing is not None:
            initial.update(
                description=existing.description,
                owner=str(existing.owner_id or ""),
                due_date=existing.due_date,
                status=existing.status,
                dropped_reason=existing.dropped_reason,
            )
        form = ActionForm(initial=initial, owners=owners)
    return render(
        request,
        "assessments/plans/action.html",
        {**_base(found), "form": form, "target": owning, "existing": existing},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def sign_off(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    found = _plan_or_404(request, cycle_slug, ods_code)
    if found.is_signed_off:
        messages.info(request, "This plan has already been signed off")
        return _to_plan(found.assessment)
    require(request.user, AssessmentAction.PLAN_SIGN_OFF, found)
    form = VersionForm(request.POST if request.method == "POST" else None, initial={"version": found.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_sign_off(plan=found, version=_version(form), actor=request.user)
        except services.PlanConflict as exc:
            _conflict(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Improvement plan signed off")
            return _to_plan(found.assessment)
    return render(
        request,
        "assessments/plans/sign_off.html",
        {**_base(found), "form": form, "measures": plan_selectors.plan_by_measure(found)},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def reopen(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    found = _plan_or_404(request, cycle_slug, ods_code)
    if not found.is_signed_off:
        raise PermissionDenied
    require(request.user, AssessmentAction.PLAN_REOPEN, found)
    form = ReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.plan_reopen(plan=found, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Improvement plan reopened: it needs signing off again")
        return _to_plan(found.assessment)
    return render(request, "assessments/plans/reopen.html", {**_base(found), "form": form}, status=form_status(form))
