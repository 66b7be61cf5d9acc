"""Improvement plan services: targets prefilled from the scoring rule, actions with owners of the
organisation, sign-off and reopening, stale edits refused, and plans carried into the next cycle."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import Assessment, AuditEvent, ImprovementPlan, PlanAction, PlanTarget
from assessments.services import plans
from assessments.services.plans import PlanConflict, plan_action_save, plan_sign_off, plan_target_save
from tests.assessments.conftest import complete_everything, open_next_year

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date.today() + datetime.timedelta(days=300)


def add_target(assessment, actor, domain_key="strategy", level=3, version=None):
    return plan_target_save(
        assessment=assessment,
        domain_key=domain_key,
        target_level=level,
        target_date=NEXT_YEAR,
        version=version,
        actor=actor,
    )


def add_action(target, actor, owner, status="not_started", **more):
    return plan_action_save(
        target=target,
        description=more.pop("description", "Write the digital strategy"),
        owner=owner,
        due_date=NEXT_YEAR,
        status=status,
        version=None,
        actor=actor,
        **more,
    )


def snapshot():
    return (
        list(ImprovementPlan.objects.values_list("pk", "status", "version")),
        list(PlanTarget.objects.values_list("pk", "target_level", "target_date")),
        list(PlanAction.objects.values_list("pk", "status", "description")),
        AuditEvent.objects.count(),
    )


def test_a_target_is_prefilled_with_the_current_level_and_the_criteria_it_needs(assessment, team):
    complete_everything(assessment, team["lead"], level=1)
    strategy = assessment.responses.get(domain__key="strategy")
    strategy.met_criteria = [*strategy.met_criteria, "c3a"]
    strategy.save()

    target = add_target(assessment, team["lead"], level=3)

    assert target.current_level == 1
    assert target.criteria == ["c2a", "c2b", "c3b"]  # level 2 and 3 criteria not met, in order
    assert target.domain.key == "strategy" and target.plan.status == ImprovementPlan.Status.DRAFT
    assert ImprovementPlan.objects.get(assessment=assessment).version == 1
    event = AuditEvent.objects.filter(assessment=assessment, kind=AuditEvent.Kind.PLAN_CHANGED).get()
    assert "Digital strategy, level 3" in event.summary and event.after["target_level"] == 3


def test_an_unanswered_domain_has_no_current_level_and_needs_every_criterion(assessment, team):
    target = add_target(assessment, team["contributor"], level=1)
    assert target.current_level is None and target.criteria == ["c1a", "c1b"]


def test_changing_a_target_keeps_one_per_domain_and_records_before_and_after(assessment, team):
    add_target(assessment, team["lead"], level=2)
    add_target(assessment, team["lead"], level=4)
    assert PlanTarget.objects.get().target_level == 4
    changed = AuditEvent.objects.filter(kind=AuditEvent.Kind.PLAN_CHANGED).last()
    assert changed.before["target_level"] == 2 and changed.after["target_level"] == 4


@pytest.mark.parametrize(
    ("level", "date", "field", "message"),
    [
        (1, NEXT_YEAR, "target_level", "higher than the current level, 2"),
        (2, NEXT_YEAR, "target_level", "higher than the current level, 2"),
        (6, NEXT_YEAR, "target_level", "from 1 to 5"),
        (3, datetime.date.today(), "target_date", "must be in the future"),
        (3, datetime.date.today() + datetime.timedelta(days=365 * 7), "target_date", "within 5 years"),
    ],
)
def test_bad_targets_are_refused_naming_the_field_and_change_nothing(assessment, team, level, date, field, message):
    complete_everything(assessment, team["lead"], level=2)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        plan_target_save(
            assessment=assessment, domain_key="strategy", target_level=level, target_date=date, version=None,
            actor=team["lead"],
        )  # fmt: skip
    assert message in refused.value.message_dict[field][0]
    after = snapshot()
    assert after[1:] == before[1:]


def test_a_domain_the_assessment_does_not_answer_is_refused(assessment, team):
    with pytest.raises(ValidationError) as refused:
        add_target(assessment, team["lead"], domain_key="system")  # an ICB-only domain
    assert "domain" in refused.value.message_dict


@pytest.mark.parametrize("who", ["approver", "viewer", "reviewer", "analyst", "other_lead"])
def test_only_the_lead_and_contributors_edit_a_plan(assessment, team, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        add_target(assessment, team[who])
    assert PlanTarget.objects.count() == 0 and snapshot()[3] == before[3]


def test_a_plan_is_edited_after_submission(assessment, team):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assessment.refresh_from_db()
    assert add_target(assessment, team["lead"]).pk


def test_a_stale_edit_is_refused_and_changes_nothing(assessment, team):
    first = add_target(assessment, team["lead"], level=2)  # version 0 -> 1
    add_target(assessment, team["contributor"], domain_key="cloud", level=2, version=1)  # 1 -> 2
    before = snapshot()
    with pytest.raises(PlanConflict) as conflict:
        add_target(assessment, team["lead"], level=5, version=1)  # opened before the contributor's save
    assert "Someone else changed this plan" in str(conflict.value) and conflict.value.plan.version == 2
    assert snapshot() == before and PlanTarget.objects.get(pk=first.pk).target_level == 2


def test_an_action_owner_must_hold_a_role_at_the_organisation(assessment, team):
    target = add_target(assessment, team["lead"])
    with pytest.raises(ValidationError) as refused:
        add_action(target, team["lead"], team["other_lead"])
    assert "role at the organisation" in refused.value.message_dict["owner"][0]
    assert not PlanAction.objects.exists()
    action = add_action(target, team["contributor"], team["viewer"])
    assert action.owner == team["viewer"] and action.status == "not_started"


def test_a_dropped_action_needs_its_reason(assessment, team):
    target = add_target(assessment, team["lead"])
    with pytest.raises(ValidationError) as refused:
        add_action(target, team["lead"], team["lead"], status="dropped")
    assert refused.value.message_dict["dropped_reason"] == ["Enter why the action was dropped"]
    action = add_action(target, team["lead"], team["lead"], status="dropped", dropped_reason="Superseded by the EPR")
    assert action.dropped_reason == "Superseded by the EPR"


def test_sign_off_needs_a_target_and_an_owned_action_for_each(assessment, team):
    empty = ImprovementPlan.objects.create(assessment=assessment)
    with pytest.raises(ValidationError, match="at least one target"):
        plan_sign_off(plan=empty, version=None, actor=team["approver"])
    target = add_target(assessment, team["lead"])
    add_action(target, team["lead"], None)
    with pytest.raises(ValidationError, match="Digital strategy: add an action with an owner"):
        plan_sign_off(plan=empty, version=None, actor=team["approver"])
    assert ImprovementPlan.objects.get().status == ImprovementPlan.Status.DRAFT


def signed_off(assessment, team):
    target = add_target(assessment, team["lead"])
    add_action(target, team["lead"], team["contributor"])
    plan = ImprovementPlan.objects.get(assessment=assessment)
    return plan_sign_off(plan=plan, version=plan.version, actor=team["approver"]), target


@pytest.mark.parametrize("who", ["lead", "contributor", "viewer", "reviewer", "analyst"])
def test_only_the_approver_signs_off(assessment, team, who):
    target = add_target(assessment, team["lead"])
    add_action(target, team["lead"], team["contributor"])
    plan = ImprovementPlan.objects.get()
    with pytest.raises(PermissionDenied):
        plan_sign_off(plan=plan, version=None, actor=team[who])
    assert ImprovementPlan.objects.get().status == ImprovementPlan.Status.DRAFT


def test_signing_off_freezes_the_plan_until_the_lead_reopens_it(assessment, team, django_capture_on_commit_callbacks):
    heard = []
    plans.on_plan_signed_off("test", lambda *args: heard.append(args))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            plan, _ = signed_off(assessment, team)
    finally:
        plans.signed_off.listeners.pop("test")
    assert heard == [(assessment.cycle_id, assessment.pk)]
    assert plan.status == ImprovementPlan.Status.SIGNED_OFF and plan.signed_off_by == team["approver"]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PLAN_SIGNED_OFF).count() == 1
    with pytest.raises(PermissionDenied, match="signed off"):
        add_target(assessment, team["lead"], level=5)
    with pytest.raises(PermissionDenied):
        plans.plan_reopen(plan=plan, actor=team["contributor"])

    reopened = plans.plan_reopen(plan=plan, actor=team["lead"], reason="The board asked for an EPMA target")
    assert reopened.status == ImprovementPlan.Status.DRAFT and reopened.signed_off_at is None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PLAN_REOPENED)
    assert event.before["signed_off_by"] == team["approver"].email and "EPMA" in event.comment
    assert add_target(assessment, team["lead"], level=5).target_level == 5


def test_a_plan_carries_forward_its_unmet_targets_and_unfinished_actions(last_year_cycle, frameworks, world, team):
    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, team["lead"], level=1)
    strategy = add_target(last_year, team["lead"], domain_key="strategy", level=3)
    add_action(strategy, team["lead"], team["lead"], description="Board away day")
    add_action(strategy, team["lead"], team["lead"], status="done", description="Hire a CCIO")
    add_action(strategy, team["lead"], team["lead"], status="in_progress", description="Consult clinicians")
    add_target(last_year, team["lead"], domain_key="infra", level=2)  # infra is split this year: no key match

    this_year = open_next_year(world.trust_a)

    plan = ImprovementPlan.objects.get(assessment=this_year)
    assert plan.carried_from.assessment == last_year and plan.status == ImprovementPlan.Status.DRAFT
    carried = plan.targets.get()
    assert (carried.domain_key, carried.current_level, carried.target_level) == ("strategy", 1, 3)
    assert carried.carried_from == strategy and carried.domain.framework.version == "2025/26"
    assert carried.criteria == ["c2a", "c2b", "c3a", "c3b"]
    assert sorted(carried.actions.values_list("description", flat=True)) == ["Board away day", "Consult clinicians"]
    event = AuditEvent.objects.get(assessment=this_year, kind=AuditEvent.Kind.PLAN_CHANGED)
    assert "carried forward from 2024/25 with 1 target" in event.summary


def test_a_target_already_reached_by_the_carried_answers_does_not_carry(last_year_cycle, frameworks, world, team):
    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    add_target(last_year, team["lead"], domain_key="strategy", level=2)
    complete_everything(last_year, team["lead"], level=2)  # answers reach level 2 after the target was set
    this_year = open_next_year(world.trust_a)
    assert not ImprovementPlan.objects.filter(assessment=this_year).exists()
