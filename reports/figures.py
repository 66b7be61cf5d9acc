"""Pure figures for board reports: medians and quarters (no database, no request).

Why these rules:

* Comparison groups of fewer than 5 organisations are never shown: with 2-4 peers a median or a
  quarter all but names the other organisations' scores, and it says little about anyone.
* A position in a group is given as a quarter ("in the highest quarter"), never as a rank: a rank
  invites league tables that the small differences between self-assessed scores cannot bear.
  Quarters are named from both ends ("second-highest", "second-lowest"): "the third quarter"
  or "the second quarter" leaves a reader to guess which end is counted from.
  The position is the mid-rank percentile among the *other* organisations (ties count half),
  so an organisation tied with everyone sits in the middle, not at the top or bottom.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from assessments.rules.disclosure import MIN_GROUP_SIZE
from assessments.rules.scoring import one_decimal

__all__ = ["MIN_GROUP_SIZE", "median", "quarter", "scores_fingerprint"]

# Lowest to highest.
QUARTERS = (
    "in the lowest quarter",
    "in the second-lowest quarter",
    "in the second-highest quarter",
    "in the highest quarter",
)


def median(values: Sequence[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return one_decimal(Decimal(value))


def quarter(value: Decimal, others: Sequence[Decimal]) -> str | None:
    """Which quarter of the group `value` falls in, `others` being the rest of the group; None
    when the whole group (the organisation and the others) has fewer than MIN_GROUP_SIZE."""
    if len(others) + 1 < MIN_GROUP_SIZE:
        return None
    below = sum(other < value for other in others)
    tied = sum(other == value for other in others)
    position = (below + tied / 2) / len(others)  # 0 = lowest, 1 = highest
    if position >= 0.75:
        return QUARTERS[3]
    if position >= 0.5:
        return QUARTERS[2]
    if position >= 0.25:
        return QUARTERS[1]
    return QUARTERS[0]


def scores_fingerprint(
    *,
    method_version: str,
    overall: Decimal | None,
    measures: Mapping[str, tuple[str, Decimal]],
    domain_levels: Mapping[str, int],
    plan: str = "",
    pulse: str = "",
) -> str:
    """A SHA-256 (64 hex digits) of the score figures a board report shows: the scoring method,
    the overall score, each measure's name and score and each domain's level, keyed by their
    stable keys. Two scorings with the same figures have the same fingerprint, whenever they ran,
    so a re-scoring that changes nothing (a duplicate after an outage) makes no new report.

    `plan` is the signed-off improvement plan's content (assessments.plan_selectors
    .signed_off_plan_fingerprints), left out of the payload when there is none, so the reports
    of organisations without a signed-off plan keep the fingerprints they had. `pulse` is the staff
    pulse's state (assessments.selectors.pulse_fingerprints), left out the same way.

    Canonical JSON: sorted keys, decimals as their exact strings ("3.0", never a float).
    """
    payload = {
        "method": method_version,
        "overall": None if overall is None else str(overall),
        "measures": {key: [name, str(value)] for key, (name, value) in measures.items()},
        "domains": {key: int(level) for key, level in domain_levels.items()},
    }
    if plan:
        payload["plan"] = plan
    if pulse:
        payload["pulse"] = pulse
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
