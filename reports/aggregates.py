"""The comparison figures of one cycle, computed from its scored members in one pass.

Pure: no database, no request. A worker calls `cycle_aggregates` after scoring (through
reports.refresh), and the rows it returns are what every ICS and national figure is read from,
so no page ever aggregates over every organisation.

Who counts. Only members whose assessment counts in comparisons (disclosure.COMPARABLE_STATUSES)
and has a current score. Trusts are compared with trusts; an ICB's own system-level assessment
answers a different, shorter set of domains, so ICBs form their own group ("icbs") and are never
averaged in with their providers.

Groups (scopes): all trusts in England ("national"), trusts of one main care setting
("care_setting", the peer groups of the board report), trusts of one NHS region ("region"),
trusts of one ICS ("ics"), and ICBs' own assessments ("icbs"). Each group has a row for the
overall score, one per measure and one per domain; a group smaller than the disclosure minimum
keeps its size and nothing else, so no later reader can show what may not be disclosed.

The mix-adjusted system score. A plain average of an ICS's trusts mostly reflects which kinds
of trust it has: specialist and acute trusts tend to score differently from mental health,
community and ambulance trusts. So each member is compared with the national median of trusts
with the same main care setting (its peer group), the differences are averaged over the
members, and the average is added to the national median of all trusts. "Mix-adjusted 3.1,
plain average 2.8" reads: given its mix of trusts, the system does better than its plain
average suggests. A member whose peer group is too small to show (fewer than 5 nationally) is
compared with the national median of all trusts instead, and the page says how many were.
The adjusted figure is kept within the 0-5 scale of levels.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from assessments.rules.disclosure import counts_in_comparisons, group_shown
from assessments.rules.scoring import one_decimal

OVERALL = ""  # measure_key of the overall score's row

NATIONAL = "national"
CARE_SETTING = "care_setting"
REGION = "region"
ICS = "ics"
ICBS = "icbs"
SCOPES = (NATIONAL, CARE_SETTING, REGION, ICS, ICBS)

LEVELS = (0, 1, 2, 3, 4, 5)  # 0: not yet at level 1


@dataclass(frozen=True)
class ScoredMember:
    """One organisation's current figures in the cycle, with what places it in groups."""

    organisation_id: int
    status: str
    is_icb: bool
    care_setting: str | None  # main care setting (trusts)
    region: str  # region ODS code
    ics: str  # ICB ODS code of its system
    overall: Decimal | None
    measures: Mapping[str, Decimal] = field(default_factory=dict)
    domains: Mapping[str, int] = field(default_factory=dict)  # domain key -> level
    domain_measures: Mapping[str, str] = field(default_factory=dict)  # domain key -> measure key


@dataclass
class Aggregate:
    """One group's figures for the overall score, one measure, or one domain (`domain_key`)."""

    scope: str
    scope_key: str
    measure_key: str
    domain_key: str
    size: int
    mean: Decimal | None = None
    median: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    lower_quartile: Decimal | None = None
    upper_quartile: Decimal | None = None
    level_counts: dict[str, int] = field(default_factory=dict)  # domains only: "0".."5" -> organisations
    mix_adjusted: Decimal | None = None  # ICS scope only
    adjusted_difference: Decimal | None = None
    adjusted_fallbacks: int = 0  # members compared with all trusts, their peer group being too small

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.scope, self.scope_key, self.measure_key, self.domain_key)

    @property
    def shown(self) -> bool:
        return group_shown(self.size)


def _figures(aggregate: Aggregate, values: Sequence[Decimal]) -> None:
    if not group_shown(len(values)):
        return
    ordered = sorted(values)
    aggregate.mean = one_decimal(sum(ordered) / len(ordered))
    aggregate.median = one_decimal(Decimal(statistics.median(ordered)))
    aggregate.minimum = ordered[0]
    aggregate.maximum = ordered[-1]
    # Inclusive quartiles (the minimum and maximum are the 0th and 100th percentiles), as
    # spreadsheets' QUARTILE gives, so analysts can check the figures from the data file.
    lower, _, upper = statistics.quantiles(ordered, n=4, method="inclusive")
    aggregate.lower_quartile = one_decimal(Decimal(lower))
    aggregate.upper_quartile = one_decimal(Decimal(upper))


def _score_rows(scope: str, scope_key: str, members: Sequence[ScoredMember]) -> list[Aggregate]:
    rows: list[Aggregate] = []
    overall = [m.overall for m in members if m.overall is not None]
    row = Aggregate(scope, scope_key, OVERALL, "", size=len(overall))
    _figures(row, overall)
    rows.append(row)
    by_measure: dict[str, list[Decimal]] = defaultdict(list)
    by_domain: dict[str, list[int]] = defaultdict(list)
    measure_of: dict[str, str] = {}
    for member in members:
        for key, value in member.measures.items():
            by_measure[key].append(value)
        for key, level in member.domains.items():
            by_domain[key].append(level)
            measure_of.setdefault(key, member.domain_measures.get(key, ""))
    for key in sorted(by_measure):
        row = Aggregate(scope, scope_key, key, "", size=len(by_measure[key]))
        _figures(row, by_measure[key])
        rows.append(row)
    for key in sorted(by_domain):
        levels = by_domain[key]
        row = Aggregate(scope, scope_key, measure_of[key], key, size=len(levels))
        _figures(row, [Decimal(level) for level in levels])
        if row.shown:
            row.level_counts = {str(level): levels.count(level) for level in LEVELS}
        rows.append(row)
    return rows


def _peer_medians(rows: Iterable[Aggregate]) -> dict[tuple[str, str], Decimal]:
    """(care setting or "" for all trusts, measure key) -> national median, for groups shown."""
    medians: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        if row.domain_key or row.median is None:
            continue
        if row.scope == NATIONAL:
            medians[("", row.measure_key)] = row.median
        elif row.scope == CARE_SETTING:
            medians[(row.scope_key, row.measure_key)] = row.median
    return medians


def _mix_adjust(row: Aggregate, members: Sequence[ScoredMember], medians: Mapping[tuple[str, str], Decimal]) -> None:
    national = medians.get(("", row.measure_key))
    if national is None or not row.shown:
        return
    differences: list[Decimal] = []
    fallbacks = 0
    for member in members:
        value = member.overall if row.measure_key == OVERALL else member.measures.get(row.measure_key)
        if value is None:
            continue
        peer = medians.get((member.care_setting or "", row.measure_key))
        if peer is None:
            peer, fallbacks = national, fallbacks + 1
        differences.append(value - peer)
    if not differences:
        return
    difference = one_decimal(sum(differences) / len(differences))
    row.adjusted_difference = difference
    row.mix_adjusted = min(max(national + difference, Decimal("0.0")), Decimal("5.0"))
    row.adjusted_fallbacks = fallbacks


def cycle_aggregates(members: Iterable[ScoredMember]) -> list[Aggregate]:
    """Every group's figures for one cycle, in a stable order (scope, group, measure, domain)."""
    comparable = [m for m in members if counts_in_comparisons(m.status)]
    trusts = [m for m in comparable if not m.is_icb]
    groups: dict[tuple[str, str], list[ScoredMember]] = defaultdict(list)
    for member in trusts:
        groups[(NATIONAL, "")].append(member)
        if member.care_setting:
            groups[(CARE_SETTING, member.care_setting)].append(member)
        groups[(REGION, member.region)].append(member)
        groups[(ICS, member.ics)].append(member)
    groups[(ICBS, "")] = [m for m in comparable if m.is_icb]
    groups.setdefault((NATIONAL, ""), [])

    rows: list[Aggregate] = []
    for scope, scope_key in sorted(groups, key=lambda key: (SCOPES.index(key[0]), key[1])):
        rows.extend(_score_rows(scope, scope_key, groups[(scope, scope_key)]))
    medians = _peer_medians(rows)
    for row in rows:
        if row.scope == ICS and not row.domain_key:
            _mix_adjust(row, groups[(ICS, row.scope_key)], medians)
    return rows
