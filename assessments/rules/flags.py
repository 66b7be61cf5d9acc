"""Validation flags about one assessment's own answers: plain-English warnings that a domain's
answer may be overstated (to look good) or understated (to win funding). Pure functions on plain
data: no database, no request. The flags that compare an organisation with others (its peers, its
ICS's members, other organisations' evidence and notes) are in patterns.py.

A flag is a prompt to look, not a finding: each one says in a sentence or two what is unusual and
why it matters, what would clear it, and how much it matters (its severity), so an ICS reviewer
or a board member can ask the right question. These are the **answer flags**: worked out from the
organisation's own answers, so they are shown on a draft before sign-off, with what would put
them right.

* `level_jump_without_note`: a domain's level moved by two or more since last year because the
  answers changed (compared with last year's answers scored on this year's criteria, so new or
  raised criteria are never mistaken for a change of answer), and the notes do not explain it.
* `high_level_without_evidence`: level 3 or above newly claimed this year (risen to it, or a first
  assessment) with no evidence that could show it: nothing attached, or only files too small to
  hold a document, or links to a web site's front page. A claim carried forward unchanged was
  answered last year and is not asked about again.
* `fall_with_evidence_unchanged`: a domain fell because the answers changed while exactly last
  year's evidence is still attached, nothing added or removed, and the notes say nothing: the
  evidence that supported the higher level is still offered, so why is the level lower?
* `prerequisite_unmet`: a domain is claimed at level 3 or above while a domain it builds on (the
  framework file's `depends_on`) is two or more levels lower, and the notes do not explain how
  (last year's notes still can: this is about the answer as it stands, not a change): barcoding
  at level 4 without electronic prescribing contradicts itself.

"Explaining" notes are written this year, are at least a sentence long, are not pasted into
several domains, and say something particular to the domain: a date or figure, or at least two
of the words the domain's own criteria use. "We have made good progress in this area over the
year" explains nothing, however long.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Kinds: the stored model's Kind choices use the same values, with their labels.
LEVEL_JUMP_WITHOUT_NOTE = "level_jump_without_note"
HIGH_LEVEL_WITHOUT_EVIDENCE = "high_level_without_evidence"
FALL_WITH_EVIDENCE_UNCHANGED = "fall_with_evidence_unchanged"
PREREQUISITE_UNMET = "prerequisite_unmet"
CHANGE_AGAINST_PEERS = "change_against_peers"
PEER_OUTLIER = "peer_outlier"
EVIDENCE_REUSED = "evidence_reused"
COPIED_NOTES = "copied_notes"
ICB_INCONSISTENT_WITH_MEMBERS = "icb_inconsistent_with_members"

# Worked out from the organisation's own answers: shown on a draft, before sign-off.
ANSWER_KINDS = (LEVEL_JUMP_WITHOUT_NOTE, HIGH_LEVEL_WITHOUT_EVIDENCE, FALL_WITH_EVIDENCE_UNCHANGED, PREREQUISITE_UNMET)
# Patterns across answers or organisations: for the reviewer, worked out by a worker over the
# whole cycle once submitted; never shown to an organisation before it submits (it would teach
# how not to be seen), and never resolved by the organisation itself.
PATTERN_KINDS = (CHANGE_AGAINST_PEERS, PEER_OUTLIER, EVIDENCE_REUSED, COPIED_NOTES, ICB_INCONSISTENT_WITH_MEMBERS)
KINDS = (*ANSWER_KINDS, *PATTERN_KINDS)

LOW, MEDIUM, HIGH = "low", "medium", "high"
SEVERITIES = (LOW, MEDIUM, HIGH)

LEVEL_JUMP = 2
EXPLAINING_NOTE_MIN_CHARS = 40
# A note pasted into this many domains of one assessment is boilerplate: it explains none of them.
BOILERPLATE_DOMAINS = 3
EVIDENCE_EXPECTED_FROM_LEVEL = 3
# The smallest file that can hold a document of any substance (a one-page PDF with a paragraph is
# over 10 KiB; an empty one under 1 KiB). Smaller files are tokens, whatever they are called.
SUBSTANTIVE_FILE_BYTES = 4096
# One domain falling a level without a word is common (a criterion re-read more strictly); several
# falling quietly while their evidence stays is the pattern of an understated assessment.
SILENT_FALLS = 3
PREREQUISITE_GAP = 2
PREREQUISITE_FROM_LEVEL = 3


@dataclass(frozen=True)
class Flag:
    kind: str
    explanation: str
    domain_key: str = ""
    measure_key: str = ""
    severity: str = MEDIUM
    # What the organisation could add or change to clear the flag, in a sentence.
    to_clear: str = ""
    # The figures behind the flag for the reviewer's page (plain JSON: str, int, float, list, dict).
    details: Mapping = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence: `digest` is the SHA-256 of a file's content or of a normalised link."""

    kind: str  # "file" or "link"
    title: str
    digest: str = ""
    size: int = 0
    url: str = ""
    carried_forward: bool = False
    # When it was first attached (a POSIX timestamp; last year's for evidence carried forward), so
    # that of two organisations with the same file the later one is asked, not the author.
    added_at: float = 0.0

    @property
    def is_substantive(self) -> bool:
        """Could this show anything? A file big enough to hold a document, or a link to a page
        rather than to a web site's front page."""
        if self.kind == "file":
            return self.size >= SUBSTANTIVE_FILE_BYTES
        return urlsplit(self.url).path.strip("/") != "" if self.url else True


@dataclass(frozen=True)
class DomainAnswer:
    """One domain's answer this year, beside last year's.

    `previous_levels` are the levels last year's predecessor answers reached (empty when there is
    nothing to compare with); `like_for_like_level` is the level last year's answers reach on this
    year's criteria (None when not worked out: then last year's own level is the yardstick);
    `carried_notes` is the text carried forward into this year's notes when the cycle opened;
    `previous_evidence_count` how many pieces of evidence last year's answers had; `vocabulary`
    the words of the domain's own name and criteria (see `vocabulary_of`).
    """

    domain_key: str
    domain_name: str
    level: int
    notes: str = ""
    evidence: tuple[EvidenceItem, ...] = ()
    previous_levels: tuple[int, ...] = ()
    carried_notes: str = ""
    like_for_like_level: int | None = None
    measure_key: str = ""
    previous_evidence_count: int = 0
    vocabulary: frozenset[str] = frozenset()
    # When the notes were last saved (a POSIX timestamp; 0 when not known).
    written_at: float = 0.0

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_levels)

    @property
    def last_year_level(self) -> int | None:
        return max(self.previous_levels) if self.previous_levels else None

    @property
    def baseline(self) -> int | None:
        """The yardstick for the organisation's own change: last year's answers on this year's criteria."""
        if not self.previous_levels:
            return None
        return self.last_year_level if self.like_for_like_level is None else self.like_for_like_level

    @property
    def own_change(self) -> int | None:
        baseline = self.baseline
        return None if baseline is None else self.level - baseline

    @property
    def new_evidence(self) -> tuple[EvidenceItem, ...]:
        return tuple(item for item in self.evidence if not item.carried_forward)

    @property
    def evidence_unchanged(self) -> bool:
        """Exactly last year's evidence: some, all carried forward, none added or removed."""
        return bool(self.evidence) and not self.new_evidence and len(self.evidence) == self.previous_evidence_count


def normalised(text: str) -> str:
    return " ".join(text.split())


_WORD = re.compile(r"[a-z][a-z'-]+")
_FIGURE = re.compile(r"\d")
# Words any note might use about any domain: they say nothing particular about this one.
_GENERIC = frozenset(
    """
    about above across after again against all also always among and another any are area areas around been
    before being better between both but can could does done during each either ensure ensured every from
    further good great had has have having here improve improved improvement improvements into its last made
    make making many more most much need needs new next not now number once only other others our over own
    part place plan planned plans progress put ready really same several should since some still such than
    that the their them then there these they this those through time times under until update updated very
    was well were what when where which while who will with within work worked working would year years yet
    your digital data organisation organisations trust trusts team teams staff service services system
    systems level levels meet meets met
    """.split()  # noqa: SIM905 (a word list reads better as words)
)


def content_words(text: str) -> set[str]:
    """The words of a text that can say something particular: lower case, four letters or more,
    not in the list of words any note might use."""
    return {word for word in _WORD.findall(text.lower()) if len(word) >= 4 and word not in _GENERIC}


def vocabulary_of(*texts: str) -> frozenset[str]:
    """A domain's vocabulary: the content words of its name, criteria and guidance."""
    words: set[str] = set()
    for text in texts:
        words |= content_words(text)
    return frozenset(words)


def boilerplate_notes(answers: Iterable[DomainAnswer]) -> frozenset[str]:
    """The notes (normalised) pasted into several domains of one assessment."""
    counts = Counter(normalised(a.notes).lower() for a in answers if len(normalised(a.notes)) >= 20)
    return frozenset(text for text, count in counts.items() if count >= BOILERPLATE_DOMAINS)


def is_specific(notes: str, vocabulary: frozenset[str]) -> bool:
    """Says something particular to the domain: a figure or date, or two of the domain's words."""
    return bool(_FIGURE.search(notes)) or len(content_words(notes) & vocabulary) >= 2


def notes_explain_change(
    notes: str, carried_notes: str, vocabulary: frozenset[str] | None = None, boilerplate: frozenset[str] = frozenset()
) -> bool:
    """Notes explain a change when someone has written something new and particular this year:
    they differ from the notes carried forward from last year (ignoring spacing), are at least 40
    characters long (about a sentence), are not pasted into several domains, and give a figure or
    date, or use two of the domain's own words. `vocabulary` None skips the last test (used where
    the domain's words are not known)."""
    written = normalised(notes)
    if len(written) < EXPLAINING_NOTE_MIN_CHARS or written == normalised(carried_notes):
        return False
    if written.lower() in boilerplate:
        return False
    return vocabulary is None or is_specific(written, vocabulary)


def _levels(count: int) -> str:
    return f"{count} level{'s' if count != 1 else ''}"


def _explained(answer: DomainAnswer, boilerplate: frozenset[str]) -> bool:
    return notes_explain_change(answer.notes, answer.carried_notes, answer.vocabulary or None, boilerplate)


def _explains_standing(answer: DomainAnswer, boilerplate: frozenset[str]) -> bool:
    """Notes that explain an answer as it stands (not a change): last year's still do, if they
    are a sentence long, not boilerplate and particular to the domain."""
    written = normalised(answer.notes)
    return (
        len(written) >= EXPLAINING_NOTE_MIN_CHARS
        and written.lower() not in boilerplate
        and (not answer.vocabulary or is_specific(written, answer.vocabulary))
    )


EXPLAIN_IN_NOTES = (
    "Say in the notes what changed since last year (what was done or stopped, and when), "
    "and attach the evidence for it."
)


def level_jump_without_note(answers: Sequence[DomainAnswer]) -> list[Flag]:
    """Domains whose answers moved the level by two or more since last year, with no explanation.

    Only a change the organisation made counts: the yardstick is last year's answers scored on
    this year's criteria, so a fall caused by new or raised criteria alone is never blamed on
    the organisation (it is shown as a framework change instead)."""
    boilerplate = boilerplate_notes(answers)
    flags = []
    for answer in answers:
        change = answer.own_change
        if change is None or abs(change) < LEVEL_JUMP or _explained(answer, boilerplate):
            continue
        before, last_year = answer.baseline, answer.last_year_level
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
                severity=HIGH if abs(change) >= LEVEL_JUMP + 1 else MEDIUM,
                explanation=(
                    f"{answer.domain_name} {direction} {start} to level {answer.level} "
                    f"this year ({_levels(abs(change))}) because the answers changed, but the notes do not say "
                    f"what changed. Maturity rarely moves this fast, so the answer may be {risk} unless the "
                    "reason is given."
                ),
                to_clear=EXPLAIN_IN_NOTES,
                details={"from_level": before, "to_level": answer.level, "last_year_level": last_year},
            )
        )
    return flags


def _is_new_claim(answer: DomainAnswer) -> bool:
    """Level 3 or more claimed afresh: a first assessment, or risen to it since last year."""
    baseline = answer.baseline
    return baseline is None or answer.level > baseline


def high_level_without_evidence(answers: Iterable[DomainAnswer]) -> list[Flag]:
    """Domains newly claimed at level 3 or above with no evidence that could show it."""
    flags = []
    for answer in answers:
        if answer.level < EVIDENCE_EXPECTED_FROM_LEVEL or not _is_new_claim(answer):
            continue
        if any(item.is_substantive for item in answer.evidence):
            continue
        if answer.evidence:
            tokens = "; ".join(_describe_token(item) for item in answer.evidence)
            what = f"the only evidence attached cannot show it ({tokens})"
        else:
            what = "no evidence is attached"
        flags.append(
            Flag(
                kind=HIGH_LEVEL_WITHOUT_EVIDENCE,
                domain_key=answer.domain_key,
                severity=HIGH if answer.level >= EVIDENCE_EXPECTED_FROM_LEVEL + 1 else MEDIUM,
                explanation=(
                    f"{answer.domain_name} is claimed at level {answer.level}, up from "
                    f"{'no earlier assessment' if answer.baseline is None else f'level {answer.baseline}'}, "
                    f"but {what}. Reviewers expect evidence for level {EVIDENCE_EXPECTED_FROM_LEVEL} and above, "
                    "so the claim cannot be checked."
                ),
                to_clear=(
                    "Attach the documents that show the criteria are met (for example the board paper, "
                    "policy or report named in the evidence expected for this domain)."
                ),
                details={"evidence": [_evidence_details(item) for item in answer.evidence]},
            )
        )
    return flags


def _pieces(count: int) -> str:
    return f"{count} piece{'s' if count != 1 else ''}"


def _describe_token(item: EvidenceItem) -> str:
    if item.kind == "file":
        return f"“{item.title}”, a file of {item.size:,} bytes, too small to hold a document"
    return f"“{item.title}”, a link to the front page of a web site"


def _evidence_details(item: EvidenceItem) -> dict:
    return {"kind": item.kind, "title": item.title, "size": item.size, "url": item.url, "digest": item.digest}


def fall_with_evidence_unchanged(answers: Sequence[DomainAnswer]) -> list[Flag]:
    """Domains whose answers fell since last year while exactly last year's evidence is still
    attached and nothing is said, when there are at least three of them."""
    boilerplate = boilerplate_notes(answers)
    silent = [
        answer
        for answer in answers
        if (change := answer.own_change) is not None
        and change < 0
        and answer.evidence_unchanged
        and not _explained(answer, boilerplate)
    ]
    if len(silent) < SILENT_FALLS:
        return []
    flags = []
    for answer in silent:
        flags.append(
            Flag(
                kind=FALL_WITH_EVIDENCE_UNCHANGED,
                domain_key=answer.domain_key,
                explanation=(
                    f"{answer.domain_name} fell from level {answer.baseline} last year to level {answer.level}, "
                    f"one of {len(silent)} domains that fell this way: the same {_pieces(len(answer.evidence))} of "
                    "evidence that supported last year's level are still attached and the notes do not say what "
                    "changed. If nothing has stopped, the answers may be understated."
                ),
                to_clear=(
                    "Say in the notes what has stopped or got worse since last year, or tick again the "
                    "criteria that are still met."
                ),
                details={
                    "from_level": answer.baseline,
                    "to_level": answer.level,
                    "evidence": [_evidence_details(item) for item in answer.evidence],
                },
            )
        )
    return flags


def prerequisite_unmet(answers: Sequence[DomainAnswer], prerequisites: Mapping[str, Sequence[str]]) -> list[Flag]:
    """Domains claimed at level 3 or more while a domain they build on is two or more levels lower.

    `prerequisites` maps a domain key to the keys of the domains it builds on (the framework file's
    `depends_on`); a prerequisite the organisation does not answer is not held against it."""
    by_key = {answer.domain_key: answer for answer in answers}
    boilerplate = boilerplate_notes(answers)
    flags = []
    for answer in answers:
        if answer.level < PREREQUISITE_FROM_LEVEL:
            continue
        behind = [
            by_key[key]
            for key in prerequisites.get(answer.domain_key, ())
            if key in by_key and answer.level - by_key[key].level >= PREREQUISITE_GAP
        ]
        if not behind or _explains_standing(answer, boilerplate):
            continue
        gap = max(answer.level - b.level for b in behind)
        names = " and ".join(f"{b.domain_name} (level {b.level})" for b in behind)
        flags.append(
            Flag(
                kind=PREREQUISITE_UNMET,
                domain_key=answer.domain_key,
                severity=HIGH if gap >= PREREQUISITE_GAP + 1 else MEDIUM,
                explanation=(
                    f"{answer.domain_name} is claimed at level {answer.level}, but it builds on {names}. "
                    "Organisations rarely get this far ahead of the foundations, so one of the answers may "
                    "be wrong."
                ),
                to_clear=(
                    f"Check both answers; if they are right, say in the notes of {answer.domain_name} how it "
                    "works without the foundations."
                ),
                details={
                    "level": answer.level,
                    "prerequisites": [
                        {"domain_key": b.domain_key, "name": b.domain_name, "level": b.level} for b in behind
                    ],
                },
            )
        )
    return flags


def answer_flags(
    answers: Sequence[DomainAnswer], prerequisites: Mapping[str, Sequence[str]] | None = None
) -> list[Flag]:
    """Every flag that can be worked out from the organisation's own answers (also shown on drafts)."""
    return [
        *level_jump_without_note(answers),
        *high_level_without_evidence(answers),
        *fall_with_evidence_unchanged(answers),
        *prerequisite_unmet(answers, prerequisites or {}),
    ]
