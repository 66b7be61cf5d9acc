"""The answer flags, on plain data (no database): each rule on hand-made cases, including the
honest answers that must not be flagged."""

import pytest

from assessments.rules import flags
from assessments.rules.flags import DomainAnswer, EvidenceItem

CLOUD_WORDS = flags.vocabulary_of(
    "Cloud hosting", "Clinical systems are hosted in a public cloud or a shared data centre with tested failover."
)
LONG_NOTE = "We moved every clinical system to the cloud in March, see the board paper."
LAST_YEAR_NOTE = "Last year we had a plan to move to the cloud but had not started it at all."
BLAND = "We have made significant progress in this area over the past year and continue to improve."
PAPER = EvidenceItem(kind="file", title="Board paper", digest="a" * 64, size=180_000)
OLD_PAPER = EvidenceItem(kind="file", title="Last year's paper", digest="b" * 64, size=90_000, carried_forward=True)


def answer(level, previous=(), notes="", carried="", evidence=(), key="cloud", name="Cloud hosting", **more):
    return DomainAnswer(
        domain_key=key, domain_name=name, level=level, notes=notes, evidence=tuple(evidence),
        previous_levels=tuple(previous), carried_notes=carried, vocabulary=CLOUD_WORDS, **more,
    )  # fmt: skip


# Notes that explain a change.


def test_new_particular_notes_explain_a_change():
    assert flags.notes_explain_change(LONG_NOTE, carried_notes=LAST_YEAR_NOTE, vocabulary=CLOUD_WORDS)
    assert flags.notes_explain_change("Failover to the second data centre was tested in May 2025.", "", CLOUD_WORDS)


def test_notes_shorter_than_forty_characters_explain_nothing():
    assert not flags.notes_explain_change("Moved to the cloud in 2025.", carried_notes="")
    assert not flags.notes_explain_change("Updated after review.", carried_notes="")


def test_notes_unchanged_from_last_year_explain_nothing_even_with_different_spacing():
    assert not flags.notes_explain_change(LAST_YEAR_NOTE, carried_notes=LAST_YEAR_NOTE)
    assert not flags.notes_explain_change(f"  {LAST_YEAR_NOTE.replace(' ', '   ')}\n", carried_notes=LAST_YEAR_NOTE)


def test_a_bland_note_just_over_the_length_limit_explains_nothing():
    assert len(BLAND) > flags.EXPLAINING_NOTE_MIN_CHARS
    assert not flags.notes_explain_change(BLAND, carried_notes="", vocabulary=CLOUD_WORDS)


def test_a_note_pasted_into_several_domains_explains_none_of_them():
    pasted = [answer(4, previous=[1], notes=LONG_NOTE, key=f"d{i}") for i in range(3)]
    boilerplate = flags.boilerplate_notes(pasted)
    assert not flags.notes_explain_change(LONG_NOTE, "", CLOUD_WORDS, boilerplate)
    assert len(flags.level_jump_without_note(pasted)) == 3


# Level jumps.


def test_a_rise_of_two_levels_without_new_notes_is_flagged_and_explained():
    [flag] = flags.level_jump_without_note([answer(3, previous=[1], notes=LAST_YEAR_NOTE, carried=LAST_YEAR_NOTE)])
    assert flag.kind == flags.LEVEL_JUMP_WITHOUT_NOTE
    assert flag.domain_key == "cloud" and flag.measure_key == "" and flag.severity == flags.MEDIUM
    assert flag.explanation.startswith("Cloud hosting rose from level 1 last year to level 3 this year (2 levels)")
    assert "notes do not say what changed" in flag.explanation and "overstated" in flag.explanation
    assert "Say in the notes what changed" in flag.to_clear
    assert flag.details == {"from_level": 1, "to_level": 3, "last_year_level": 1}


def test_a_fall_of_three_levels_is_flagged_as_possibly_understated_and_serious():
    [flag] = flags.level_jump_without_note([answer(1, previous=[4])])
    assert "fell from level 4 last year to level 1 this year (3 levels)" in flag.explanation
    assert "understated" in flag.explanation and flag.severity == flags.HIGH


@pytest.mark.parametrize("level, previous", [(2, 1), (1, 2), (3, 3), (0, 0), (5, 4)])
def test_a_change_of_less_than_two_levels_is_not_flagged(level, previous):
    assert flags.level_jump_without_note([answer(level, previous=[previous])]) == []


def test_a_jump_explained_by_new_notes_is_not_flagged():
    assert flags.level_jump_without_note([answer(4, previous=[1], notes=LONG_NOTE, carried=LAST_YEAR_NOTE)]) == []


def test_a_jump_with_a_bland_note_is_flagged():
    assert len(flags.level_jump_without_note([answer(4, previous=[1], notes=BLAND)])) == 1


def test_a_long_note_carried_forward_unchanged_does_not_explain_a_jump():
    assert len(flags.level_jump_without_note([answer(4, previous=[1], notes=LONG_NOTE, carried=LONG_NOTE)])) == 1


def test_a_domain_with_nothing_to_compare_with_is_not_flagged():
    assert flags.level_jump_without_note([answer(5, previous=())]) == []


def test_a_split_or_merged_domain_is_compared_with_its_highest_predecessor():
    assert flags.level_jump_without_note([answer(4, previous=[1, 3])]) == []
    [flag] = flags.level_jump_without_note([answer(4, previous=[1, 2])])
    assert "from level 2 last year" in flag.explanation


def test_a_fall_caused_by_new_criteria_alone_is_not_the_organisations_change():
    # Last year level 4; on this year's raised criteria last year's answers reach 2: the organisation's
    # own change is 2 -> 2, none.
    assert flags.level_jump_without_note([answer(2, previous=[4], like_for_like_level=2)]) == []


# High levels without evidence.


@pytest.mark.parametrize("level", [3, 4, 5])
def test_a_new_claim_of_level_three_or_more_without_evidence_is_flagged(level):
    [flag] = flags.high_level_without_evidence([answer(level, previous=[2])])
    assert flag.kind == flags.HIGH_LEVEL_WITHOUT_EVIDENCE and flag.domain_key == "cloud"
    assert flag.explanation.startswith(f"Cloud hosting is claimed at level {level}, up from level 2, but no evidence")
    assert "level 3 and above" in flag.explanation and "Attach the documents" in flag.to_clear


def test_a_first_assessment_is_a_new_claim():
    [flag] = flags.high_level_without_evidence([answer(3)])
    assert "up from no earlier assessment" in flag.explanation


@pytest.mark.parametrize("level", [0, 1, 2])
def test_levels_below_three_need_no_evidence(level):
    assert flags.high_level_without_evidence([answer(level)]) == []


def test_a_claim_carried_forward_unchanged_is_not_asked_about_again():
    assert flags.high_level_without_evidence([answer(4, previous=[4])]) == []
    assert flags.high_level_without_evidence([answer(3, previous=[5])]) == []


def test_a_substantive_file_or_a_page_link_clears_the_flag():
    assert flags.high_level_without_evidence([answer(5, evidence=[PAPER])]) == []
    page = EvidenceItem(kind="link", title="Policy", url="https://trust.nhs.uk/policies/cloud")
    assert flags.high_level_without_evidence([answer(5, evidence=[page])]) == []


def test_a_token_file_or_a_front_page_link_does_not_clear_the_flag():
    tiny = EvidenceItem(kind="file", title="Digital update", size=900)
    home = EvidenceItem(kind="link", title="Our website", url="https://www.trust.nhs.uk/")
    [flag] = flags.high_level_without_evidence([answer(4, previous=[2], evidence=[tiny, home])])
    assert "the only evidence attached cannot show it" in flag.explanation
    assert "a file of 900 bytes, too small to hold a document" in flag.explanation
    assert "a link to the front page of a web site" in flag.explanation
    assert [item["title"] for item in flag.details["evidence"]] == ["Digital update", "Our website"]


# Falls while last year's evidence stays.


def fallen(key, evidence=(OLD_PAPER,), notes="", **more):
    return answer(2, previous=[3], key=key, name=key.title(), evidence=evidence, previous_evidence_count=1,
                  notes=notes, **more)  # fmt: skip


def test_several_quiet_falls_with_last_years_evidence_unchanged_are_flagged():
    found = flags.fall_with_evidence_unchanged([fallen("a"), fallen("b"), fallen("c")])
    assert [f.domain_key for f in found] == ["a", "b", "c"]
    assert found[0].kind == flags.FALL_WITH_EVIDENCE_UNCHANGED
    assert found[0].explanation.startswith("A fell from level 3 last year to level 2, one of 3 domains")
    assert "understated" in found[0].explanation


def test_one_or_two_quiet_falls_are_not_a_pattern():
    assert flags.fall_with_evidence_unchanged([fallen("a"), fallen("b")]) == []


def test_falls_explained_or_with_changed_evidence_are_not_flagged():
    explained = fallen("a", notes="Cloud failover was not tested in 2025 because the supplier contract ended.")
    new_evidence = fallen("b", evidence=(OLD_PAPER, PAPER))
    removed = answer(2, previous=[3], key="c", evidence=(), previous_evidence_count=1)
    assert flags.fall_with_evidence_unchanged([explained, new_evidence, removed, fallen("d"), fallen("e")]) == []


# Prerequisites.

PREREQUISITES = {"barcoding": ("epma",), "epma": ("epr",)}


def domain(key, level, notes=""):
    return DomainAnswer(domain_key=key, domain_name=key.upper(), level=level, notes=notes, vocabulary=CLOUD_WORDS)


def test_a_domain_far_ahead_of_what_it_builds_on_is_flagged():
    [flag] = flags.prerequisite_unmet([domain("epr", 3), domain("epma", 1), domain("barcoding", 4)], PREREQUISITES)
    assert flag.kind == flags.PREREQUISITE_UNMET and flag.domain_key == "barcoding" and flag.severity == flags.HIGH
    assert flag.explanation.startswith("BARCODING is claimed at level 4, but it builds on EPMA (level 1).")
    assert flag.details["prerequisites"] == [{"domain_key": "epma", "name": "EPMA", "level": 1}]


@pytest.mark.parametrize("barcoding, epma", [(4, 3), (3, 2), (2, 0), (5, 4)])
def test_one_level_ahead_or_below_level_three_is_consistent(barcoding, epma):
    answers = [domain("epr", 5), domain("epma", epma), domain("barcoding", barcoding)]
    assert flags.prerequisite_unmet(answers, PREREQUISITES) == []


def test_an_explained_exception_and_an_unanswered_prerequisite_are_not_flagged():
    note = "Barcoding runs on the standalone pharmacy system (since June 2024), not on EPMA."
    assert flags.prerequisite_unmet([domain("epma", 1), domain("barcoding", 4, notes=note)], PREREQUISITES) == []
    assert flags.prerequisite_unmet([domain("barcoding", 5)], PREREQUISITES) == []


# Together.


def test_answer_flags_combine_the_answer_rules_and_the_kinds_are_split_in_two():
    found = flags.answer_flags(
        [answer(4, previous=[1]), answer(2, previous=[2], key="network", name="Networks"), answer(3, key="x")]
    )
    assert [(f.kind, f.domain_key) for f in found] == [
        (flags.LEVEL_JUMP_WITHOUT_NOTE, "cloud"),
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "cloud"),
        (flags.HIGH_LEVEL_WITHOUT_EVIDENCE, "x"),
    ]
    assert set(flags.ANSWER_KINDS) | set(flags.PATTERN_KINDS) == set(flags.KINDS)
    assert not set(flags.ANSWER_KINDS) & set(flags.PATTERN_KINDS)


def test_an_honest_improvement_with_notes_and_evidence_raises_no_answer_flag():
    answers = [
        answer(4, previous=[2], notes=LONG_NOTE, evidence=[PAPER]),
        answer(3, previous=[2], key="net", notes="New Wi-Fi covers 40 wards since April 2025.", evidence=[PAPER]),
    ]
    assert flags.answer_flags(answers) == []


def test_last_years_explanation_of_a_standing_exception_still_holds():
    note = "Barcoding runs on the standalone pharmacy system (since June 2024), not on EPMA."
    carried = DomainAnswer(
        domain_key="barcoding", domain_name="BARCODING", level=4, notes=note, carried_notes=note,
        previous_levels=(4,), vocabulary=CLOUD_WORDS,
    )  # fmt: skip
    assert flags.prerequisite_unmet([domain("epma", 1), carried], PREREQUISITES) == []
