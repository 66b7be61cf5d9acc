"""Validation flags: plain-English warnings that a self-assessment may be overstated (to look
good) or understated (to win funding). Pure functions on plain data: no database, no request.

A flag is a prompt to look, not a finding: each one says in a sentence or two what is unusual and
why it matters, so an ICS reviewer or a board member can ask the right question. The rules:

* `level_jump_without_note`: the organisation's answers moved a domain's level by two or more
  since last year (compared with last year's answers to the same domain, through the domain keys
  and the criterion crosswalk, scored on this year's criteria, so that new or raised criteria are
  never mistaken for a change of answer) and the notes do not explain the change. Maturity
  rarely moves two levels in a year; when it does, the reviewer needs the reason.
* `high_level_without_evidence`: level 3 or above is claimed with no evidence attached to the
  domain. Reviewers expect evidence from level 3, where claims become hard to check otherwise.
* `peer_outlier`: a measure score far from those of similar organisations (same main care
  setting, same cycle, submitted and scored). "Far" uses robust statistics, so that one or two
  extreme peers cannot hide an outlier or make a normal score look odd: the median of the peers'
  scores and their median absolute deviation (MAD), scaled by 1.4826 so that it estimates the
  standard deviation of normally distributed scores. A score is flagged when its modified z-score
  |score - median| / (1.4826 x MAD) exceeds 3.5, the cut-off Iglewicz and Hoaglin recommend
  ("How to Detect and Handle Outliers", 1993). The median and MAD are taken over the *other*
  organisations only, so the score being judged cannot pull the yardstick towards itself. With
  fewer than 5 other scored organisations, or when their MAD is 0 (most peers gave the same
  score, so any difference would look infinitely unusual), nothing is said: too little spread to
  judge by.
* `icb_inconsistent_with_members`: an ICB's system-level measure score differs by more than 1.0
  from the median of its member trusts' scores for the same measure (needs at least 3 scored
  members). A system's view of itself should broadly agree with its members' views.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from assessments.rules.scoring import one_decimal

LEVEL_JUMP_WITHOUT_NOTE = "level_jump_without_note"
HIGH_LEVEL_WITHOUT_EVIDENCE = "high_level_without_evidence"
PEER_OUTLIER = "peer_outlier"
ICB_INCONSISTENT_WITH_MEMBERS = "icb_inconsistent_with_members"

# Every kind (the stored model's Kind choices use the same values, with their labels).
KINDS = (LEVEL_JUMP_WITHOUT_NOTE, HIGH_LEVEL_WITHOUT_EVIDENCE, PEER_OUTLIER, ICB_INCONSISTENT_WITH_MEMBERS)
# The kinds worked out from the answers alone, so they can be shown on a draft before submission.
ANSWER_KINDS = (LEVEL_JUMP_WITHOUT_NOTE, HIGH_LEVEL_WITHOUT_EVIDENCE)

LEVEL_JUMP = 2
EXPLAINING_NOTE_MIN_CHARS = 40
EVIDENCE_EXPECTED_FROM_LEVEL = 3
MAD_SCALE = Decimal("1.4826")
MODIFIED_Z_LIMIT = Decimal("3.5")
MIN_PEERS = 5
ICB_DIFFERENCE_LIMIT = Decimal("1.0")
MIN_ICB_MEMBERS = 3


@dataclass(frozen=True)
class Flag:
    kind: str
    explanation: str
    domain_key: str = ""
    measure_key: str = ""


@dataclass(frozen=True)
class DomainAnswer:
    """One domain's answer this year, beside last year's.

    `previous_levels` are the levels last year's predecessor answers reached (empty when there is
    nothing to compare with); `like_for_like_level` is the level last year's answers reach on this
    year's criteria (None when not worked out: then last year's own level is the yardstick);
    `carried_notes` is the text that was carried forward into this year's notes when the cycle
    opened ("" when nothing was).
    """

    domain_key: str
    domain_name: str
    level: int
    notes: str = ""
    evidence_count: int = 0
    previous_levels: tuple[int, ...] = ()
    carried_notes: str = ""
    like_for_like_level: int | None = None


@dataclass(frozen=True)
class MeasureValue:
    key: str
    name: str
    value: Decimal


def _normalised(text: str) -> str:
    return " ".join(text.split())


def notes_explain_change(notes: str, carried_notes: str) -> bool:
    """Notes explain a change when someone has written something new this year: they differ from
    the notes carried forward from last year (ignoring spacing) and are at least 40 characters
    long, about one short sentence. Last year's text, or "Updated", explains nothing."""
    written = _normalised(notes)
    return len(written) >= EXPLAINING_NOTE_MIN_CHARS and written != _normalised(carried_notes)


def _levels(count: int) -> str:
    return f"{count} level{'s' if count != 1 else ''}"


def level_jump_without_note(answers: Iterable[DomainAnswer]) -> list[Flag]:
    """Domains whose answers moved the level by two or more since last year, with no explanation.

    Only a change the organisation made counts: the yardstick is last year's answers scored on
    this year's criteria, so a fall caused by new or raised criteria alone is never blamed on
    the organisation (it is shown as a framework change instead)."""
    flags = []
    for answer in answers:
        if not answer.previous_levels:
            continue
        last_year = max(answer.previous_levels)
        before = last_year if answer.like_for_like_level is None else answer.like_for_like_level
        change = answer.level - before
        if abs(change) < LEVEL_JUMP or notes_explain_change(answer.notes, answer.carried_notes):
            continue
        direction, risk = ("rose", "overstated") if change > 0 else ("fell", "understated")
        start = f"from level {before} last year"
        if before != last_year:
            start = (
                f"from level {before} (last year's answers scored against this year's criteria; "
                f"level {last_year} on last year's)"
            )
        flags.append(
            Flag(
                kind=LEVEL_JUMP_WITHOUT_NOTE,
                domain_key=answer.domain_key,
                explanation=(
                    f"{answer.domain_name} {direction} {start} to level {answer.level} "
                    f"this year ({_levels(abs(change))}) because the answers changed, but the notes do not say "
                    f"what changed. Maturity rarely moves this fast, so the answer may be {risk} unless the "
                    "reason is given."
                ),
            )
        )
    return flags


def high_level_without_evidence(answers: Iterable[DomainAnswer]) -> list[Flag]:
    """Domains claimed at level 3 or above with no evidence attached."""
    return [
        Flag(
            kind=HIGH_LEVEL_WITHOUT_EVIDENCE,
            domain_key=answer.domain_key,
            explanation=(
                f"{answer.domain_name} is claimed at level {answer.level}, but no evidence is attached. "
                f"Reviewers expect evidence for level {EVIDENCE_EXPECTED_FROM_LEVEL} and above, "
                "so the claim cannot be checked."
            ),
        )
        for answer in answers
        if answer.level >= EVIDENCE_EXPECTED_FROM_LEVEL and answer.evidence_count == 0
    ]


def answer_flags(answers: Sequence[DomainAnswer]) -> list[Flag]:
    """Every flag that can be worked out from the answers alone (also shown on drafts)."""
    return [*level_jump_without_note(answers), *high_level_without_evidence(answers)]


def _median(values: Sequence[Decimal]) -> Decimal:
    return Decimal(statistics.median(values))


def modified_z_score(value: Decimal, others: Sequence[Decimal]) -> Decimal | None:
    """|value - median| / (1.4826 x MAD) of `others`; None when their MAD is 0 (no spread)."""
    median = _median(others)
    mad = _median([abs(x - median) for x in others])
    if mad == 0:
        return None
    return abs(value - median) / (MAD_SCALE * mad)


def peer_outliers(
    scores: Iterable[MeasureValue], peer_scores: Mapping[str, Sequence[Decimal]], peer_description: str
) -> list[Flag]:
    """Measure scores that are outliers among the peers' scores for the same measure.

    `peer_scores` maps measure key to the scores of the *other* organisations in the peer group;
    `peer_description` names them for the explanation, e.g. "other acute trusts".
    """
    flags = []
    for score in scores:
        others = list(peer_scores.get(score.key, ()))
        if len(others) < MIN_PEERS:
            continue
        z = modified_z_score(score.value, others)
        if z is None or z <= MODIFIED_Z_LIMIT:
            continue
        median = _median(others)
        direction = "higher" if score.value > median else "lower"
        median = one_decimal(median)
        flags.append(
            Flag(
                kind=PEER_OUTLIER,
                measure_key=score.key,
                explanation=(
                    f"The score for {score.name} ({score.value}) is far {direction} than those of "
                    f"{len(others)} {peer_description}, whose middle score is {median}. "
                    "A difference this large is rare among similar organisations, so the answers behind it "
                    "are worth checking."
                ),
            )
        )
    return flags


def icb_inconsistent_with_members(
    scores: Iterable[MeasureValue], member_scores: Mapping[str, Sequence[Decimal]]
) -> list[Flag]:
    """An ICB's measure scores that differ by more than 1.0 from the median of its member trusts'."""
    flags = []
    for score in scores:
        members = list(member_scores.get(score.key, ()))
        if len(members) < MIN_ICB_MEMBERS:
            continue
        median = _median(members)
        difference = score.value - median
        if abs(difference) <= ICB_DIFFERENCE_LIMIT:
            continue
        direction = "higher" if difference > 0 else "lower"
        median, difference = one_decimal(median), one_decimal(abs(difference))
        flags.append(
            Flag(
                kind=ICB_INCONSISTENT_WITH_MEMBERS,
                measure_key=score.key,
                explanation=(
                    f"The system's score for {score.name} ({score.value}) is {difference} {direction} than "
                    f"the middle score of its {len(members)} member trusts ({median}). "
                    "A system's view of itself should broadly agree with its members' own assessments."
                ),
            )
        )
    return flags
