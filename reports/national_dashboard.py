"""Reads for the national dashboard and its drill-down (national analysts and framework
administrators: reports.access.NationalAction.VIEW_DASHBOARD).

Every figure comes from rows a worker precomputed (reports.refresh): scores from the cycle's
Figure rows, submission progress and open flags from its CountFigure rows. So each page is a
fixed number of queries however many organisations there are, and says when its figures were
computed. Groups too small to disclose keep their size only (reports.aggregates); the reason is
shown through the disclosure module, never a silent gap.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from assessments.models import Cycle, ValidationFlag
from assessments.rules.dates import closing_text
from assessments.rules.disclosure import Suppression, group_shown, suppression
from framework.models import Domain, Measure
from organisations.models import CareSetting, IntegratedCareSystem, Region
from reports import counts
from reports.aggregates import CARE_SETTING, ICBS, ICS, NATIONAL, OVERALL, REGION
from reports.dashboards import Group, MeasureHead, cycles_with_results, domains_lineage
from reports.models import CountFigure, Figure, FigureSet

ENGLAND = "All trusts in England"


def national_cycles() -> QuerySet[Cycle]:
    """Cycles whose figures and counts have been computed, newest first: the cycles the national
    dashboard can show (an open cycle's progress before anything is submitted, too)."""
    return Cycle.objects.filter(figure_set__isnull=False).select_related("framework").order_by("-name")


def latest_cycle() -> Cycle | None:
    """The latest cycle with results, or failing that the latest with anything counted."""
    return cycles_with_results().first() or national_cycles().first()


def open_cycle(today: datetime.date | None = None) -> Cycle | None:
    """The newest cycle open today whose progress has been counted."""
    today = today or timezone.localdate()
    return national_cycles().filter(opens_on__lte=today, closes_on__gte=today).first()


@dataclass
class ScopeRow:
    """One group (a region, an ICS, a care setting) and its overall-score figures."""

    key: str
    name: str
    figure: Figure | None
    region: str = ""  # the ICS's region's name

    @property
    def size(self) -> int:
        return self.figure.size if self.figure else 0

    @property
    def suppressed(self) -> Suppression | None:
        return suppression(self.name, self.size)


@dataclass
class ProgressRow:
    key: str
    name: str
    counts: dict[str, int]
    region: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def submitted_or_later(self) -> int:
        return sum(n for stage, n in self.counts.items() if stage in counts.SUBMITTED_OR_LATER)


@dataclass
class Progress:
    cycle: Cycle
    closing: str  # "Closes 30 June 2026: 45 days left" / "Closed on ..."
    days_left: int | None  # None once closed
    england: ProgressRow
    regions: list[ProgressRow]
    systems: list[ProgressRow]

    @property
    def stages(self) -> list[tuple[str, str]]:
        """The stages to show: not started to validated always, returned and the published ones
        once any assessment has reached them."""
        always = {"not_started", "in_progress", "ready_for_sign_off", "submitted", "validated"}
        return [(k, label) for k, label in counts.PROGRESS_STATUSES if k in always or self.england.counts.get(k)]


@dataclass(frozen=True)
class FlagKindCount:
    kind: str
    label: str
    open: int
    organisations: int


@dataclass(frozen=True)
class DomainTargets:
    """How many organisations' signed-off plans target each level of one domain."""

    key: str
    name: str
    measure: str
    levels: dict[int, int]

    @property
    def organisations(self) -> int:
        return sum(self.levels.values())

    @property
    def shown(self) -> bool:
        # A level count of a handful of plans all but names who aims where (reports.counts).
        return group_shown(self.organisations)


@dataclass(frozen=True)
class TargetCounts:
    plans: int  # signed-off plans of the cycle
    domains: list[DomainTargets]


def _targets(rows: list[CountFigure]) -> TargetCounts:
    found = next((row.counts for row in rows if row.scope == counts.NATIONAL), {})
    return TargetCounts(
        plans=found.get("plans", 0),
        domains=[
            DomainTargets(d["key"], d["name"], d["measure"], {int(k): v for k, v in d["levels"].items()})
            for d in found.get("domains", [])
        ],
    )


@dataclass(frozen=True)
class MeasureChange:
    key: str
    name: str
    this_year: Figure | None
    last_year: Figure | None

    @property
    def change(self) -> Decimal | None:
        if self.this_year is None or self.last_year is None:
            return None
        if self.this_year.mean is None or self.last_year.mean is None:
            return None
        return self.this_year.mean - self.last_year.mean


@dataclass
class NationalDashboard:
    cycle: Cycle
    cycles: list[Cycle]
    open_cycle: Cycle | None
    computed_at: datetime.datetime
    organisations: int  # organisations whose results count
    measures: list[MeasureHead]
    national: Group
    icbs: Group
    previous_cycle: Cycle | None
    previous: Group  # last cycle's England figures, joined on measure keys
    regions: list[ScopeRow]
    systems: list[ScopeRow]
    care_settings: list[ScopeRow]
    progress: Progress
    flags: list[FlagKindCount]
    targets: TargetCounts = TargetCounts(0, [])

    def changes(self) -> list[MeasureChange]:
        rows = [MeasureChange(OVERALL, "Overall score", self.national.overall, self.previous.overall)]
        return rows + [
            MeasureChange(m.key, m.name, self.national.measure(m.key), self.previous.measure(m.key))
            for m in self.measures
        ]


def _figure_set(cycle: Cycle) -> FigureSet | None:
    return FigureSet.objects.filter(cycle=cycle).first()


def _measures(cycle: Cycle) -> list[MeasureHead]:
    return [
        MeasureHead(key, name)
        for key, name in Measure.objects.filter(framework_id=cycle.framework_id)
        .order_by("position")
        .values_list("key", "name")
    ]


def _previous(cycle: Cycle, cycles: list[Cycle]) -> Cycle | None:
    earlier = [c for c in cycles if c.name < cycle.name and c.figure_set.organisations > 0]
    return earlier[0] if earlier else None


def _names() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Region code -> name, and ICB code -> (ICS name, its region's name): two queries."""
    regions = dict(Region.objects.values_list("ods_code", "name"))
    systems = {
        ics.icb_ods_code: (ics.short_name, ics.region.name)
        for ics in IntegratedCareSystem.objects.select_related("region")
    }
    return regions, systems


def _progress(
    cycle: Cycle, rows: list[CountFigure], today: datetime.date, names: tuple[dict, dict] | None = None
) -> Progress:
    regions, systems = names or _names()
    by_scope: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_scope[row.scope][row.scope_key] = row.counts
    empty = dict.fromkeys(counts.PROGRESS_KEYS, 0)
    days = (cycle.closes_on - today).days
    return Progress(
        cycle=cycle,
        closing=closing_text(cycle.closes_on, cycle.closes_on, today),
        days_left=days if days >= 0 else None,
        england=ProgressRow("", "England", {**empty, **by_scope[counts.NATIONAL].get("", {})}),
        regions=sorted(
            (
                ProgressRow(key, regions.get(key, key), {**empty, **value})
                for key, value in by_scope[counts.REGION].items()
            ),
            key=lambda r: r.name,
        ),
        systems=sorted(
            (
                ProgressRow(key, systems.get(key, (key, ""))[0], {**empty, **value}, systems.get(key, ("", ""))[1])
                for key, value in by_scope[counts.ICS].items()
            ),
            key=lambda r: (r.region, r.name),
        ),
    )


def _flags(rows: list[CountFigure]) -> list[FlagKindCount]:
    national = next((row.counts for row in rows if row.scope == counts.NATIONAL), {})
    found = {kind: national.get(kind, {}) for kind in ValidationFlag.Kind.values}
    return [
        FlagKindCount(kind, label, found[kind].get("open", 0), found[kind].get("organisations", 0))
        for kind, label in ValidationFlag.Kind.choices
    ]


def national_figure_rows(cycle: Cycle) -> QuerySet[Figure]:
    """Every precomputed group row of the cycle the national dashboard reads (England, each care
    setting, region and ICS, the ICBs' own), in a total order (the unique key of a row)."""
    return (
        Figure.objects.filter(figure_set__cycle=cycle)
        .select_related("figure_set__cycle")
        .order_by("scope", "scope_key", "measure_key", "domain_key")
    )


def national_count_rows(cycle: Cycle) -> QuerySet[CountFigure]:
    """The cycle's precomputed counts (submission progress and open flags, by England, region and
    ICS), in a total order."""
    return (
        CountFigure.objects.filter(figure_set__cycle=cycle)
        .select_related("figure_set__cycle")
        .order_by("topic", "scope", "scope_key")
    )


def national_dashboard(cycle: Cycle, today: datetime.date | None = None) -> NationalDashboard | None:
    """Everything the national dashboard shows for `cycle`, or None when nothing has been
    computed for it yet. The caller has checked the reader may see it (reports.access)."""
    figure_set = _figure_set(cycle)
    if figure_set is None:
        return None
    today = today or timezone.localdate()
    cycles = list(national_cycles().select_related("figure_set"))
    previous_cycle = _previous(cycle, cycles)
    national, icbs, previous = Group(ENGLAND), Group("Integrated care boards' own assessments"), Group(ENGLAND)
    regions_by_key: dict[str, Figure] = {}
    systems_by_key: dict[str, Figure] = {}
    settings_by_key: dict[str, Figure] = {}
    wanted = Q(figure_set=figure_set)
    if previous_cycle is not None:
        wanted |= Q(figure_set__cycle=previous_cycle, scope=NATIONAL)
    for row in Figure.objects.filter(wanted, domain_key=""):
        if row.figure_set_id != figure_set.pk:
            group = previous
        elif row.scope in (NATIONAL, ICBS):
            group = national if row.scope == NATIONAL else icbs
        else:
            if row.measure_key == OVERALL:
                {REGION: regions_by_key, ICS: systems_by_key, CARE_SETTING: settings_by_key}[row.scope][
                    row.scope_key
                ] = row
            continue
        if row.measure_key == OVERALL:
            group.overall = row
        else:
            group.measures[row.measure_key] = row
    regions, systems = _names()
    count_rows = list(CountFigure.objects.filter(figure_set=figure_set))
    return NationalDashboard(
        cycle=cycle,
        cycles=cycles,
        open_cycle=next((c for c in cycles if c.opens_on <= today <= c.closes_on), None),
        computed_at=figure_set.computed_at,
        organisations=figure_set.organisations,
        measures=_measures(cycle),
        national=national,
        icbs=icbs,
        previous_cycle=previous_cycle,
        previous=previous,
        # Every region and ICS is listed, those without results too, so none drops out silently.
        regions=sorted(
            (ScopeRow(code, name, regions_by_key.get(code)) for code, name in regions.items()), key=lambda r: r.name
        ),
        systems=sorted(
            (
                ScopeRow(code, name, systems_by_key.get(code), region)
                for code, (name, region) in systems.items()
                if code
            ),
            key=lambda r: (r.region, r.name),
        ),
        care_settings=[
            ScopeRow(setting.value, setting.label, settings_by_key.get(setting.value)) for setting in CareSetting
        ],
        progress=_progress(
            cycle, [r for r in count_rows if r.topic == CountFigure.Topic.PROGRESS], today, (regions, systems)
        ),
        flags=_flags([r for r in count_rows if r.topic == CountFigure.Topic.FLAGS]),
        targets=_targets([r for r in count_rows if r.topic == CountFigure.Topic.TARGETS]),
    )


# Drill-down: a measure's domains, then one domain.


@dataclass(frozen=True)
class DomainRow:
    key: str
    name: str
    figure: Figure | None  # England's, this cycle
    last_year: Figure | None  # England's figures of the domain it continues, last cycle with results
    last_year_as: str  # the predecessor's name when it differs (renamed, split or merged)

    @property
    def size(self) -> int:
        return self.figure.size if self.figure else 0

    @property
    def suppressed(self) -> Suppression | None:
        return suppression(f"{ENGLAND}, {self.name}", self.size)

    @property
    def change(self) -> Decimal | None:
        if self.figure is None or self.last_year is None or self.figure.mean is None or self.last_year.mean is None:
            return None
        return self.figure.mean - self.last_year.mean


@dataclass
class NationalMeasure:
    cycle: Cycle
    computed_at: datetime.datetime
    measure: Measure
    figure: Figure | None
    previous_cycle: Cycle | None
    domains: list[DomainRow]


def _lineage_rows(
    cycles: list[Cycle], cycle: Cycle, keys: list[str]
) -> tuple[dict[str, dict[int, list[tuple[str, str]]]], dict[tuple[int, str], Figure]]:
    """Each domain's predecessors in every earlier cycle with results (the framework's crosswalk)
    and England's figures for them there: two queries."""
    history = [c for c in cycles if c.name <= cycle.name]
    lineage = domains_lineage(history, cycle.framework_id, keys)
    wanted = Q(pk__in=[])
    for c in history:
        wanted_keys = {k for key in keys for k, _ in lineage[key].get(c.pk, [])}
        if wanted_keys:
            wanted |= Q(figure_set__cycle=c, domain_key__in=sorted(wanted_keys))
    rows = Figure.objects.filter(wanted, scope=NATIONAL).select_related("figure_set")
    return lineage, {(row.figure_set.cycle_id, row.domain_key): row for row in rows}


def national_measure(cycle: Cycle, measure_key: str) -> NationalMeasure | None:
    figure_set = _figure_set(cycle)
    measure = Measure.objects.filter(framework_id=cycle.framework_id, key=measure_key).first()
    if figure_set is None or measure is None:
        return None
    domains = list(Domain.objects.filter(measure=measure, system_assessment=False).order_by("position"))
    cycles = list(cycles_with_results().select_related("figure_set"))
    history = [c for c in cycles if c.name <= cycle.name]
    previous_cycle = next((c for c in history if c.name < cycle.name), None)
    lineage, found = _lineage_rows(history, cycle, [d.key for d in domains])
    this_year = {
        row.domain_key or OVERALL: row
        for row in Figure.objects.filter(figure_set=figure_set, scope=NATIONAL, measure_key=measure_key)
    }
    rows = []
    for domain in domains:
        before = lineage[domain.key].get(previous_cycle.pk, []) if previous_cycle else []
        key, name = before[0] if before else ("", "")
        rows.append(
            DomainRow(
                key=domain.key,
                name=domain.name,
                figure=this_year.get(domain.key),
                last_year=found.get((previous_cycle.pk, key)) if previous_cycle and key else None,
                last_year_as=name if before and (key, name) != (domain.key, domain.name) else "",
            )
        )
    return NationalMeasure(
        cycle=cycle,
        computed_at=figure_set.computed_at,
        measure=measure,
        figure=this_year.get(OVERALL),
        previous_cycle=previous_cycle,
        domains=rows,
    )


@dataclass(frozen=True)
class DomainYear:
    cycle: str
    as_name: str  # the domain's name that cycle, when it differed
    figure: Figure | None


@dataclass
class NationalDomain:
    cycle: Cycle
    computed_at: datetime.datetime
    domain: Domain
    figure: Figure | None
    regions: list[ScopeRow]  # the domain's figures per region
    trend: list[DomainYear]
    lineage_note: str

    @property
    def suppressed(self) -> Suppression | None:
        return suppression(f"{ENGLAND}, {self.domain.name}", self.figure.size if self.figure else 0)


def national_domain(cycle: Cycle, domain_key: str) -> NationalDomain | None:
    figure_set = _figure_set(cycle)
    domain = (
        Domain.objects.filter(framework_id=cycle.framework_id, key=domain_key, system_assessment=False)
        .select_related("measure")
        .first()
    )
    if figure_set is None or domain is None:
        return None
    own = {
        (row.scope, row.scope_key): row
        for row in Figure.objects.filter(figure_set=figure_set, scope__in=[NATIONAL, REGION], domain_key=domain.key)
    }
    regions, _ = _names()
    cycles = [c for c in cycles_with_results() if c.name <= cycle.name]
    lineage, found = _lineage_rows(cycles, cycle, [domain.key])
    trend: list[DomainYear] = []
    earlier: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for c in sorted(cycles, key=lambda c: c.name):
        pairs = lineage[domain.key].get(c.pk, [])
        if not pairs:
            continue
        key, name = pairs[0]  # a merged domain's history is its first predecessor's
        as_name = name if (key, name) != (domain.key, domain.name) else ""
        if as_name or len(pairs) > 1:
            earlier[tuple(n for _, n in pairs)].append(c.name)
        trend.append(DomainYear(c.name, as_name, found.get((c.pk, key))))
    notes = [
        f"In {' and '.join(years)} the framework had {' and '.join(place)} in this domain's place "
        f"(the framework's crosswalk); those years show the figures of {place[0]}."
        for place, years in earlier.items()
    ]
    return NationalDomain(
        cycle=cycle,
        computed_at=figure_set.computed_at,
        domain=domain,
        figure=own.get((NATIONAL, "")),
        regions=sorted(
            (ScopeRow(code, name, own.get((REGION, code))) for code, name in regions.items()), key=lambda r: r.name
        ),
        trend=trend,
        lineage_note=" ".join(notes),
    )


@dataclass(frozen=True)
class Headline:
    """The home page's national headline: the latest results and the open cycle's progress."""

    results: Cycle | None
    england: Figure | None  # the overall score's figures
    organisations: int
    progress_cycle: Cycle | None
    progress: ProgressRow | None
    closing: str


def national_headline(today: datetime.date | None = None) -> Headline:
    today = today or timezone.localdate()
    results = cycles_with_results().select_related("figure_set").first()
    england = (
        Figure.objects.filter(figure_set__cycle=results, scope=NATIONAL, measure_key=OVERALL, domain_key="").first()
        if results
        else None
    )
    current = open_cycle(today)
    row = (
        CountFigure.objects.filter(
            figure_set__cycle=current, topic=CountFigure.Topic.PROGRESS, scope=counts.NATIONAL
        ).first()
        if current
        else None
    )
    return Headline(
        results=results,
        england=england,
        organisations=results.figure_set.organisations if results else 0,
        progress_cycle=current,
        progress=ProgressRow("", "England", {**dict.fromkeys(counts.PROGRESS_KEYS, 0), **row.counts}) if row else None,
        closing=closing_text(current.closes_on, current.closes_on, today) if current else "",
    )
