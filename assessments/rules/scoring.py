"""The scoring rules, as pure functions on plain data (no database, no request).

Why these rules:

* A domain's level is the highest level L such that every criterion of levels 1..L is met, and
  0 when level 1 is not met. A level counts only when all of it and everything below it is met,
  so a trust cannot claim level 4 while missing level 2 basics: that is the national rule that
  "every element of a level must be met", and it makes over-claiming visible.
* A measure's score is the mean of its applicable domain levels, to one decimal, so measures with
  many domains weigh no more in the overall score than measures with few.
* The overall score is the mean of the measure scores, to one decimal.
ICB system assessments are scored the same way on their own domains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

SCORING_METHOD_VERSION = "2025.1"
MAX_LEVEL = 5


def domain_level(criteria_by_level: Mapping[int, Iterable[str]], met: Iterable[str]) -> int:
    """The level reached: every criterion of that level and of all lower levels is met.

    `criteria_by_level` maps level number (1-5) to that level's criterion keys; `met` holds the
    keys the organisation says it meets. A level with no criteria cannot be reached (the
    framework loader never allows one), so a gap stops the climb.
    """
    met_keys = set(met)
    reached = 0
    for level in range(1, MAX_LEVEL + 1):
        keys = set(criteria_by_level.get(level, ()))
        if not keys or not keys <= met_keys:
            break
        reached = level
    return reached


def unmet_for_next_level(criteria_by_level: Mapping[int, Iterable[str]], met: Iterable[str]) -> tuple[int, list[str]]:
    """The next level and the criteria still unmet for it, including unmet lower-level ones."""
    met_keys = set(met)
    current = domain_level(criteria_by_level, met_keys)
    if current >= MAX_LEVEL:
        return MAX_LEVEL, []
    target = current + 1
    missing = [key for level in range(1, target + 1) for key in criteria_by_level.get(level, ()) if key not in met_keys]
    return target, missing


def one_decimal(value: Decimal) -> Decimal:
    """Scores are shown and stored to one decimal, halves rounded up (2.25 is 2.3), as the
    national results are; every figure derived from scores (medians included) uses this."""
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def measure_score(levels: Iterable[int]) -> Decimal | None:
    """Mean of the applicable domain levels to one decimal; None when no domain applies."""
    values = list(levels)
    if not values:
        return None
    return one_decimal(Decimal(sum(values)) / len(values))


def overall_score(measure_scores: Iterable[Decimal | None]) -> Decimal | None:
    """Mean of the measure scores that apply, to one decimal."""
    values = [score for score in measure_scores if score is not None]
    if not values:
        return None
    return one_decimal(sum(values, Decimal(0)) / len(values))
