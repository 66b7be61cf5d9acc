"""Counts of a cycle's organisations for the national dashboard that are not scores: how far each
has got with its assessment, and the validation flags still open on submitted-or-later ones.
Pure: no database, no request. A worker calls these from reports.refresh with rows already
grouped by the database, and stores what they return as CountFigure rows beside the cycle's
Figure rows.

Progress. Every assessment of the cycle counts once, whatever its status, since the question is
who has not yet submitted. A draft is "not started" until someone saves an answer (a carried-
forward answer nobody has yet confirmed or changed is not one), and "in progress" from then on.
The other statuses are the workflow's own.

Targets. Per domain, how many organisations' signed-off improvement plans of the cycle target
each level (for next year's assessment): only signed-off plans count, since a draft is a team's
working copy that may change tomorrow. Unlike progress, a level count of a handful of plans all
but says which organisation aims where, so the dashboard shows a domain's counts only when at
least MIN_GROUP_SIZE organisations target it (assessments.rules.disclosure), and says why not.

Why the progress and flag counts are not suppressed in groups under 5: they say where each organisation has got
with its work, which national analysts and framework administrators see organisation by
organisation anyway, and they disclose no score. Scores of small groups are suppressed by the
figures (reports.aggregates and assessments.rules.disclosure), never here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

NATIONAL = "national"
REGION = "region"
ICS = "ics"

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DRAFT = "draft"

# In the order of the workflow, labelled as the dashboard names them (Assessment.Status by value,
# since this module never imports models; "draft" is split in two).
PROGRESS_STATUSES = (
    (NOT_STARTED, "Not started"),
    (IN_PROGRESS, "In progress"),
    ("ready_for_sign_off", "Ready for sign-off"),
    ("returned", "Returned for changes"),
    ("submitted", "Submitted"),
    ("validated", "Validated"),
    ("provisionally_published", "Provisionally published"),
    ("published", "Published"),
)
PROGRESS_KEYS = tuple(key for key, _ in PROGRESS_STATUSES)
SUBMITTED_OR_LATER = frozenset({"submitted", "validated", "provisionally_published", "published"})


@dataclass(frozen=True)
class ProgressRow:
    """Assessments of one ICS in one status, as the database grouped them."""

    region: str  # region ODS code
    ics: str  # ICB ODS code
    status: str  # Assessment.Status value
    answered: bool  # at least one answer saved (drafts: in progress rather than not started)
    assessments: int


@dataclass(frozen=True)
class FlagRow:
    """Open flags of one kind in one ICS, as the database grouped them."""

    region: str
    ics: str
    kind: str
    open: int  # open flags
    organisations: int  # organisations with at least one open flag of the kind


Key = tuple[str, str]  # (scope, scope key)


def progress_stage(status: str, answered: bool) -> str:
    if status == DRAFT:
        return IN_PROGRESS if answered else NOT_STARTED
    if status not in PROGRESS_KEYS:
        raise ValueError(f"Unknown assessment status {status!r}.")
    return status


def progress_counts(rows: Iterable[ProgressRow]) -> dict[Key, dict[str, int]]:
    """(scope, scope key) -> stage -> assessments, for England, each region and each ICS. Every
    stage is present, zeros included, so a table column never goes missing."""
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PROGRESS_KEYS, 0))
    counts[(NATIONAL, "")]  # England has a row even before any assessment exists
    for row in rows:
        stage = progress_stage(row.status, row.answered)
        for key in ((NATIONAL, ""), (REGION, row.region), (ICS, row.ics)):
            counts[key][stage] += row.assessments
    return dict(counts)


def flag_counts(rows: Iterable[FlagRow]) -> dict[Key, dict[str, dict[str, int]]]:
    """(scope, scope key) -> flag kind -> {"open": flags, "organisations": organisations}. An
    organisation is in one ICS, so its region's and England's counts are sums of the ICSs'."""
    counts: dict[Key, dict[str, dict[str, int]]] = defaultdict(dict)
    counts[(NATIONAL, "")]
    for row in rows:
        for key in ((NATIONAL, ""), (REGION, row.region), (ICS, row.ics)):
            kind = counts[key].setdefault(row.kind, {"open": 0, "organisations": 0})
            kind["open"] += row.open
            kind["organisations"] += row.organisations
    return dict(counts)


@dataclass(frozen=True)
class TargetRow:
    """Signed-off plans of the cycle targeting one level of one domain, as the database grouped them."""

    domain_key: str
    domain_name: str
    measure_name: str
    level: int
    organisations: int


def target_counts(rows: Iterable[TargetRow], plans: int) -> dict[str, object]:
    """{"plans": signed-off plans, "domains": [{"key", "name", "measure", "levels": {"1".."5": n}}]}
    in the order of `rows` (framework order), every level present, zeros included."""
    domains: dict[str, dict] = {}
    for row in rows:
        domain = domains.setdefault(
            row.domain_key,
            {
                "key": row.domain_key,
                "name": row.domain_name,
                "measure": row.measure_name,
                "levels": {str(level): 0 for level in range(1, 6)},
            },
        )
        domain["levels"][str(row.level)] += row.organisations
    return {"plans": plans, "domains": list(domains.values())}
