from decimal import Decimal as D

from reports.figures import QUARTERS, median, quarter


def test_median_of_odd_and_even_groups():
    assert median([D("1"), D("3"), D("2")]) == D("2.0")
    assert median([D("1"), D("2"), D("3"), D("4")]) == D("2.5")
    assert median([]) is None


def test_groups_smaller_than_five_are_not_placed():
    assert quarter(D("3"), [D("1"), D("2"), D("4")]) is None
    assert quarter(D("3"), [D("1"), D("2"), D("4"), D("5")]) is not None


def test_the_highest_and_lowest_are_in_the_highest_and_lowest_quarters():
    others = [D("1.5"), D("2"), D("2.5"), D("3"), D("3.5"), D("4"), D("4.5")]
    assert quarter(D("5"), others) == "in the highest quarter"
    assert quarter(D("1"), others) == "in the lowest quarter"


def test_middle_scores_fall_in_quarters_named_from_their_end():
    others = [D(v) for v in ("1", "2", "3", "4", "5", "6", "7", "8")]
    assert quarter(D("6.5"), others) == QUARTERS[3]  # 6 of 8 below: 0.75 is the highest quarter's boundary
    assert quarter(D("5.5"), others) == "in the second-highest quarter"
    assert quarter(D("3.5"), others) == "in the second-lowest quarter"


def test_no_quarter_is_named_by_a_bare_ordinal():
    """A bare "the third quarter" leaves a reader to guess which end is counted from; every quarter says
    highest or lowest."""
    assert all("highest" in name or "lowest" in name for name in QUARTERS)
    assert len(set(QUARTERS)) == 4


def test_a_score_tied_with_everyone_is_in_the_middle_not_the_top():
    assert quarter(D("3"), [D("3")] * 6) == "in the second-highest quarter"
