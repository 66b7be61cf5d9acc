"""The validation flag rules, on plain data (no database)."""

from decimal import Decimal

import pytest

from assessments.rules import flags
from assessments.rules.flags import DomainAnswer, MeasureValue

D = Decimal
LONG_NOTE = "We moved every clinical system to the cloud in March, see the board paper."
LAST_YEAR_NOTE = "Last year we had a plan to move to the cloud but had not started it at all."


def answer(level, previous=(), notes="", carried="", evidence=0, key="cloud", name="Cloud hosting"):
    return DomainAnswer(
        domain_key=key, domain_name=name, level=level, notes=notes, evidence_count=evidence,
        previous_levels=tuple(previous), carried_notes=carried,
    )  # fmt: skip


def scores(value, key="smart_foundations", name="Ensure smart foundations"):
    return [MeasureValue(key, name, D(value))]


def peers(*values, key="smart_foundations"):
    return {key: [D(v) for v in values]}


# Notes that explain a change.


def test_new_notes_of_forty_characters_or_more_explain_a_change():
    assert flags.notes_explain_change("x" * 40, carried_notes="")
    assert flags.notes_explain_change(LONG_NOTE, carried_notes=LAST_YEAR_NOTE)


def test_notes_shorter_than_forty_characters_explain_nothing():
    assert not flags.notes_explain_change("x" * 39, carried_notes="")
    assert not flags.notes_explain_change("Updated after review.", carried_notes="")


def test_notes_unchanged_from_last_year_explain_nothing_even_with_different_spacing():
    assert not flags.notes_explain_change(LAST_YEAR_NOTE, carried_notes=LAST_YEAR_NOTE)
    assert not flags.notes_explain_change(f"  {LAST_YEAR_NOTE.replace(' ', '   ')}\n", carried_notes=LAST_YEAR_NOTE)


def test_forty_characters_are_counted_without_padding():
    assert not flags.notes_explain_change(" " * 10 + "x" * 39 + "\n\n", carried_notes="")


# Level jumps.


def test_a_rise_of_two_levels_without_new_notes_is_flagged_and_explained():
    [flag] = flags.level_jump_without_note([answer(3, previous=[1], notes=LAST_YEAR_NOTE, carried=LAST_YEAR_NOTE)])
    assert flag.kind == flags.LEVEL_JUMP_WITHOUT_NOTE
    assert flag.domain_key == "cloud" and flag.measure_key == ""
    assert flag.explanation.startswith("Cloud hosting rose from level 1 last year to level 3 this year (2 levels)")
    assert "notes do not say what changed" in flag.explanation and "overstated" in flag.explanation


def test_a_fall_of_two_levels_without_new_notes_is_flagged_as_possibly_understated():
    [flag] = flags.level_jump_without_note([answer(1, previous=[4])])
    assert "fell from level 4 last year to level 1 this year (3 levels)" in flag.explanation
    assert "understated" in flag.explanation


@pytest.mark.parametrize("level, previous", [(2, 1), (1, 2), (3, 3), (0, 0), (5, 4)])
def test_a_change_of_less_than_two_levels_is_not_flagged(level, previous):
    assert flags.level_jump_without_note([answer(level, previous=[previous])]) == []


def test_a_jump_explained_by_new_notes_is_not_flagged():
    assert flags.level_jump_without_note([answer(4, previous=[1], notes=LONG_NOTE, carried=LAST_YEAR_NOTE)]) == []


def test_a_long_note_carried_forward_unchanged_does_not_explain_a_jump():
    assert len(flags.level_jump_without_note([answer(4, previous=[1], notes=LONG_NOTE, carried=LONG_NOTE)])) == 1


def test_a_domain_with_nothing_to_compare_with_is_not_flagged():
    assert flags.level_jump_without_note([answer(5, previous=())]) == []


def test_a_split_or_merged_domain_is_compared_with_its_highest_predecessor():
    assert flags.level_jump_without_note([answer(4, previous=[1, 3])]) == []
    [flag] = flags.level_jump_without_note([answer(4, previous=[1, 2])])
    assert "from level 2 last year" in flag.explanation


# High levels without evidence.


@pytest.mark.parametrize("level", [3, 4, 5])
def test_level_three_or_more_without_evidence_is_flagged_and_explained(level):
    [flag] = flags.high_level_without_evidence([answer(level)])
    assert flag.kind == flags.HIGH_LEVEL_WITHOUT_EVIDENCE and flag.domain_key == "cloud"
    assert flag.explanation.startswith(f"Cloud hosting is claimed at level {level}, but no evidence is attached.")
    assert "level 3 and above" in flag.explanation


@pytest.mark.parametrize("level", [0, 1, 2])
def test_levels_below_three_need_no_evidence(level):
    assert flags.high_level_without_evidence([answer(level)]) == []


def test_any_evidence_clears_the_high_level_flag():
    assert flags.high_level_without_evidence([answer(5, evidence=1)]) == []


def test_answer_flags_combine_both_answer_rules_per_domain():
    found = flags.answer_flags(
        [answer(4, previous=[1]), answer(2, previous=[2], key="network", name="Networks"), answer(3, key="x")]
    )
    assert [(f.kind, f.domain_key) for f in found] == [
        (flags.LEVEL_JUMP_WITHOUT_NOTE, "cloud"),
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "cloud"),
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "x"),
    ]
    assert set(flags.ANSWER_KINDS) == {flags.LEVEL_JUMP_WITHOUT_NOTE, flags.HIGH_LEVEL_WITHOUT_EVIDENCE}


# Peer outliers: modified z-score on the median and MAD of the other organisations.

PEER_GROUP = ("2.0", "2.1", "2.2", "2.3", "2.4")  # median 2.2, MAD 0.1: flagged beyond 2.2 +/- 0.52


def test_modified_z_score_is_distance_from_the_median_over_scaled_mad():
    z = flags.modified_z_score(D("2.8"), [D(v) for v in PEER_GROUP])
    assert z == D("0.6") / (D("1.4826") * D("0.1"))
    assert round(z, 2) == D("4.05")


def test_modified_z_score_is_none_without_spread():
    assert flags.modified_z_score(D("4.0"), [D("2.0")] * 4 + [D("3.0")]) is None


def test_a_score_far_above_the_peers_is_flagged_and_explained():
    [flag] = flags.peer_outliers(scores("2.8"), peers(*PEER_GROUP), "other acute trusts")
    assert flag.kind == flags.PEER_OUTLIER
    assert flag.measure_key == "smart_foundations" and flag.domain_key == ""
    assert flag.explanation.startswith(
        "The score for Ensure smart foundations (2.8) is far higher than those of 5 other acute trusts, "
        "whose middle score is 2.2."
    )


def test_a_score_far_below_the_peers_is_flagged_as_lower():
    [flag] = flags.peer_outliers(scores("1.6"), peers(*PEER_GROUP), "other acute trusts")
    assert "far lower than" in flag.explanation


@pytest.mark.parametrize("value", ["2.7", "2.2", "1.7"])
def test_a_score_within_the_limit_is_not_flagged(value):
    # 2.7 and 1.7 are 0.5 from the median: a modified z-score of 3.37, inside 3.5.
    assert flags.peer_outliers(scores(value), peers(*PEER_GROUP), "other acute trusts") == []


def test_one_extreme_peer_cannot_hide_an_outlier():
    # With a mean and standard deviation the 5.0 would stretch the yardstick and hide the 3.2.
    group = (*PEER_GROUP, "5.0")
    assert len(flags.peer_outliers(scores("3.2"), peers(*group), "other acute trusts")) == 1


def test_fewer_than_five_other_organisations_say_nothing():
    assert flags.peer_outliers(scores("5.0"), peers(*PEER_GROUP[:4]), "other acute trusts") == []


def test_no_spread_among_peers_says_nothing():
    assert flags.peer_outliers(scores("5.0"), peers("2.0", "2.0", "2.0", "2.0", "3.0"), "peers") == []


def test_only_measures_with_peer_scores_are_judged():
    assert flags.peer_outliers(scores("5.0", key="well_led", name="Well led"), peers(*PEER_GROUP), "peers") == []


# ICB system scores against their members.


def test_an_icb_score_more_than_one_above_its_members_median_is_flagged_and_explained():
    [flag] = flags.icb_inconsistent_with_members(scores("3.1"), peers("2.0", "2.0", "2.5"))
    assert flag.kind == flags.ICB_INCONSISTENT_WITH_MEMBERS and flag.measure_key == "smart_foundations"
    assert flag.explanation.startswith(
        "The system's score for Ensure smart foundations (3.1) is 1.1 higher than the middle score "
        "of its 3 member trusts (2.0)."
    )


def test_an_icb_score_more_than_one_below_its_members_median_is_flagged_as_lower():
    [flag] = flags.icb_inconsistent_with_members(scores("1.0"), peers("2.5", "3.0", "3.5"))
    assert "2.0 lower than" in flag.explanation


@pytest.mark.parametrize("value", ["3.0", "1.0", "2.0"])
def test_an_icb_score_within_one_of_its_members_is_not_flagged(value):
    assert flags.icb_inconsistent_with_members(scores(value), peers("2.0", "2.0", "2.5")) == []


def test_an_even_number_of_members_uses_the_mean_of_the_middle_two():
    [flag] = flags.icb_inconsistent_with_members(scores("4.0"), peers("1.0", "2.0", "3.0", "4.0"))
    assert "1.5 higher than the middle score of its 4 member trusts (2.5)" in flag.explanation


def test_an_icb_with_fewer_than_three_scored_members_is_not_judged():
    assert flags.icb_inconsistent_with_members(scores("5.0"), peers("1.0", "1.0")) == []
