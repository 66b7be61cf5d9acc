"""What may be disclosed in a comparison: the one home of the portal's disclosure rules.

Every figure that compares organisations (board reports, ICS dashboards and packs, national
views, exports, the API) passes through these rules, so a page and a download can never
disagree about what is shown.

* Only submitted-or-later assessments count (submitted, validated, provisionally published,
  published). A draft is an organisation's work in progress: it changes daily, may be half
  answered, and its own organisation has not yet stood behind it.
* A comparison group of fewer than MIN_GROUP_SIZE organisations is not shown, and the page
  says why. With two to four members a median, a spread or a level count all but names each
  member's score, and it says little about anyone.
* Counts of people (staff pulse answers) follow the NHS small-number rules:
  a count from 1 to 7 is never shown, and any other count is rounded to the nearest 5, so that
  nobody can be singled out by subtracting one published figure from another. Percentages
  about people need at least MIN_PEOPLE_FOR_PERCENTAGES answers. (The tallies of a domain poll
  are not statistics: named colleagues answer the person who asked them, who sees each answer.)

Pure: no database, no request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_GROUP_SIZE = 5
SMALL_COUNT_MAX = 7  # counts of people from 1 to this are suppressed
PEOPLE_ROUNDING = 5
MIN_PEOPLE_FOR_PERCENTAGES = 10

# The statuses whose figures count in any comparison (Assessment.SUBMITTED_OR_LATER, by value,
# since rules never import models).
COMPARABLE_STATUSES = frozenset({"submitted", "validated", "provisionally_published", "published"})


def counts_in_comparisons(status: str) -> bool:
    return status in COMPARABLE_STATUSES


def group_shown(size: int) -> bool:
    """Whether a comparison group of `size` organisations (with figures) may be shown."""
    return size >= MIN_GROUP_SIZE


@dataclass(frozen=True)
class Suppression:
    """Why a group's figures are not shown, in words for the page beside the gap."""

    group: str
    size: int

    @property
    def reason(self) -> str:
        counted = "no organisations" if self.size == 0 else f"only {self.size} {_organisations(self.size)}"
        return (
            f"{self.group}: not shown. {counted.capitalize()} with submitted results, fewer than "
            f"{MIN_GROUP_SIZE}; with so few, the figures would all but reveal each organisation's scores."
        )


def _organisations(count: int) -> str:
    return "organisation" if count == 1 else "organisations"


def suppressions_reason(suppressions: Sequence[Suppression]) -> str:
    """One note for several groups not shown (a chart of every ICS, say), naming each with its
    size, so a page says why each gap is there without one paragraph per group."""
    if len(suppressions) == 1:
        return suppressions[0].reason
    named = "; ".join(f"{s.group} ({s.size})" for s in suppressions)
    return (
        f"Not shown: {named}. Each has fewer than {MIN_GROUP_SIZE} organisations with submitted results "
        "(the number in brackets); with so few, the figures would all but reveal each organisation's scores."
    )


def suppression(group: str, size: int) -> Suppression | None:
    """None when the group may be shown, else the reason it is not."""
    return None if group_shown(size) else Suppression(group=group, size=size)


def people_count(count: int) -> int | None:
    """A count of people as it may be published: 0 as 0, 1-7 as None (not shown), otherwise
    rounded to the nearest 5 (halves up)."""
    if count < 0:
        raise ValueError("A count of people cannot be negative.")
    if count == 0:
        return 0
    if count <= SMALL_COUNT_MAX:
        return None
    return ((count + PEOPLE_ROUNDING // 2) // PEOPLE_ROUNDING) * PEOPLE_ROUNDING


def people_count_text(count: int) -> str:
    shown = people_count(count)
    return f"fewer than {SMALL_COUNT_MAX + 1}" if shown is None else str(shown)


def percentages_shown(respondents: int) -> bool:
    return respondents >= MIN_PEOPLE_FOR_PERCENTAGES
