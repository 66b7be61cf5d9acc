"""Pattern flags: what only shows when an assessment is set beside others. Pure functions on plain
data (no database), run by a worker over a whole cycle at once, so that every organisation is
judged against the same yardstick whatever the order in which they submitted, and re-running
over an unchanged cycle changes nothing.

* `change_against_peers`: the year-on-year change of the overall score and of each measure, as a
  robust z-score against the changes of the same care-setting peers in the same cycle (median
  and median absolute deviation, MAD, of the *other* peers, so one organisation cannot move its own
  yardstick). A broad quiet drop of one level across many domains, or a leap across many, stands
  out even when no single domain moves by two. A change that the notes explain (and, for a rise,
  new evidence backs) in most of the domains that moved is not flagged: that is an organisation
  that really did improve, or really did lose something, and said so.
* `peer_outliers`: a measure score far *above* the peers' scores, on a scale that stretches
  near the ends (the logit of the score's place between 0 and 5), because scores stop at 5: on
  the plain scale a trust at 5 among peers around 2.5 with ordinary spread can never be "far".
  Not raised when most of the measure's high domains are backed by their own substantive
  evidence (an exemplar), and never for low scores: a low score alone is no sign of gaming (many
  organisations are under-resourced); understating shows as a fall, which the change rule sees.
* `evidence_reuse`: the same file or link (by content hash, and by normalised link) backing many
  domains of one assessment, or the only real evidence in several; or the same file submitted by
  another organisation, unless the ICB of the same ICS submitted it too (a system document that
  members share is expected).
* `copied_notes`: near-identical notes in several domains of one assessment, or a note
  near-identical to another organisation's (rapidfuzz's normalised Indel similarity on
  normalised text; candidate pairs across organisations are found through shared word shingles,
  so the cost grows with the notes, not with their pairs).
* `icb_against_members`: an ICB's overall score against the median of its member trusts',
  within a tolerance that widens with the spread of the members and narrows with their number,
  so small (fewer than 5 scored members) or mixed systems are not flagged by default.

The thresholds were chosen on the synthetic evaluation in benchmarks/flag_evaluation (see
docs/decisions/0007-flags-that-catch-gaming.md for the figures and the reasoning).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from rapidfuzz import fuzz

from assessments.rules.flags import (
    CHANGE_AGAINST_PEERS,
    COPIED_NOTES,
    EVIDENCE_REUSED,
    HIGH,
    ICB_INCONSISTENT_WITH_MEMBERS,
    MEDIUM,
    PEER_OUTLIER,
    DomainAnswer,
    EvidenceItem,
    Flag,
    answer_flags,
    boilerplate_notes,
    is_specific,
    normalised,
    notes_explain_change,
)

MAD_SCALE = 1.4826
# Change against peers.
MIN_CHANGE_PEERS = 8
CHANGE_Z_LIMIT = 3.5
MEASURE_CHANGE_Z_LIMIT = 4.0
# The spread of peers' changes is never taken as smaller than this (a group where most peers did
# not move would otherwise make any movement look infinitely unusual).
CHANGE_SPREAD_FLOOR = 0.1
MIN_OVERALL_DIFFERENCE = 0.3
MIN_MEASURE_DIFFERENCE = 0.5
EXPLAINED_SHARE = 2 / 3
MIN_MOVED_DOMAINS = 3
# Peer outliers.
MIN_PEERS = 5
OUTLIER_Z_LIMIT = 3.5
HIGH_DOMAIN_LEVEL = 3
# Evidence reuse.
REUSE_DOMAINS = 6
SOLE_BACKING_DOMAINS = 4
# Copied notes.
COPY_MIN_CHARS = 40
CROSS_COPY_MIN_CHARS = 60
COPY_WITHIN_SIMILARITY = 90
COPY_WITHIN_DOMAINS = 3
COPY_ACROSS_SIMILARITY = 95
SHINGLE_WORDS = 4
COMMON_SHINGLE_NOTES = 40
DISTINCT_SHARED_SHINGLES = 6
SIDE_BY_SIDE_PAIRS = 5
# ICB against members.
MIN_ICB_MEMBERS = 5
ICB_BASE_TOLERANCE = 0.6
ICB_SPREAD_FACTOR = 1.5


@dataclass(frozen=True)
class MeasureValue:
    key: str
    name: str
    value: Decimal


@dataclass(frozen=True)
class Submission:
    """One submitted assessment as the pattern rules see it.

    `ref` is how its flags are keyed in the result; `peer_group` is the care setting of a trust's
    main services ("icb" for ICBs), `peer_label` names the group in words ("acute trusts").
    Last year's scores are by measure key (the seven measures keep their keys across versions).
    """

    ref: str
    name: str
    ods_code: str
    ics: str
    peer_group: str
    peer_label: str
    is_icb: bool = False
    answers: tuple[DomainAnswer, ...] = ()
    measures: tuple[MeasureValue, ...] = ()
    overall: Decimal | None = None
    previous_measures: Mapping[str, Decimal] = field(default_factory=dict, compare=False, hash=False)
    previous_overall: Decimal | None = None

    def change(self, measure_key: str = "") -> float | None:
        if not measure_key:
            if self.overall is None or self.previous_overall is None:
                return None
            return float(self.overall - self.previous_overall)
        current = next((m.value for m in self.measures if m.key == measure_key), None)
        before = self.previous_measures.get(measure_key)
        return None if current is None or before is None else float(current - before)


def cycle_flags(
    submissions: Sequence[Submission], prerequisites: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[Flag]]:
    """Every flag of every submitted assessment of a cycle, by `ref`: the answer flags of each and
    the pattern flags across them. The same input gives the same flags in any order."""
    flags: dict[str, list[Flag]] = {s.ref: answer_flags(s.answers, prerequisites or {}) for s in submissions}
    for rule in (change_against_peers, peer_outliers, evidence_reuse, copied_notes, icb_against_members):
        for ref, raised in rule(submissions).items():
            flags[ref].extend(raised)
    return flags


# Robust statistics.


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def robust_spread(values: Sequence[float]) -> float:
    """1.4826 x MAD: estimates the standard deviation of normally distributed values, without
    letting a few extreme ones set it."""
    centre = median(values)
    return MAD_SCALE * median([abs(v - centre) for v in values])


def _groups(submissions: Iterable[Submission]) -> dict[str, list[Submission]]:
    groups: dict[str, list[Submission]] = defaultdict(list)
    for submission in submissions:
        if submission.peer_group:
            groups[submission.peer_group].append(submission)
    return groups


def _signed(value: float) -> str:
    rounded = round(value, 1)
    return f"{'+' if rounded > 0 else ''}{rounded:.1f}".replace("-", "−")


# Change against peers.


def _moved(answers: Iterable[DomainAnswer], rising: bool) -> list[DomainAnswer]:
    return [a for a in answers if a.own_change is not None and (a.own_change > 0 if rising else a.own_change < 0)]


def _explained_share(moved: Sequence[DomainAnswer], all_answers: Sequence[DomainAnswer], rising: bool) -> float:
    """The share of the domains that moved whose notes explain the change (and, for a rise to
    level 3 or more, with new substantive evidence)."""
    if not moved:
        return 0.0
    boilerplate = boilerplate_notes(all_answers)
    explained = [
        a
        for a in moved
        if notes_explain_change(a.notes, a.carried_notes, a.vocabulary or None, boilerplate)
        and (not rising or a.level < HIGH_DOMAIN_LEVEL or any(item.is_substantive for item in a.new_evidence))
    ]
    return len(explained) / len(moved)


def change_against_peers(submissions: Sequence[Submission]) -> dict[str, list[Flag]]:
    flags: dict[str, list[Flag]] = defaultdict(list)
    for group in _groups(submissions).values():
        measure_keys = sorted({m.key for s in group for m in s.measures})
        names = {m.key: m.name for s in group for m in s.measures}
        for measure_key in ["", *measure_keys]:
            changes = {s.ref: s.change(measure_key) for s in group}
            known = [(s, c) for s in group if (c := changes[s.ref]) is not None]
            if len(known) - 1 < MIN_CHANGE_PEERS:
                continue
            for submission, change in known:
                others = [c for s, c in known if s.ref != submission.ref]
                centre = median(others)
                spread = max(robust_spread(others), CHANGE_SPREAD_FLOOR)
                z = (change - centre) / spread
                limit = CHANGE_Z_LIMIT if not measure_key else MEASURE_CHANGE_Z_LIMIT
                least = MIN_OVERALL_DIFFERENCE if not measure_key else MIN_MEASURE_DIFFERENCE
                if abs(z) < limit or abs(change - centre) < least:
                    continue
                rising = z > 0
                answers = [a for a in submission.answers if not measure_key or a.measure_key == measure_key]
                moved = _moved(answers, rising)
                if measure_key and len(moved) < MIN_MOVED_DOMAINS:
                    continue  # one or two domains are judged by the answer flags, not as a pattern
                if _explained_share(moved, submission.answers, rising) >= EXPLAINED_SHARE:
                    continue
                flags[submission.ref].append(
                    _change_flag(submission, measure_key, names.get(measure_key, ""), change, others, z, moved, rising)
                )
    return flags


def _change_flag(
    submission: Submission,
    measure_key: str,
    measure_name: str,
    change: float,
    others: Sequence[float],
    z: float,
    moved: Sequence[DomainAnswer],
    rising: bool,
) -> Flag:
    what = "The overall score" if not measure_key else f"The score for {measure_name}"
    verb = "rose" if change > 0 else "fell" if change < 0 else "did not change"
    beyond = sum(1 for c in others if (c >= change if rising else c <= change))
    peers = f"{len(others)} other {submission.peer_label}"
    moved_text = ""
    if moved:
        direction = "rose" if rising else "fell"
        moved_text = (
            f" {len(moved)} domain{'s' if len(moved) != 1 else ''} {direction}, most with no note or new "
            "evidence saying why."
        )
    risk = "overstated" if rising else "understated"
    return Flag(
        kind=CHANGE_AGAINST_PEERS,
        measure_key=measure_key,
        severity=HIGH if abs(z) >= 2 * CHANGE_Z_LIMIT else MEDIUM,
        explanation=(
            f"{what} {verb} {abs(round(change, 1)):.1f} since last year while {peers} changed by a median of "
            f"{_signed(median(others))}; {beyond} of them {'rose' if rising else 'fell'} as far or further."
            f"{moved_text} A change this unlike similar organisations' may be {risk}."
        ),
        to_clear=(
            "Say in the notes of the domains that moved what changed (what was done or stopped, and when), "
            "with evidence for each rise."
        ),
        details={
            "change": round(change, 2),
            "peer_median": round(median(others), 2),
            "peer_changes": sorted(round(c, 2) for c in others),
            "z": round(z, 1),
            "peer_label": submission.peer_label,
            "domains": [
                {"domain_key": a.domain_key, "name": a.domain_name, "from_level": a.baseline, "to_level": a.level}
                for a in moved
            ],
        },
    )


# Peer outliers (high side).


def _stretched(score: float) -> float:
    """The logit of the score's place between 0 and 5 (a quarter of a level kept from each end)."""
    place = (score + 0.25) / 5.5
    return math.log(place / (1 - place))


def _digest_counts(answers: Iterable[DomainAnswer]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for answer in answers:
        for digest in {item.digest for item in answer.evidence if item.digest}:
            counts[digest] += 1
    return counts


def _exemplar(submission: Submission, measure_key: str) -> bool:
    """Most of the measure's high domains are backed by substantive evidence of their own."""
    high = [a for a in submission.answers if a.measure_key == measure_key and a.level >= HIGH_DOMAIN_LEVEL]
    if not high:
        return False
    uses = _digest_counts(submission.answers)
    backed = [
        a for a in high if any(item.is_substantive and uses.get(item.digest, 0) < REUSE_DOMAINS for item in a.evidence)
    ]
    return len(backed) / len(high) >= EXPLAINED_SHARE


def peer_outliers(submissions: Sequence[Submission]) -> dict[str, list[Flag]]:
    flags: dict[str, list[Flag]] = defaultdict(list)
    for group in _groups(submissions).values():
        by_measure: dict[str, list[tuple[Submission, MeasureValue]]] = defaultdict(list)
        for submission in group:
            for measure in submission.measures:
                by_measure[measure.key].append((submission, measure))
        for entries in by_measure.values():
            if len(entries) - 1 < MIN_PEERS:
                continue
            for submission, measure in entries:
                others = [float(m.value) for s, m in entries if s.ref != submission.ref]
                stretched = [_stretched(v) for v in others]
                spread = robust_spread(stretched)
                if spread == 0:
                    continue
                z = (_stretched(float(measure.value)) - median(stretched)) / spread
                if z <= OUTLIER_Z_LIMIT or _exemplar(submission, measure.key):
                    continue
                centre = median(others)
                flags[submission.ref].append(
                    Flag(
                        kind=PEER_OUTLIER,
                        measure_key=measure.key,
                        severity=HIGH if z >= 1.5 * OUTLIER_Z_LIMIT else MEDIUM,
                        explanation=(
                            f"The score for {measure.name} ({measure.value}) is far higher than those of "
                            f"{len(others)} other {submission.peer_label}, whose middle score is {centre:.1f}; "
                            f"{sum(1 for v in others if v >= float(measure.value))} of them score as high. "
                            "A difference this large is rare among similar organisations, and most of the high "
                            "answers behind it have no evidence of their own."
                        ),
                        to_clear="Attach evidence of its own to each domain claimed at level 3 or above.",
                        details={
                            "value": float(measure.value),
                            "peer_median": round(centre, 2),
                            "peer_scores": sorted(others),
                            "z": round(z, 1),
                            "peer_label": submission.peer_label,
                        },
                    )
                )
    return flags


# Evidence reuse.


def evidence_reuse(submissions: Sequence[Submission]) -> dict[str, list[Flag]]:
    # file digest -> (when first attached, ref) of every submission that has it
    files = {s.ref: _files(s) for s in submissions}
    holders: dict[str, dict[str, float]] = defaultdict(dict)
    for submission in submissions:
        for digest, item in files[submission.ref].items():
            holders[digest][submission.ref] = item.added_at
    by_ref = {s.ref: s for s in submissions}
    icb_of = {s.ics: s.ref for s in submissions if s.is_icb}
    flags: dict[str, list[Flag]] = {}
    for submission in submissions:
        within = _reused_within(submission)
        across = []
        for digest, item in files[submission.ref].items():
            others = _copied_from(submission, holders[digest], by_ref, icb_of)
            if others:
                across.append(
                    {
                        "title": item.title,
                        "digest": digest,
                        "organisations": sorted(f"{by_ref[r].name} ({by_ref[r].ods_code})" for r in others),
                    }
                )
        if within or across:
            flags[submission.ref] = [_reuse_flag(within, across)]
    return flags


def _copied_from(
    submission: Submission, holders: Mapping[str, float], by_ref: Mapping[str, Submission], icb_of: Mapping[str, str]
) -> list[str]:
    """The other organisations that had this file first (or at the same moment, when no order is
    known). A system document is expected to be shared: within an ICS whose ICB has the file, it
    is never held against anyone."""
    own = holders[submission.ref]
    others = [ref for ref, added in holders.items() if ref != submission.ref and (added <= own or not own)]
    icb = icb_of.get(submission.ics)
    if icb in holders:
        others = [ref for ref in others if by_ref[ref].ics != submission.ics]
    if submission.is_icb:
        others = [ref for ref in others if by_ref[ref].ics != submission.ics]
    return others


def _files(submission: Submission) -> dict[str, EvidenceItem]:
    """The submission's files by digest, each with the earliest moment it was attached."""
    files: dict[str, EvidenceItem] = {}
    for answer in submission.answers:
        for item in answer.evidence:
            earlier = files.get(item.digest)
            if item.kind == "file" and item.digest and (earlier is None or item.added_at < earlier.added_at):
                files[item.digest] = item
    return files


def _reused_within(submission: Submission) -> list[dict]:
    backing: dict[str, list[DomainAnswer]] = defaultdict(list)
    items = {}
    for answer in submission.answers:
        for item in answer.evidence:
            if item.digest and answer not in backing[item.digest]:
                backing[item.digest].append(answer)
                items[item.digest] = item
    reused = []
    for digest, answers in backing.items():
        # The domains where this is the only evidence that could show anything.
        sole = [a for a in answers if not any(other.is_substantive for other in a.evidence if other.digest != digest)]
        if len(answers) >= REUSE_DOMAINS or len(sole) >= SOLE_BACKING_DOMAINS:
            item = items[digest]
            reused.append(
                {
                    "title": item.title,
                    "digest": digest,
                    "kind": item.kind,
                    "size": item.size,
                    "domains": [a.domain_name for a in answers],
                    "sole_backing": [a.domain_name for a in sole],
                }
            )
    return reused


def _reuse_flag(within: list[dict], across: list[dict]) -> Flag:
    sentences = []
    for entry in within:
        sentence = f"“{entry['title']}” is attached to {len(entry['domains'])} domains"
        if entry["sole_backing"]:
            sentence += f" and is the only real evidence for {len(entry['sole_backing'])} of them"
        sentences.append(sentence + ".")
    for entry in across:
        count = len(entry["organisations"])
        sentences.append(
            f"The file “{entry['title']}” was also submitted by {count} other organisation{'s' if count != 1 else ''} "
            f"({', '.join(entry['organisations'][:3])}{', …' if count > 3 else ''})."
        )
    strong = across or any(len(e["domains"]) >= 2 * REUSE_DOMAINS - 2 for e in within)
    return Flag(
        kind=EVIDENCE_REUSED,
        severity=HIGH if strong else MEDIUM,
        explanation=(
            " ".join(sentences)
            + " One document cannot usually show that the criteria of many different domains are met, "
            "so the answers it backs may be overstated."
        ),
        to_clear=(
            "Attach, for each domain, the evidence particular to it; a document written by another "
            "organisation does not show what this one does."
        ),
        details={"within": within, "across": across},
    )


# Copied notes.


def _note_text(answer: DomainAnswer, organisation: str = "") -> str:
    """The note as compared: spacing and case ignored, the organisation's own name left out (a
    copy with the name changed is still a copy)."""
    text = normalised(answer.notes).lower()
    return text.replace(organisation.lower(), "") if organisation else text


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _same_figures(left: str, right: str) -> bool:
    """A copy keeps the figures of the original; notes written to the same pattern by different
    people ("14 wards", "8 wards") give their own."""
    return _NUMBER.findall(left) == _NUMBER.findall(right)


def _copies(left: str, right: str, similarity: int) -> float:
    score = fuzz.ratio(left, right, score_cutoff=similarity)  # the cheap test first
    return score if score and _same_figures(left, right) else 0.0


def _shingles(text: str) -> set[str]:
    words = text.split()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(len(words) - SHINGLE_WORDS + 1, 1))}


def _written_this_year(answer: DomainAnswer) -> bool:
    return normalised(answer.notes) != normalised(answer.carried_notes)


def copied_notes(submissions: Sequence[Submission]) -> dict[str, list[Flag]]:
    within = {s.ref: _copied_within(s) for s in submissions}
    across = _copied_across(submissions)
    flags: dict[str, list[Flag]] = {}
    for submission in submissions:
        groups, pairs = within[submission.ref], across.get(submission.ref, [])
        if groups or pairs:
            flags[submission.ref] = [_copied_flag(submission, groups, pairs)]
    return flags


def _copied_within(submission: Submission) -> list[list[DomainAnswer]]:
    """Groups of domains of one assessment with near-identical notes (each group 3 or more)."""
    texts = {id(a): _note_text(a) for a in submission.answers}
    groups: list[list[DomainAnswer]] = []
    for answer in (a for a in submission.answers if len(texts[id(a)]) >= COPY_MIN_CHARS):
        for group in groups:
            if _copies(texts[id(group[0])], texts[id(answer)], COPY_WITHIN_SIMILARITY):
                group.append(answer)
                break
        else:
            groups.append([answer])
    return [group for group in groups if len(group) >= COPY_WITHIN_DOMAINS]


def _copied_across(submissions: Sequence[Submission]) -> dict[str, list[dict]]:
    """Notes written this year that are near-identical to another organisation's, by ref."""
    notes = [
        (s, a, _note_text(a, s.name))
        for s in submissions
        for a in s.answers
        # A stock phrase two organisations both use explains nothing either way (the answer flags
        # judge it); a particular note, with its figures, in another organisation's answer is copied.
        if len(_note_text(a)) >= CROSS_COPY_MIN_CHARS and _written_this_year(a) and is_specific(a.notes, a.vocabulary)
    ]
    index: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, text) in enumerate(notes):
        for shingle in _shingles(text):
            index[shingle].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for holders in index.values():
        if len(holders) > COMMON_SHINGLE_NOTES:
            continue  # a phrase many notes use, such as a criterion's own words
        for x, i in enumerate(holders):
            for j in holders[x + 1 :]:
                if notes[i][0].ref != notes[j][0].ref:
                    shared[(i, j)] += 1
    # Near-identical notes, grouped by the pair of organisations.
    matches: dict[tuple[str, str], list[tuple[int, int, int, float]]] = defaultdict(list)
    words = [len(text.split()) for _, _, text in notes]
    for (i, j), count in sorted(shared.items()):
        if count < 2 and min(words[i], words[j]) > SHINGLE_WORDS + 1:
            continue  # one shared phrase in two longer notes: not a copy
        (left, _, left_text), (right, _, right_text) = notes[i], notes[j]
        similarity = _copies(left_text, right_text, COPY_ACROSS_SIMILARITY)
        if similarity:
            matches[tuple(sorted((left.ref, right.ref)))].append((i, j, count, similarity))
    pairs: dict[str, list[dict]] = defaultdict(list)
    for found in matches.values():
        # Notes written to one pattern can meet by chance when only a few words are their own; a
        # note with many words of its own, or several notes shared by the same two organisations,
        # cannot.
        if len(found) < 2 and max(count for _, _, count, _ in found) < DISTINCT_SHARED_SHINGLES:
            continue
        for i, j, _, similarity in found:
            (left, left_answer, _), (right, right_answer, _) = notes[i], notes[j]
            # The later writer is asked (both, when no order is known): the first may be the author.
            if right_answer.written_at <= left_answer.written_at or not left_answer.written_at:
                pairs[left.ref].append(_side_by_side(left, left_answer, right, right_answer, similarity))
            if left_answer.written_at <= right_answer.written_at or not right_answer.written_at:
                pairs[right.ref].append(_side_by_side(right, right_answer, left, left_answer, similarity))
    return pairs


def _side_by_side(
    own: Submission, own_answer: DomainAnswer, other: Submission, other_answer: DomainAnswer, similarity: float
) -> dict:
    return {
        "similarity": round(similarity),
        "left": {"organisation": own.name, "ods_code": own.ods_code, "domain": own_answer.domain_name,
                 "text": normalised(own_answer.notes)},
        "right": {"organisation": other.name, "ods_code": other.ods_code, "domain": other_answer.domain_name,
                  "text": normalised(other_answer.notes)},
    }  # fmt: skip


def _copied_flag(submission: Submission, groups: list[list[DomainAnswer]], pairs: list[dict]) -> Flag:
    sentences = []
    side_by_side = []
    for group in groups:
        names = ", ".join(a.domain_name for a in group[:4]) + (", …" if len(group) > 4 else "")
        sentences.append(f"The same note is given in {len(group)} domains ({names}).")
        first = group[0]
        for other in group[1:SIDE_BY_SIDE_PAIRS]:
            side_by_side.append(
                _side_by_side(submission, first, submission, other, fuzz.ratio(_note_text(first), _note_text(other)))
            )
    if pairs:
        others = sorted({p["right"]["organisation"] for p in pairs})
        sentences.append(
            f"{len(pairs)} note{'s are' if len(pairs) != 1 else ' is'} almost word for word the same as notes of "
            f"{', '.join(others[:3])}{', …' if len(others) > 3 else ''}."
        )
        side_by_side.extend(pairs[:SIDE_BY_SIDE_PAIRS])
    return Flag(
        kind=COPIED_NOTES,
        severity=HIGH if pairs else MEDIUM,
        explanation=(
            " ".join(sentences) + " Notes copied between answers say nothing about each answer, so the levels "
            "they support have not been explained."
        ),
        to_clear="Write, for each domain, what the organisation itself does to meet its criteria.",
        details={"side_by_side": side_by_side, "cross_organisation": len(pairs)},
    )


# ICB against its members.


def icb_tolerance(member_scores: Sequence[float]) -> float:
    """How far an ICB's score may sit from its members' median before it is flagged: a base,
    widened by the members' spread (a mixed system has no single "typical" member) and by the
    uncertainty of a median of few members."""
    n = len(member_scores)
    return ICB_BASE_TOLERANCE + ICB_SPREAD_FACTOR * robust_spread(member_scores) * math.sqrt(1 + 1 / n)


def icb_against_members(submissions: Sequence[Submission]) -> dict[str, list[Flag]]:
    members: dict[str, list[Submission]] = defaultdict(list)
    for submission in submissions:
        if not submission.is_icb and submission.overall is not None:
            members[submission.ics].append(submission)
    flags: dict[str, list[Flag]] = {}
    for icb in submissions:
        if not icb.is_icb or icb.overall is None:
            continue
        scores = [float(m.overall) for m in members.get(icb.ics, [])]
        if len(scores) < MIN_ICB_MEMBERS:
            continue
        centre, tolerance = median(scores), icb_tolerance(scores)
        difference = float(icb.overall) - centre
        if abs(difference) <= tolerance:
            continue
        direction = "higher" if difference > 0 else "lower"
        flags[icb.ref] = [
            Flag(
                kind=ICB_INCONSISTENT_WITH_MEMBERS,
                severity=HIGH if abs(difference) >= 2 * tolerance else MEDIUM,
                explanation=(
                    f"The system's overall score ({icb.overall}) is {abs(difference):.1f} {direction} than the "
                    f"middle score of its {len(scores)} member organisations ({centre:.1f}), more than the "
                    f"{tolerance:.1f} that the number and spread of its members allow. A system's view of "
                    "itself should broadly agree with its members' own assessments."
                ),
                to_clear="Say in the notes of the system domains why the system differs from its members.",
                details={
                    "value": float(icb.overall),
                    "member_median": round(centre, 2),
                    "tolerance": round(tolerance, 2),
                    "members": sorted(
                        (
                            {"organisation": m.name, "ods_code": m.ods_code, "overall": float(m.overall)}
                            for m in members[icb.ics]
                        ),
                        key=lambda m: m["overall"],
                    ),
                },
            )
        ]
    return flags
