"""The cycle's comparison figures, worked out by hand on small groups."""

from decimal import Decimal as D

import pytest

from reports.aggregates import ScoredMember, cycle_aggregates


def member(pk, setting="acute", ics="QAA", overall="3.0", status="submitted", icb=False, region="Y01", **measures):
    return ScoredMember(
        organisation_id=pk,
        status=status,
        is_icb=icb,
        care_setting=None if icb else setting,
        region=region,
        ics=ics,
        overall=None if overall is None else D(overall),
        measures={key: D(value) for key, value in measures.items()},
        domains={},
    )


def rows_by_key(rows):
    return {row.key: row for row in rows}


def test_a_group_of_five_has_its_figures_and_a_group_of_four_only_its_size():
    members = [
        member(i, ics="QAA" if i < 5 else "QBB", overall=v)
        for i, v in enumerate(["1.0", "2.0", "3.0", "4.0", "5.0", "2.0", "2.0", "2.0", "2.0"])
    ]
    rows = rows_by_key(cycle_aggregates(members))
    five = rows[("ics", "QAA", "", "")]
    assert (five.size, five.median, five.mean, five.minimum, five.maximum) == (
        5,
        D("3.0"),
        D("3.0"),
        D("1.0"),
        D("5.0"),
    )
    assert (five.lower_quartile, five.upper_quartile) == (D("2.0"), D("4.0"))
    four = rows[("ics", "QBB", "", "")]
    assert four.size == 4 and not four.shown
    assert four.median is four.mean is four.minimum is four.maximum is four.mix_adjusted is None


def test_drafts_never_count_and_icbs_are_their_own_group():
    members = [member(i) for i in range(5)] + [
        member(10, status="draft", overall="5.0"),
        member(11, status="returned", overall="5.0"),
        member(12, status="ready_for_sign_off", overall="5.0"),
        *[member(20 + i, icb=True, overall="1.0", ics=f"Q{i}") for i in range(5)],
    ]
    rows = rows_by_key(cycle_aggregates(members))
    assert rows[("national", "", "", "")].size == 5
    assert rows[("national", "", "", "")].median == D("3.0")
    assert rows[("icbs", "", "", "")].size == 5 and rows[("icbs", "", "", "")].median == D("1.0")


def test_domain_rows_count_the_organisations_at_each_level():
    members = [
        ScoredMember(i, "submitted", False, "acute", "Y01", "QAA", D("3.0"), {"m": D("3.0")}, {"d": level}, {"d": "m"})
        for i, level in enumerate([0, 2, 2, 3, 5])
    ]
    row = rows_by_key(cycle_aggregates(members))[("ics", "QAA", "m", "d")]
    assert row.level_counts == {"0": 1, "1": 0, "2": 2, "3": 1, "4": 0, "5": 1}
    assert row.median == D("2.0")


def test_mix_adjusted_compares_each_trust_with_its_own_care_setting():
    # Nationally: 5 acute trusts with median 3.0 and 5 mental health trusts with median 2.0;
    # all ten trusts have median 2.5.
    acute = [member(i, "acute", ics="QXX", overall=v) for i, v in enumerate(["2.0", "3.0", "3.0", "3.0", "4.0"])]
    mental = [
        member(10 + i, "mental_health", ics="QYY", overall=v) for i, v in enumerate(["1.0", "2.0", "2.0", "2.0", "3.0"])
    ]
    # ICS QSS: two mental health trusts at 2.5 and three at 2.3: plain average 2.4, but each is
    # above the mental health median 2.0 by 0.5 or 0.3 -> mean difference 0.38 -> 0.4.
    system = [
        member(20 + i, "mental_health", ics="QSS", overall=v) for i, v in enumerate(["2.5", "2.5", "2.3", "2.3", "2.3"])
    ]
    rows = rows_by_key(cycle_aggregates(acute + mental + system))
    national = rows[("national", "", "", "")]
    assert national.median == D("2.3")  # the fifteen trusts together
    row = rows[("ics", "QSS", "", "")]
    assert row.mean == D("2.4")
    peer = rows[("care_setting", "mental_health", "", "")].median
    assert peer == D("2.3")  # the ten mental health trusts, QSS's own included
    expected = sum(D(v) - peer for v in ["2.5", "2.5", "2.3", "2.3", "2.3"]) / 5  # 0.08
    assert row.adjusted_difference == D("0.1") == round(expected, 1)
    assert row.mix_adjusted == national.median + D("0.1")
    assert row.adjusted_fallbacks == 0


def test_a_trust_whose_peer_group_is_too_small_is_compared_with_all_trusts():
    acute = [member(i, "acute", ics="QXX", overall="3.0") for i in range(5)]
    community = [member(10 + i, "community", ics="QSS", overall="2.0") for i in range(4)]
    extra = [member(20, "acute", ics="QSS", overall="3.0")]
    rows = rows_by_key(cycle_aggregates(acute + community + extra))
    row = rows[("ics", "QSS", "", "")]
    national = rows[("national", "", "", "")].median  # 3.0 (six of ten at 3.0)
    assert national == D("3.0")
    assert row.adjusted_fallbacks == 4
    # four community trusts 1.0 below all trusts, one acute trust level with acute trusts
    assert row.adjusted_difference == D("-0.8")
    assert row.mix_adjusted == D("2.2")


@pytest.mark.parametrize("value", ["5.0", "1.0"])
def test_the_mix_adjusted_score_stays_on_the_scale(value):
    peers = [member(i, "acute", ics="QXX", overall="1.0" if value == "5.0" else "5.0") for i in range(6)]
    system = [member(10 + i, "mental_health", ics="QSS", overall=value) for i in range(5)]
    others = [member(20 + i, "mental_health", ics="QZZ", overall="1.0" if value == "5.0" else "5.0") for i in range(5)]
    row = rows_by_key(cycle_aggregates(peers + system + others))[("ics", "QSS", "", "")]
    assert D("0.0") <= row.mix_adjusted <= D("5.0")


def test_measures_are_aggregated_like_the_overall_score():
    members = [member(i, overall="3.0", well_led=v) for i, v in enumerate(["1.0", "2.0", "2.0", "4.0", "5.0"])]
    row = rows_by_key(cycle_aggregates(members))[("national", "", "well_led", "")]
    assert (row.size, row.median, row.mean) == (5, D("2.0"), D("2.8"))
