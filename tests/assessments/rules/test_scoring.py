from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.rules.scoring import domain_level, measure_score, overall_score, unmet_for_next_level

CRITERIA = {n: [f"{n}a", f"{n}b"] for n in range(1, 6)}


@pytest.mark.parametrize(
    ("met", "level"),
    [
        ([], 0),
        (["1a"], 0),
        (["1a", "1b"], 1),
        (["1a", "1b", "2a"], 1),
        (["1a", "1b", "2a", "2b"], 2),
        (["2a", "2b", "3a", "3b", "4a", "4b", "5a", "5b"], 0),  # everything but level 1 basics
        (["1a", "1b", "3a", "3b", "4a", "4b"], 1),  # a gap at level 2 stops the climb
        ([f"{n}{x}" for n in range(1, 6) for x in "ab"], 5),
        (["1a", "1b", "unknown"], 1),
    ],
)
def test_domain_level_needs_every_criterion_of_lower_levels(met, level):
    assert domain_level(CRITERIA, met) == level


def test_a_level_without_criteria_cannot_be_reached():
    assert domain_level({1: ["a"], 2: [], 3: ["c"]}, ["a", "c"]) == 1


criteria_maps = st.dictionaries(
    st.integers(1, 5), st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=4, unique=True),
    min_size=5, max_size=5,
)  # fmt: skip


@given(criteria_maps, st.sets(st.text("abcdefgh", min_size=1, max_size=3)))
def test_level_is_the_highest_fully_met_prefix(criteria, met):
    level = domain_level(criteria, met)
    assert 0 <= level <= 5
    for n in range(1, level + 1):
        assert set(criteria[n]) <= met
    if level < 5:
        assert not set(criteria[level + 1]) <= met


@given(criteria_maps, st.sets(st.text("abcdefgh", min_size=1, max_size=3)), st.text("abcdefgh", min_size=1, max_size=3))
def test_meeting_more_criteria_never_lowers_the_level(criteria, met, extra):
    assert domain_level(criteria, met | {extra}) >= domain_level(criteria, met)


def test_unmet_for_next_level_lists_what_is_missing():
    assert unmet_for_next_level(CRITERIA, ["1a", "1b", "2a"]) == (2, ["2b"])
    assert unmet_for_next_level(CRITERIA, ["2a", "2b"]) == (1, ["1a", "1b"])
    assert unmet_for_next_level(CRITERIA, [f"{n}{x}" for n in range(1, 6) for x in "ab"]) == (5, [])


def test_measure_and_overall_scores_are_means_to_one_decimal():
    assert measure_score([2, 3, 3]) == Decimal("2.7")
    assert measure_score([1, 2]) == Decimal("1.5")
    assert measure_score([]) is None
    assert overall_score([Decimal("2.7"), Decimal("1.5"), None]) == Decimal("2.1")
    assert overall_score([None]) is None
    assert measure_score([2, 2, 3, 3]) == Decimal("2.5")  # half-up, not banker's rounding
    assert overall_score([Decimal("2.25"), Decimal("2.3")]) == Decimal("2.3")
