"""Carrying last year's answers into this year's assessment, and telling apart why a level
changed (pure: no database).

A domain of this year's framework continues the domains of last year's that it names through
its key and `replaces` (same key, renamed, split or merged). Criteria carry over by key, and
through the framework's criterion crosswalk: a criterion that `replaces` earlier ones (renamed,
reworded, merged or split) counts as met when every criterion it replaces was met. A criterion
that kept no key and replaces nothing is new this year: it starts unanswered, never silently
unmet. Notes carry over unchanged when the domain kept its key, and otherwise under each
predecessor's name so the reader knows where they came from.

`sources` are last year's answers to the predecessor domains: objects with `domain.key`,
`domain.name`, `notes`, `level` and `met_criteria` (a DomainResponse with its domain loaded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assessments.rules.scoring import domain_level, measure_score, overall_score


def carried_notes(domain_key: str, sources: Sequence[Any]) -> str:
    """Last year's notes as they are carried into the domain `domain_key`."""
    if not sources:
        return ""
    if len(sources) == 1 and sources[0].domain.key == domain_key:
        return sources[0].notes
    return "\n\n".join(f"From {s.domain.name}: {s.notes}" for s in sources if s.notes)


def carried_met_criteria(
    criteria: Mapping[int, Sequence[str]], sources: Sequence[Any], crosswalk: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """This domain's criteria that last year's answers met, in framework order: kept keys that
    were met, and criteria whose every replaced criterion was met."""
    crosswalk = crosswalk or {}
    met = {key for source in sources for key in source.met_criteria}
    return [
        key
        for level in sorted(criteria)
        for key in criteria[level]
        if key in met or (crosswalk.get(key) and all(old in met for old in crosswalk[key]))
    ]


def new_criteria(
    criteria: Mapping[int, Sequence[str]], earlier_keys: Iterable[str], crosswalk: Mapping[str, Sequence[str]]
) -> list[str]:
    """Criteria new this year: no earlier criterion of the continued domains had the key, and the
    crosswalk names none it replaces. Empty for a domain new this year (all of it is new)."""
    earlier = set(earlier_keys)
    if not earlier:
        return []
    return [key for level in sorted(criteria) for key in criteria[level] if key not in earlier and key not in crosswalk]


# Why a level changed since last year.

ANSWER = "answer"
FRAMEWORK = "framework"
BOTH = "both"

CAUSE_TEXT = {
    ANSWER: "The organisation changed its answer",
    FRAMEWORK: "This year's framework changed (new or raised criteria); the answers did not",
    BOTH: "Both the answers and this year's framework changed",
}


@dataclass(frozen=True)
class LevelChange:
    """A domain's level last year, the level its answers would reach this year had every answer
    given last year still held (`like_for_like`: last year's answers through the crosswalk, plus
    this year's answers to the criteria new this year), and this year's level. The difference
    splits into what the framework changed and what the organisation changed."""

    previous: int
    like_for_like: int
    current: int

    @property
    def framework_change(self) -> int:
        return self.like_for_like - self.previous

    @property
    def answer_change(self) -> int:
        return self.current - self.like_for_like

    @property
    def cause(self) -> str | None:
        """ANSWER, FRAMEWORK, BOTH, or None when the level did not change for either reason."""
        if self.answer_change and self.framework_change:
            return BOTH
        if self.answer_change:
            return ANSWER
        if self.framework_change:
            return FRAMEWORK
        return None


def cause_text(change: LevelChange | None) -> str:
    """Why the level changed since last year, in words ("" when it did not change)."""
    if change is None or change.cause is None:
        return ""
    text = CAUSE_TEXT[change.cause]
    if change.cause == BOTH:
        text += (
            f": {_signed(change.framework_change)} from the framework, {_signed(change.answer_change)} from the answers"
        )
    return text


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else f"\u2212{-number}"


def level_change(
    *,
    criteria: Mapping[int, Sequence[str]],
    crosswalk: Mapping[str, Sequence[str]],
    sources: Sequence[Any],
    earlier_keys: Iterable[str],
    met: Iterable[str],
    current_level: int,
) -> LevelChange | None:
    """The change since last year of one domain; None when it has no answer last year.

    `earlier_keys` are the criterion keys of the domains it continues, `met` this year's ticks.
    Answering a criterion new this year is not a change of answer (there was none to change);
    un-ticking or ticking one asked last year is.
    """
    if not sources:
        return None
    fresh = set(new_criteria(criteria, earlier_keys, crosswalk)) & set(met)
    kept = [*carried_met_criteria(criteria, sources, crosswalk), *fresh]
    return LevelChange(
        previous=max(s.level for s in sources), like_for_like=domain_level(criteria, kept), current=current_level
    )


@dataclass(frozen=True)
class LikeForLike:
    """Scores over the domains answered both years, all on this year's criteria: last year's
    answers re-scored, beside this year's."""

    domains: int
    last_year: Decimal | None
    this_year: Decimal | None
    last_year_by_measure: dict[str, Decimal]
    this_year_by_measure: dict[str, Decimal]


LIKE_FOR_LIKE_METHOD = (
    "Like for like, both years are scored against this year's criteria, over the domains answered in "
    "both years. For last year, each answer given last year counts (carried through the framework's "
    "crosswalk of renamed, merged and split criteria), and criteria new this year count as answered "
    "this year. So the difference shows only what the organisation changed, not what the framework changed."
)


def like_for_like(changes: Iterable[tuple[str, LevelChange]]) -> LikeForLike:
    """`changes` are (measure key, LevelChange) of every domain answered in both years."""
    before: dict[str, list[int]] = {}
    after: dict[str, list[int]] = {}
    count = 0
    for measure_key, change in changes:
        before.setdefault(measure_key, []).append(change.like_for_like)
        after.setdefault(measure_key, []).append(change.current)
        count += 1
    last_by_measure = {key: measure_score(levels) for key, levels in before.items()}
    this_by_measure = {key: measure_score(levels) for key, levels in after.items()}
    return LikeForLike(
        domains=count,
        last_year=overall_score(last_by_measure.values()),
        this_year=overall_score(this_by_measure.values()),
        last_year_by_measure=last_by_measure,
        this_year_by_measure=this_by_measure,
    )
