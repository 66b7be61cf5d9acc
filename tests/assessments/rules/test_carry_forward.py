"""Carrying answers through the criterion crosswalk, and why a level changed."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from assessments.rules.carry_forward import (
    ANSWER,
    BOTH,
    FRAMEWORK,
    LevelChange,
    carried_met_criteria,
    cause_text,
    level_change,
    like_for_like,
    new_criteria,
)


@dataclass
class _Domain:
    key: str
    name: str = ""


@dataclass
class Source:
    met_criteria: list[str]
    level: int = 0
    domain: _Domain = field(default_factory=lambda: _Domain("old"))
    notes: str = ""


CRITERIA = {1: ["a1", "merged"], 2: ["a2", "new2"], 3: ["a3"], 4: ["a4"], 5: ["a5"]}
CROSSWALK = {"merged": ["b1", "c1"]}
EARLIER = ["a1", "b1", "c1", "a2", "a3", "a4", "a5", "dropped"]


def test_a_merged_criterion_is_met_only_when_every_criterion_it_replaces_was():
    assert carried_met_criteria(CRITERIA, [Source(["a1", "b1", "c1"])], CROSSWALK) == ["a1", "merged"]
    assert carried_met_criteria(CRITERIA, [Source(["a1", "b1"])], CROSSWALK) == ["a1"]


def test_a_split_criterion_carries_to_each_half_and_a_merged_domain_unites_its_sources():
    crosswalk = {"half_one": ["whole"], "half_two": ["whole"]}
    criteria = {1: ["half_one", "half_two"]}
    assert carried_met_criteria(criteria, [Source(["whole"])], crosswalk) == ["half_one", "half_two"]
    assert carried_met_criteria(CRITERIA, [Source(["a1", "b1"]), Source(["c1"])], CROSSWALK) == ["a1", "merged"]


def test_criteria_new_this_year_are_those_neither_kept_nor_replacing():
    assert new_criteria(CRITERIA, EARLIER, CROSSWALK) == ["new2"]
    assert new_criteria(CRITERIA, [], CROSSWALK) == []  # a new domain: nothing to be new against


def _change(met_last_year, met_now, level_last_year, level_now):
    return level_change(
        criteria=CRITERIA,
        crosswalk=CROSSWALK,
        sources=[Source(met_last_year, level=level_last_year)],
        earlier_keys=EARLIER,
        met=met_now,
        current_level=level_now,
    )


LAST_YEAR_LEVEL_3 = ["a1", "b1", "c1", "a2", "a3"]


def test_an_untouched_carry_forward_that_falls_is_the_frameworks_change():
    carried = ["a1", "merged", "a2", "a3"]  # new2 unanswered: level 1 on this year's criteria
    change = _change(LAST_YEAR_LEVEL_3, carried, 3, 1)
    assert (change.previous, change.like_for_like, change.current) == (3, 1, 1)
    assert change.cause == FRAMEWORK and change.answer_change == 0


def test_answering_a_new_criterion_is_not_a_change_of_answer():
    change = _change(LAST_YEAR_LEVEL_3, ["a1", "merged", "a2", "new2", "a3"], 3, 3)
    assert change.like_for_like == 3 and change.cause is None


def test_unticking_what_was_met_last_year_is_the_organisations_change():
    change = _change(LAST_YEAR_LEVEL_3, ["a1", "merged", "new2"], 3, 1)
    assert change.cause == ANSWER and change.answer_change == -2


def test_both_causes_are_told_apart():
    change = LevelChange(previous=4, like_for_like=2, current=3)
    assert change.cause == BOTH
    assert cause_text(change).endswith("\u22122 from the framework, +1 from the answers")
    assert cause_text(LevelChange(2, 2, 2)) == "" and cause_text(None) == ""


def test_no_last_year_means_no_change_to_explain():
    assert level_change(criteria=CRITERIA, crosswalk={}, sources=[], earlier_keys=[], met=[], current_level=2) is None


@pytest.mark.parametrize(
    "changes, last_year, this_year",
    [
        ([("m1", LevelChange(3, 2, 2)), ("m1", LevelChange(1, 1, 2)), ("m2", LevelChange(4, 4, 4))], "2.8", "3.0"),
        ([], None, None),
    ],
)
def test_like_for_like_scores_both_years_on_this_years_criteria(changes, last_year, this_year):
    figures = like_for_like(changes)
    assert figures.domains == len(changes)
    assert figures.last_year == (Decimal(last_year) if last_year else None)
    assert figures.this_year == (Decimal(this_year) if this_year else None)
