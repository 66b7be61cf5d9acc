import pytest

from assessments.models import Assessment
from assessments.rules import disclosure


def test_comparable_statuses_are_the_submitted_or_later_ones():
    assert {str(s) for s in Assessment.SUBMITTED_OR_LATER} == disclosure.COMPARABLE_STATUSES
    assert not disclosure.counts_in_comparisons(Assessment.Status.DRAFT)
    assert not disclosure.counts_in_comparisons(Assessment.Status.READY)
    assert not disclosure.counts_in_comparisons(Assessment.Status.RETURNED)


@pytest.mark.parametrize(("size", "shown"), [(0, False), (1, False), (4, False), (5, True), (40, True)])
def test_groups_under_five_are_not_shown(size, shown):
    assert disclosure.group_shown(size) is shown
    assert (disclosure.suppression("Trusts in Somewhere", size) is None) is shown


def test_the_reason_names_the_group_and_the_count():
    reason = disclosure.suppression("Trusts in Somewhere", 3).reason
    assert reason.startswith("Trusts in Somewhere: not shown.")
    assert "Only 3 organisations with submitted results, fewer than 5" in reason
    assert "No organisations" in disclosure.suppression("Trusts in Somewhere", 0).reason
    assert "Only 1 organisation with" in disclosure.suppression("Trusts in Somewhere", 1).reason


def test_several_groups_not_shown_get_one_reason_naming_each_with_its_size():
    one = disclosure.suppression("Trusts in Somewhere", 3)
    assert disclosure.suppressions_reason([one]) == one.reason
    reason = disclosure.suppressions_reason([one, disclosure.suppression("Trusts in Elsewhere", 0)])
    assert reason.startswith("Not shown: Trusts in Somewhere (3); Trusts in Elsewhere (0). Each has fewer than 5")
    assert "all but reveal" in reason


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, 0), (1, None), (7, None), (8, 10), (12, 10), (13, 15), (22, 20), (23, 25), (100, 100)],
)
def test_counts_of_people_follow_the_small_number_rules(count, published):
    assert disclosure.people_count(count) == published


def test_a_suppressed_count_of_people_says_so():
    assert disclosure.people_count_text(5) == "fewer than 8"
    assert disclosure.people_count_text(41) == "40"
    with pytest.raises(ValueError):
        disclosure.people_count(-1)


def test_percentages_about_people_need_ten_answers():
    assert not disclosure.percentages_shown(9)
    assert disclosure.percentages_shown(10)
