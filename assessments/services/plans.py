"""Improvement plans: targets for chosen domains, actions towards them, sign-off and carrying a
plan into the next cycle. Rules are in assessments/rules/plans.py; who may do what is in
assessments/access.py (PLAN_EDIT, PLAN_SIGN_OFF, PLAN_REOPEN).

Every edit names the plan version the person saw: an edit made on a page opened before someone
else's change is refused with PlanConflict (the page keeps what they typed), so nobody overwrites
a colleague's change without seeing it. Each change writes an audit row on the assessment."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, DomainResponse, ImprovementPlan, PlanAction, PlanTarget
from assessments.rules import plans as rules
from assessments.rules.dates import long_date
from assessments.selectors import action_owners
from assessments.services.audit import record
from assessments.services.hooks import AfterCommit
from framework.selectors import domain_criteria
from organisations.access import may

DESCRIPTION_MAX = 2000
# A target years away is not a plan; the framework is reviewed every few years anyway.
LATEST_TARGET_YEARS = 5


class PlanConflict(Exception):
    """The plan changed since the person's page was opened; their change was not made."""

    def __init__(self, plan: ImprovementPlan) -> None:
        super().__init__(
            "Someone else changed this plan while you were editing it. Your change has not been saved: "
            "check the plan as it is now, then save again."
        )
        self.plan = plan


# The plan -> national figures step, without a signal: reports registers a listener in its
# AppConfig.ready() (the aggregate targets are counted from signed-off plans), called once the
# sign-off (or reopening) has committed. Its failure never undoes the sign-off; the sweep catches up.
SignedOffListener = Callable[[int, int], Any]
signed_off = AfterCommit("a plan's sign-off or reopening (cycle, assessment)")


def on_plan_signed_off(name: str, listener: SignedOffListener) -> None:
    """Register `listener(cycle_id, assessment_id)` to run after a plan is signed off or reopened."""
    signed_off.register(name, listener)


def _locked_plan(assessment: Assessment, version: int | None) -> ImprovementPlan:
    """The assessment's plan, made when its first target is added, locked for this change."""
    ImprovementPlan.objects.get_or_create(assessment=assessment)
    plan = ImprovementPlan.objects.select_for_update().get(assessment=assessment)
    plan.assessment = assessment
    if version is not None and plan.version != version:
        raise PlanConflict(plan)
    return plan


def _require(actor: Any, action: str, plan: ImprovementPlan) -> None:
    if not may(actor, action, plan):
        if plan.is_signed_off and action == AssessmentAction.PLAN_EDIT:
            raise PermissionDenied("This plan has been signed off. The assessment lead can reopen it to change it.")
        raise PermissionDenied("You cannot change this plan.")


def _bump(plan: ImprovementPlan) -> None:
    ImprovementPlan.objects.filter(pk=plan.pk).update(version=F("version") + 1, updated_at=timezone.now())
    plan.version += 1


def _target_snapshot(target: PlanTarget) -> dict[str, Any]:
    return {
        "domain": target.domain_key,
        "current_level": target.current_level,
        "target_level": target.target_level,
        "target_date": target.target_date.isoformat(),
    }


def _action_snapshot(action: PlanAction) -> dict[str, Any]:
    return {
        "description": action.description,
        "owner": action.owner.email if action.owner_id else None,
        "due_date": action.due_date.isoformat(),
        "status": action.status,
        "dropped_reason": action.dropped_reason,
    }


def _check_target_date(target_date: datetime.date | None, today: datetime.date) -> None:
    if target_date is None:
        raise ValidationError({"target_date": "Enter the date the target is to be met by"})
    if target_date <= today:
        raise ValidationError({"target_date": "The target date must be in the future"})
    if target_date.year > today.year + LATEST_TARGET_YEARS:
        raise ValidationError({"target_date": f"The target date must be within {LATEST_TARGET_YEARS} years"})


@transaction.atomic
def plan_target_save(
    *,
    assessment: Assessment,
    domain_key: str,
    target_level: int | None,
    target_date: datetime.date | None,
    version: int | None,
    actor: Any,
) -> PlanTarget:
    """Set (add or change) the target for one of the assessment's domains. The current level and
    the unmet criteria come from the organisation's answers for the domain, by the scoring rule."""
    plan = _locked_plan(assessment, version)
    _require(actor, AssessmentAction.PLAN_EDIT, plan)
    response = (
        DomainResponse.objects.filter(assessment=assessment, domain__key=domain_key)
        .select_related("domain__framework")
        .first()
    )
    if response is None:
        raise ValidationError({"domain": "Choose a domain this assessment answers"})
    current = response.answered_level
    problem = rules.target_level_problem(target_level, current)
    if problem:
        raise ValidationError({"target_level": problem})
    _check_target_date(target_date, timezone.localdate())
    criteria = rules.unmet_criteria(
        domain_criteria(response.domain, response.domain.framework), response.met_criteria, target_level
    )
    existing = PlanTarget.objects.filter(plan=plan, domain_key=domain_key).first()
    before = _target_snapshot(existing) if existing else None
    target, _ = PlanTarget.objects.update_or_create(
        plan=plan,
        domain_key=domain_key,
        defaults={
            "domain": response.domain,
            "current_level": current,
            "target_level": target_level,
            "target_date": target_date,
            "criteria": criteria,
        },
    )
    _bump(plan)
    verb = "changed" if existing else "added"
    record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.PLAN_CHANGED,
        domain=response.domain,
        summary=f"Plan target {verb}: {response.domain.name}, level {target_level} by {long_date(target_date)}",
        before=before,
        after=_target_snapshot(target),
    )
    return target


@transaction.atomic
def plan_target_remove(*, target: PlanTarget, version: int | None, actor: Any) -> None:
    assessment = target.plan.assessment
    plan = _locked_plan(assessment, version)
    _require(actor, AssessmentAction.PLAN_EDIT, plan)
    target = PlanTarget.objects.select_related("domain").get(pk=target.pk, plan=plan)
    before = {**_target_snapshot(target), "actions": target.actions.count()}
    target.delete()
    _bump(plan)
    record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.PLAN_CHANGED,
        domain=target.domain,
        summary=f"Plan target removed: {target.domain.name}",
        before=before,
    )


@transaction.atomic
def plan_action_save(
    *,
    target: PlanTarget,
    description: str,
    owner: Any,
    due_date: datetime.date | None,
    status: str,
    dropped_reason: str = "",
    version: int | None,
    actor: Any,
    action: PlanAction | None = None,
) -> PlanAction:
    """Add an action to a target, or change one (`action`)."""
    assessment = target.plan.assessment
    plan = _locked_plan(assessment, version)
    _require(actor, AssessmentAction.PLAN_EDIT, plan)
    target = PlanTarget.objects.select_related("domain").get(pk=target.pk, plan=plan)
    description = (description or "").strip()
    dropped_reason = (dropped_reason or "").strip() if status == PlanAction.Status.DROPPED else ""
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = "Enter what is to be done"
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"The action must be {DESCRIPTION_MAX:,} characters or fewer"
    if owner is not None and not any(person.pk == owner.pk for person in action_owners(assessment.organisation)):
        errors["owner"] = "Choose an owner who has a role at the organisation"
    if due_date is None:
        errors["due_date"] = "Enter the date the action is due"
    if status not in PlanAction.Status.values:
        errors["status"] = "Choose the action's status"
    elif status == PlanAction.Status.DROPPED and not dropped_reason:
        errors["dropped_reason"] = "Enter why the action was dropped"
    if errors:
        raise ValidationError(errors)
    before = None
    if action is None:
        action = PlanAction(target=target)
    else:
        action = PlanAction.objects.select_related("owner").get(pk=action.pk, target=target)
        before = _action_snapshot(action)
    action.description, action.owner, action.due_date = description, owner, due_date
    action.status, action.dropped_reason = status, dropped_reason
    action.save()
    _bump(plan)
    record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.PLAN_CHANGED,
        domain=target.domain,
        summary=f"Plan action {'changed' if before else 'added'} for {target.domain.name}: {description[:120]}",
        before=before,
        after=_action_snapshot(action),
    )
    return action


@transaction.atomic
def plan_sign_off(*, plan: ImprovementPlan, version: int | None, actor: Any) -> ImprovementPlan:
    """The approver signs the plan off: it needs a target and every target an action with an
    owner. A signed-off plan is frozen until the lead reopens it."""
    assessment = plan.assessment
    plan = _locked_plan(assessment, version)
    _require(actor, AssessmentAction.PLAN_SIGN_OFF, plan)
    targets = plan.targets.select_related("domain").prefetch_related("actions")
    problems = rules.sign_off_problems(
        (target.domain.name, [action.owner_id is not None for action in target.actions.all()]) for target in targets
    )
    if problems:
        raise ValidationError(problems)
    plan.status = ImprovementPlan.Status.SIGNED_OFF
    plan.signed_off_by = actor
    plan.signed_off_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["status", "signed_off_by", "signed_off_at", "version", "updated_at"])
    record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.PLAN_SIGNED_OFF,
        summary=f"Improvement plan signed off with {len(targets)} target{'s' if len(targets) != 1 else ''}",
    )
    signed_off.after_commit(assessment.cycle_id, assessment.pk)
    return plan


@transaction.atomic
def plan_reopen(*, plan: ImprovementPlan, actor: Any, reason: str = "") -> ImprovementPlan:
    """The lead reopens a signed-off plan to change it: the sign-off is cleared (and kept in the
    audit trail), so the changed plan needs signing off again."""
    assessment = plan.assessment
    plan = _locked_plan(assessment, None)
    _require(actor, AssessmentAction.PLAN_REOPEN, plan)
    before = {
        "signed_off_by": plan.signed_off_by.email if plan.signed_off_by_id else None,
        "signed_off_at": plan.signed_off_at.isoformat() if plan.signed_off_at else None,
    }
    plan.status = ImprovementPlan.Status.DRAFT
    plan.signed_off_by = None
    plan.signed_off_at = None
    plan.version += 1
    plan.save(update_fields=["status", "signed_off_by", "signed_off_at", "version", "updated_at"])
    record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.PLAN_REOPENED,
        summary="Improvement plan reopened: its sign-off was cleared",
        before=before,
        comment=(reason or "").strip(),
    )
    signed_off.after_commit(assessment.cycle_id, assessment.pk)
    return plan


def plans_carry_forward(
    *, assessments: Iterable[Assessment], criteria: dict[int, Any], from_cycle: str, actor: Any = None
) -> int:
    """Last cycle's plans into the new cycle's assessments (each with `previous` set and its
    answers already carried forward): the targets not yet reached, with their unfinished actions,
    into a draft plan whose targets are recomputed against the new answers. Called by
    `cycle_open` inside its transaction, in a fixed number of queries however many
    organisations. Returns how many plans were carried."""
    by_previous = {a.previous_id: a for a in assessments if a.previous_id}
    if not by_previous:
        return 0
    old_plans = list(
        ImprovementPlan.objects.filter(assessment_id__in=list(by_previous)).prefetch_related(
            Prefetch("targets", queryset=PlanTarget.objects.prefetch_related("actions"))
        )
    )
    if not old_plans:
        return 0
    new_ids = [by_previous[p.assessment_id].pk for p in old_plans]
    responses: dict[int, dict[str, DomainResponse]] = {}
    for response in DomainResponse.objects.filter(assessment_id__in=new_ids).select_related("domain"):
        responses.setdefault(response.assessment_id, {})[response.domain.key] = response
    carried_plans = 0
    for old in old_plans:
        assessment = by_previous[old.assessment_id]
        answered = responses.get(assessment.pk, {})
        facts = [
            rules.TargetFacts(
                t.pk, t.domain_key, t.target_level, [rules.ActionFacts(a.pk, a.status) for a in t.actions.all()]
            )
            for t in old.targets.all()
        ]
        carried = rules.carried_forward(facts, {key: r.level for key, r in answered.items()})
        if not carried:
            continue
        plan = ImprovementPlan.objects.create(assessment=assessment, carried_from=old)
        old_targets = {t.pk: t for t in old.targets.all()}
        old_actions = {a.pk: a for t in old.targets.all() for a in t.actions.all()}
        new_targets = []
        for item in carried:
            old_target = old_targets[item.target.key]
            response = answered[old_target.domain_key]
            new_targets.append(
                PlanTarget(
                    plan=plan,
                    domain=response.domain,
                    domain_key=old_target.domain_key,
                    current_level=response.level,
                    target_level=old_target.target_level,
                    target_date=old_target.target_date,
                    criteria=rules.unmet_criteria(
                        criteria.get(response.domain_id, {}), response.met_criteria, old_target.target_level
                    ),
                    carried_from=old_target,
                )
            )
        PlanTarget.objects.bulk_create(new_targets)
        by_old = {t.carried_from_id: t for t in new_targets}
        PlanAction.objects.bulk_create(
            PlanAction(
                target=by_old[item.target.key],
                description=old_actions[a.key].description,
                owner_id=old_actions[a.key].owner_id,
                due_date=old_actions[a.key].due_date,
                status=old_actions[a.key].status,
                carried_from_id=a.key,
            )
            for item in carried
            for a in item.actions
        )
        record(
            assessment=assessment,
            actor=actor,
            kind=AuditEvent.Kind.PLAN_CHANGED,
            summary=f"Improvement plan carried forward from {from_cycle}"
            f" with {len(new_targets)} target{'s' if len(new_targets) != 1 else ''} not yet met",
        )
        carried_plans += 1
    return carried_plans
