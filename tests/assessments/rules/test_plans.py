import pytest

from assessments.rules.plans import (
    ActionFacts,
    Outcome,
    TargetFacts,
    carried_forward,
    current_level_of,
    sign_off_problems,
    target_level_problem,
    target_outcome,
    unmet_criteria,
)

CRITERIA = {1: ["a1", "a2"], 2: ["b1"], 3: ["c1", "c2"], 4: ["d1"], 5: ["e1"]}


def test_unmet_criteria_include_every_lower_level_not_met():
    assert unmet_criteria(CRITERIA, ["a1", "b1", "c1"], 3) == ["a2", "c2"]


def test_unmet_criteria_stop_at_the_target_level():
    assert unmet_criteria(CRITERIA, ["a1", "a2", "b1"], 3) == ["c1", "c2"]


def test_unmet_criteria_are_empty_when_the_answers_reach_the_target():
    assert unmet_criteria(CRITERIA, ["a1", "a2", "b1"], 2) == []


def test_unmet_criteria_of_a_target_above_five_are_those_up_to_five():
    assert unmet_criteria(CRITERIA, [], 9) == ["a1", "a2", "b1", "c1", "c2", "d1", "e1"]


@pytest.mark.parametrize(
    ("target", "current", "problem"),
    [
        (None, 2, "Target level must be a level from 1 to 5"),
        (0, None, "Target level must be a level from 1 to 5"),
        (6, 2, "Target level must be a level from 1 to 5"),
        (2, 2, "Target level must be higher than the current level, 2"),
        (1, 3, "Target level must be higher than the current level, 3"),
        (5, 5, "This domain is already at level 5, the highest level"),
        (3, 2, None),
        (1, None, None),
        (5, 0, None),
    ],
)
def test_target_level_must_be_a_level_above_the_current_one(target, current, problem):
    assert target_level_problem(target, current) == problem


@pytest.mark.parametrize(
    ("target", "later", "outcome"),
    [
        (3, None, Outcome.AWAITING),
        (3, 3, Outcome.MET),
        (3, 5, Outcome.MET),
        (3, 2, Outcome.NOT_MET),
        (1, 0, Outcome.NOT_MET),
    ],
)
def test_a_target_is_met_only_by_a_later_result_reaching_it(target, later, outcome):
    assert target_outcome(target, later) == outcome


def test_a_result_without_the_domain_says_nothing_either_way():
    assert target_outcome(3, None, scored=True) == Outcome.NO_RESULT
    assert target_outcome(3, 4, scored=True) == Outcome.MET


def _target(key, domain_key, level, *statuses):
    return TargetFacts(key, domain_key, level, [ActionFacts(key * 10 + i, s) for i, s in enumerate(statuses)])


def test_targets_not_reached_carry_with_their_unfinished_actions():
    targets = [_target(1, "epr", 3, "not_started", "in_progress", "done", "dropped")]
    [carried] = carried_forward(targets, {"epr": 2})
    assert carried.target.key == 1
    assert [a.status for a in carried.actions] == ["not_started", "in_progress"]


def test_a_target_the_new_level_reaches_does_not_carry():
    targets = [_target(1, "epr", 3, "not_started"), _target(2, "epma", 4)]
    assert [c.target.key for c in carried_forward(targets, {"epr": 3, "epma": 5})] == []


def test_a_target_for_a_domain_no_longer_answered_does_not_carry():
    assert carried_forward([_target(1, "gone", 3)], {"epr": 1}) == []


def test_a_carried_target_with_every_action_finished_carries_with_none():
    [carried] = carried_forward([_target(1, "epr", 3, "done")], {"epr": 1})
    assert carried.actions == ()


def test_a_plan_needs_a_target_to_be_signed_off():
    assert sign_off_problems([]) == ["Add at least one target before the plan is signed off"]


def test_every_target_needs_an_owned_action_to_be_signed_off():
    problems = sign_off_problems([("EPR", [False, True]), ("EPMA", [False]), ("Cyber", [])])
    assert problems == ["EPMA: add an action with an owner", "Cyber: add an action with an owner"]


def test_current_level_is_none_for_an_unanswered_domain():
    assert current_level_of(CRITERIA, None) is None
    assert current_level_of(CRITERIA, ["a1", "a2", "c1"]) == 1
