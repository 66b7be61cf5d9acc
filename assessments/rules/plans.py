"""The improvement plan's rules, as pure functions on plain data (no database, no request).

Why these rules:

* A target's unmet criteria are every criterion of the levels up to the target that the
  organisation's answers do not meet, lower levels included: the scoring rule counts a level
  only when everything below it is met too (assessments/rules/scoring.py), so a plan that
  skipped a missing level 2 basic would never reach level 4.
* A target is met when a later result (the next cycle's current scored level for the same
  domain key) reaches it, not met when a later result falls short, and awaiting a result until
  there is one. A date passing is not a result: only an assessment says what level was reached.
  A later result with no level for the domain's key says nothing either way.
* What carries into the next cycle's plan: the targets its pre-filled level does not already
  reach, with their actions that are neither done nor dropped (a dropped action was a decision,
  with its reason kept last year, not unfinished work).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from assessments.rules.scoring import MAX_LEVEL, domain_level

FINISHED_ACTION_STATUSES = frozenset({"done", "dropped"})


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    AWAITING = "awaiting"
    NO_RESULT = "no_result"


OUTCOME_LABELS = {
    Outcome.MET: "Met",
    Outcome.NOT_MET: "Not met",
    Outcome.AWAITING: "Awaiting result",
    Outcome.NO_RESULT: "No result for this domain",
}


def unmet_criteria(criteria_by_level: Mapping[int, Iterable[str]], met: Iterable[str], target_level: int) -> list[str]:
    """The keys of the criteria of levels 1..target_level not in `met`, in framework order."""
    met_keys = set(met)
    top = min(max(target_level, 0), MAX_LEVEL)
    return [key for level in range(1, top + 1) for key in criteria_by_level.get(level, ()) if key not in met_keys]


def target_level_problem(target_level: int | None, current_level: int | None) -> str | None:
    """Why a target level cannot be set, or None: it must be a level (1 to 5) above the one reached."""
    if target_level is None or not 1 <= target_level <= MAX_LEVEL:
        return f"Target level must be a level from 1 to {MAX_LEVEL}"
    if current_level is not None and target_level <= current_level:
        if current_level >= MAX_LEVEL:
            return f"This domain is already at level {MAX_LEVEL}, the highest level"
        return f"Target level must be higher than the current level, {current_level}"
    return None


def target_outcome(target_level: int, later_level: int | None, *, scored: bool = False) -> Outcome:
    """Whether a later result met the target; `later_level` None when there is no result yet, or
    (`scored`) when the later assessment has a result but none for the domain's key (a domain the
    framework renamed or split, or one no longer answered), which is never taken as met or not."""
    if later_level is None:
        return Outcome.NO_RESULT if scored else Outcome.AWAITING
    return Outcome.MET if later_level >= target_level else Outcome.NOT_MET


@dataclass(frozen=True)
class ActionFacts:
    key: int
    status: str


@dataclass(frozen=True)
class TargetFacts:
    key: int
    domain_key: str
    target_level: int
    actions: Sequence[ActionFacts] = ()


@dataclass(frozen=True)
class CarriedTarget:
    target: TargetFacts
    actions: tuple[ActionFacts, ...]


def carried_forward(targets: Iterable[TargetFacts], new_levels: Mapping[str, int]) -> list[CarriedTarget]:
    """Last cycle's targets that carry into the new cycle's plan, with their unfinished actions.

    `new_levels` holds the new assessment's level for each domain key it answers; a target for a
    domain the new assessment no longer answers does not carry (there is nothing to plan against),
    nor does one its new level already reaches."""
    carried = []
    for target in targets:
        if target.domain_key not in new_levels or new_levels[target.domain_key] >= target.target_level:
            continue
        actions = tuple(action for action in target.actions if action.status not in FINISHED_ACTION_STATUSES)
        carried.append(CarriedTarget(target=target, actions=actions))
    return carried


def sign_off_problems(targets: Iterable[tuple[str, Sequence[bool]]]) -> list[str]:
    """Why a plan cannot be signed off yet: (domain name, whether each action has an owner) per
    target. It needs a target, and every target an action someone owns, so that a signed-off
    plan always says who will do what."""
    targets = list(targets)
    if not targets:
        return ["Add at least one target before the plan is signed off"]
    return [f"{name}: add an action with an owner" for name, owners in targets if not any(owners)]


def current_level_of(criteria_by_level: Mapping[int, Iterable[str]], met: Iterable[str] | None) -> int | None:
    """The level the answers reach, or None when the domain has not been answered."""
    return None if met is None else domain_level(criteria_by_level, met)
