"""The pattern flags, on plain data (no database): each detector on hand-made cycles, including the
honest organisations that must not be flagged (a small system, a trust that truly improved)."""

import random
from decimal import Decimal

import pytest

from assessments.rules import flags, patterns
from assessments.rules.flags import DomainAnswer, EvidenceItem
from assessments.rules.patterns import MeasureValue, Submission

D = Decimal
WORDS = flags.vocabulary_of("Electronic patient record coverage across wards, theatres and outpatients")


def paper(title="Board paper", digest=None, size=150_000, carried=False, added_at=1.0):
    return EvidenceItem(kind="file", title=title, digest=digest or f"{title}-{size}", size=size,
                        carried_forward=carried, added_at=added_at)  # fmt: skip


def domains(levels, previous=None, notes="", evidence=None, measure="smart_foundations", **more):
    previous = previous or levels
    return tuple(
        DomainAnswer(
            domain_key=f"d{i}",
            domain_name=f"Domain {i}",
            measure_key=measure,
            level=level,
            previous_levels=(previous[i],),
            notes=notes if callable(notes) is False else notes(i),
            evidence=tuple(evidence(i)) if evidence else (),
            vocabulary=WORDS,
            **more,
        )
        for i, level in enumerate(levels)
    )


def trust(ref, overall, previous_overall, answers=(), setting="acute", ics="QE1", measures=None, previous=None):
    return Submission(
        ref=ref, name=f"Trust {ref}", ods_code=ref, ics=ics, peer_group=setting, peer_label=f"{setting} trusts",
        answers=answers, overall=D(overall), previous_overall=D(previous_overall),
        measures=tuple(MeasureValue(k, k.title(), D(v)) for k, v in (measures or {}).items()),
        previous_measures={k: D(v) for k, v in (previous or {}).items()},
    )  # fmt: skip


PEER_CHANGES = (0.0, 0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.2, 0.1, 0.3)  # median 0.2, MAD 0.1


def peers_rising(count=20):
    """Acute trusts that each rose a little, as most do."""
    result = []
    for i in range(count):
        before = 2.0 + (i % 10) / 10
        result.append(trust(f"P{i}", f"{before + PEER_CHANGES[i % 10]:.1f}", f"{before:.1f}"))
    return result


# Change against peers.


def test_a_broad_quiet_drop_stands_out_against_peers_who_rose():
    quiet = trust("X", "2.1", "2.7", answers=domains([2] * 6 + [3] * 4, previous=[3] * 10))
    found = patterns.change_against_peers([*peers_rising(), quiet])
    [flag] = found["X"]
    assert flag.kind == flags.CHANGE_AGAINST_PEERS and flag.measure_key == ""
    assert flag.explanation.startswith("The overall score fell 0.6 since last year while 20 other acute trusts")
    assert "changed by a median of +0.2" in flag.explanation and "0 of them fell as far or further" in flag.explanation
    assert "6 domains fell" in flag.explanation and "understated" in flag.explanation
    assert flag.details["peer_median"] == 0.2 and len(flag.details["peer_changes"]) == 20
    assert [d["domain_key"] for d in flag.details["domains"]] == [f"d{i}" for i in range(6)]
    assert all(p.ref not in found for p in peers_rising())


def test_a_leap_stands_out_and_a_rise_like_the_peers_does_not():
    leap = trust("X", "3.6", "2.6", answers=domains([4] * 8, previous=[3] * 8))
    usual = trust("Y", "2.8", "2.6")
    found = patterns.change_against_peers([*peers_rising(), leap, usual])
    assert [f.kind for f in found["X"]] == [flags.CHANGE_AGAINST_PEERS]
    assert "rose 1.0" in found["X"][0].explanation and "overstated" in found["X"][0].explanation
    assert "Y" not in found


def test_a_trust_that_truly_improved_with_notes_and_evidence_is_not_flagged():
    def note(i):
        return f"The new EPR went live on {10 + i} wards in May 2025, with theatres and outpatients following."

    improved = trust(
        "X", "3.6", "2.6",
        answers=domains([4] * 8, previous=[3] * 8, notes=note, evidence=lambda i: [paper(f"Go-live report {i}")]),
    )  # fmt: skip
    assert "X" not in patterns.change_against_peers([*peers_rising(), improved])


def test_an_honest_fall_with_reasons_is_not_flagged():
    def note(i):
        place = ("outpatients", "theatres", "wards", "clinics", "pharmacy", "radiology")[i]
        return f"The EPR module for {place} was switched off in June 2025."

    fell = trust("X", "2.1", "2.7", answers=domains([2] * 6, previous=[3] * 6, notes=note))
    assert "X" not in patterns.change_against_peers([*peers_rising(), fell])


def test_too_few_peers_say_nothing():
    assert patterns.change_against_peers([*peers_rising(count=7), trust("X", "1.0", "3.0")]) == {}


def test_a_measure_moving_alone_is_judged_with_its_own_limit_and_needs_several_domains():
    ordinary = {"smart_foundations": "2.6"}
    peers = [trust(f"P{i}", "2.6", "2.5", measures=ordinary, previous={"smart_foundations": "2.5"}) for i in range(12)]
    peers += [trust(f"Q{i}", "2.6", "2.5", measures={"smart_foundations": "2.8"}, previous=ordinary) for i in range(6)]
    fell = {"measures": {"smart_foundations": "1.6"}, "previous": {"smart_foundations": "2.6"}}
    dropped = trust("X", "2.5", "2.5", answers=domains([1] * 5, previous=[2] * 5), **fell)
    one_domain = trust("Y", "2.5", "2.5", answers=domains([1], previous=[3]), **fell)
    found = patterns.change_against_peers([*peers, dropped, one_domain])
    assert [(f.kind, f.measure_key) for f in found["X"]] == [(flags.CHANGE_AGAINST_PEERS, "smart_foundations")]
    assert "Y" not in found


def test_the_result_does_not_depend_on_the_order_of_submissions():
    cycle = [*peers_rising(), trust("X", "2.1", "2.7", answers=domains([2] * 6, previous=[3] * 6))]
    shuffled = cycle[:]
    random.Random(3).shuffle(shuffled)
    assert patterns.cycle_flags(cycle) == patterns.cycle_flags(shuffled)


# Peer outliers.


def scored(ref, value, answers=()):
    return Submission(ref=ref, name=ref, ods_code=ref, ics="QE1", peer_group="acute", peer_label="acute trusts",
                      answers=answers, measures=(MeasureValue("improve_care", "Improve care", D(value)),))  # fmt: skip


PEER_SCORES = ("2.2", "2.4", "2.5", "2.5", "2.6", "2.7", "2.8", "2.4", "2.6", "2.5")


def test_a_high_score_near_the_cap_can_be_an_outlier():
    spread = ("1.5", "2.0", "2.0", "2.5", "2.5", "2.5", "3.0", "3.0", "3.5", "2.5")  # median 2.5, MAD 0.5
    # On the plain scale no score can be "far" above these: 5.0 is only 3.4 spreads away.
    plain = [float(v) for v in spread]
    assert (5.0 - patterns.median(plain)) / patterns.robust_spread(plain) < patterns.OUTLIER_Z_LIMIT
    found = patterns.peer_outliers([*(scored(f"P{i}", v) for i, v in enumerate(spread)), scored("X", "5.0")])
    [flag] = found["X"]
    assert flag.kind == flags.PEER_OUTLIER and flag.measure_key == "improve_care"
    assert flag.explanation.startswith("The score for Improve care (5.0) is far higher than those of 10 other")
    assert flag.details["peer_median"] == 2.5 and len(flag.details["peer_scores"]) == 10
    assert set(found) == {"X"}


def test_an_exemplar_with_evidence_of_its_own_is_not_an_outlier():
    evidenced = domains([5, 5, 5], measure="improve_care", evidence=lambda i: [paper(f"Audit {i}")])
    found = patterns.peer_outliers(
        [*(scored(f"P{i}", v) for i, v in enumerate(PEER_SCORES)), scored("X", "5.0", evidenced)]
    )
    assert "X" not in found


def test_low_scores_are_not_peer_outliers():
    assert patterns.peer_outliers([*(scored(f"P{i}", v) for i, v in enumerate(PEER_SCORES)), scored("X", "0.2")]) == {}


def test_fewer_than_five_other_peers_say_nothing():
    few = [scored(f"P{i}", v) for i, v in enumerate(PEER_SCORES[:4])]
    assert patterns.peer_outliers([*few, scored("X", "5.0")]) == {}


# Evidence reuse.


def with_evidence(ref, items_by_domain, ics="QE1", is_icb=False):
    answers = tuple(
        DomainAnswer(domain_key=f"d{i}", domain_name=f"Domain {i}", level=4, evidence=tuple(items))
        for i, items in enumerate(items_by_domain)
    )
    return Submission(ref=ref, name=f"Org {ref}", ods_code=ref, ics=ics, peer_group="acute", peer_label="acute trusts",
                      is_icb=is_icb, answers=answers)  # fmt: skip


def test_one_token_document_backing_many_domains_is_flagged_with_the_domains():
    token = paper("Digital update", digest="t" * 64, size=2_000)
    [flag] = patterns.evidence_reuse([with_evidence("X", [[token]] * 5)])["X"]
    assert flag.kind == flags.EVIDENCE_REUSED
    assert "“Digital update” is attached to 5 domains and is the only real evidence for 5 of them" in flag.explanation
    assert flag.details["within"][0]["domains"] == [f"Domain {i}" for i in range(5)]


def test_board_minutes_behind_a_few_domains_beside_their_own_evidence_are_not_flagged():
    minutes = paper("Board minutes", digest="m" * 64)
    items = [[minutes, paper(f"Report {i}")] for i in range(4)] + [[paper("Other")]] * 3
    assert patterns.evidence_reuse([with_evidence("X", items)]) == {}


def test_the_same_file_from_another_organisation_is_flagged_for_the_later_one_only():
    original = paper("Cyber audit", digest="c" * 64, added_at=100.0)
    copy = paper("Our cyber audit", digest="c" * 64, added_at=200.0)
    found = patterns.evidence_reuse([with_evidence("A", [[original]]), with_evidence("B", [[copy]], ics="QE2")])
    assert "A" not in found
    [flag] = found["B"]
    assert "was also submitted by 1 other organisation (Org A (A))" in flag.explanation and flag.severity == flags.HIGH


def test_a_system_document_shared_within_an_ics_with_its_icb_is_expected():
    strategy = paper("ICS digital strategy", digest="s" * 64)
    cycle = [
        with_evidence("ICB", [[strategy]], is_icb=True),
        with_evidence("A", [[strategy]]),
        with_evidence("B", [[strategy]]),
    ]
    assert patterns.evidence_reuse(cycle) == {}


# Copied notes.

PASTED = "We have reviewed the position with the clinical leads and we are assured the criteria are met in full."


def noted(ref, notes, written_at=0.0):
    answers = tuple(
        DomainAnswer(
            domain_key=f"d{i}", domain_name=f"Domain {i}", level=3, notes=text, vocabulary=WORDS, written_at=written_at
        )
        for i, text in enumerate(notes)
    )
    return Submission(ref=ref, name=f"Org {ref}", ods_code=ref, ics="QE1", peer_group="acute",
                      peer_label="acute trusts", answers=answers)  # fmt: skip


def test_the_same_note_in_three_domains_is_flagged_side_by_side():
    [flag] = patterns.copied_notes([noted("X", [PASTED, PASTED, PASTED.replace("in full", "fully"), "Other."])])["X"]
    assert flag.kind == flags.COPIED_NOTES and flag.explanation.startswith("The same note is given in 3 domains")
    pair = flag.details["side_by_side"][0]
    assert pair["left"]["domain"] == "Domain 0" and pair["right"]["text"] == PASTED


def test_notes_to_one_pattern_with_their_own_figures_are_not_copies():
    notes = [f"EPR coverage reached {n}% of wards by March 2025, with outpatients next." for n in (40, 55, 70, 85)]
    assert patterns.copied_notes([noted("X", notes)]) == {}


def test_a_particular_note_copied_from_another_organisation_is_flagged_for_the_later_writer():
    note = "EPR coverage reached 84% of wards and all theatres by March 2025; outpatients follow in June."
    found = patterns.copied_notes([noted("A", [note], written_at=10.0), noted("B", [note], written_at=20.0)])
    assert "A" not in found
    [flag] = found["B"]
    assert "1 note is almost word for word the same as notes of Org A" in flag.explanation
    assert flag.details["side_by_side"][0]["right"]["organisation"] == "Org A"


def test_a_copy_with_the_organisations_name_changed_is_still_a_copy():
    note = "Org {} completed EPR roll-out to 84% of wards and all theatres by March 2025, outpatients next."
    found = patterns.copied_notes([noted("A", [note.format("A")], 10.0), noted("B", [note.format("B")], 20.0)])
    assert list(found) == ["B"]


def test_a_stock_phrase_two_organisations_both_use_is_not_a_copy():
    stock = "We have made significant progress in this area over the past year and continue to improve."
    assert patterns.copied_notes([noted("A", [stock], 10.0), noted("B", [stock], 20.0)]) == {}


# ICB against its members.


def system(ics, icb_overall, member_overalls):
    icb = Submission(ref=f"{ics}-ICB", name=f"{ics} ICB", ods_code=ics, ics=ics, peer_group="icb", peer_label="ICBs",
                     is_icb=True, overall=D(icb_overall))  # fmt: skip
    members = [trust(f"{ics}-{i}", v, v, ics=ics) for i, v in enumerate(member_overalls)]
    return [icb, *members]


def test_an_icb_far_above_a_consistent_system_is_flagged_with_its_members():
    [flag] = patterns.icb_against_members(system("QE1", "3.9", ["2.4", "2.5", "2.5", "2.6", "2.7"]))["QE1-ICB"]
    assert flag.kind == flags.ICB_INCONSISTENT_WITH_MEMBERS
    assert flag.explanation.startswith("The system's overall score (3.9) is 1.4 higher than the middle score of its 5")
    assert [m["overall"] for m in flag.details["members"]] == [2.4, 2.5, 2.5, 2.6, 2.7]


def test_a_small_system_is_not_judged():
    assert patterns.icb_against_members(system("QE1", "4.5", ["2.0", "2.1", "2.2", "2.3"])) == {}


def test_a_mixed_system_gets_a_wider_tolerance():
    mixed = ["1.5", "2.0", "2.6", "3.4", "4.0"]
    assert patterns.icb_tolerance([float(v) for v in mixed]) > patterns.icb_tolerance([2.4, 2.5, 2.5, 2.6, 2.7]) + 1
    assert patterns.icb_against_members(system("QE1", "3.9", mixed)) == {}


@pytest.mark.parametrize("value", ["2.0", "3.0"])
def test_an_icb_close_to_its_members_is_not_flagged(value):
    assert patterns.icb_against_members(system("QE1", value, ["2.4", "2.5", "2.5", "2.6", "2.7"])) == {}


# The whole cycle.


def test_cycle_flags_returns_every_submission_and_is_idempotent():
    cycle = [*peers_rising(), *system("QE9", "4.5", ["2.4", "2.5", "2.5", "2.6", "2.7"])]
    first = patterns.cycle_flags(cycle)
    assert set(first) == {s.ref for s in cycle}
    assert patterns.cycle_flags(cycle) == first
    assert [f.kind for f in first["QE9-ICB"]] == [flags.ICB_INCONSISTENT_WITH_MEMBERS]


def test_notes_to_one_template_that_meet_by_chance_once_are_not_copies():
    stock = "Delivered and in routine use across most services; see the linked evidence for the detail"

    def note(domain, share):
        return f"{domain}: {stock} (April 2024; {share}% of services)."

    # Fifty organisations write to the same template, each with its own figure.
    others = [noted(f"C{n}", [note("EPR coverage", 20 + n), note("Theatres", 30 + n)], 5.0) for n in range(50)]
    a, b = noted("A", [note("EPR coverage", 79)], 10.0), noted("B", [note("EPR coverage", 79)], 20.0)
    assert patterns.copied_notes([*others, a, b]) == {}  # a few words of their own can meet by chance
    twice = [note("EPR coverage", 79), note("Theatres", 64)]
    a, b = noted("A", twice, written_at=10.0), noted("B", twice, written_at=20.0)
    assert list(patterns.copied_notes([*others, a, b])) == ["B"]  # two between the same two organisations
