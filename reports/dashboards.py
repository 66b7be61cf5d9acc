"""Reads for the ICS dashboard, its drill-down and its board pack.

Group figures (medians, spreads, level counts, the mix-adjusted score) come from the cycle's
precomputed Figure rows; the member table comes from the members' own current scores (scoring
stores them), so each page is a fixed number of queries however many organisations there are.
Who sees what is decided by the one access module: the ICS itself is looked up through
`systems_visible_to`, assessments through the scoped selectors, and a member's work in progress
(a draft, one ready for sign-off or returned) is shown only to those who may see it.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from assessments.access import AssessmentAction, sees_work_in_progress_in_system
from assessments.models import Assessment, Cycle, DomainScore, MeasureScore
from assessments.plan_selectors import PlanSummary, plan_summaries
from assessments.rules.disclosure import Suppression, suppression
from assessments.selectors import assessments_visible_to, current_scores, flags_visible_to
from framework.models import Domain, Measure
from organisations.access import may
from organisations.models import CareSetting, IntegratedCareSystem, Organisation
from organisations.prepared import PreparedQuery
from reports.aggregates import CARE_SETTING, ICBS, ICS, NATIONAL, OVERALL
from reports.models import Figure, FigureSet

NOT_SUBMITTED = "Not yet submitted"
NOT_STARTED = "Not started"


def cycles_with_results() -> QuerySet[Cycle]:
    """Cycles whose comparison figures have been computed with at least one organisation in,
    newest first: the cycles a dashboard can show."""
    return Cycle.objects.filter(figure_set__organisations__gt=0).select_related("framework").order_by("-name")


_cycles_with_results = PreparedQuery(cycles_with_results)


@dataclass(frozen=True)
class MeasureHead:
    key: str
    name: str


@dataclass
class Group:
    """One comparison group's figures (Figure rows), or the reason they are not shown."""

    name: str
    overall: Figure | None = None
    measures: dict[str, Figure] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.overall.size if self.overall else 0

    @property
    def suppressed(self) -> Suppression | None:
        return suppression(self.name, self.size)

    def measure(self, key: str) -> Figure | None:
        return self.measures.get(key)


@dataclass
class MemberRow:
    organisation: Organisation
    assessment: Assessment | None
    status: str  # in words, as this viewer may see it
    counts: bool  # whether its results count in comparisons (submitted or later, scored)
    overall: Decimal | None = None
    measures: dict[str, Decimal] = field(default_factory=dict)
    previous_overall: Decimal | None = None
    open_flags: int = 0
    linked: bool = False  # the viewer may open its assessment
    plan: PlanSummary | None = None  # its improvement plan (every ICS role sees its members' plans)

    @property
    def change(self) -> Decimal | None:
        if self.overall is None or self.previous_overall is None:
            return None
        return self.overall - self.previous_overall

    @property
    def care_setting(self) -> str:
        labels = self.organisation.care_setting_labels()
        return labels[0] if labels else "System level"


@dataclass(frozen=True)
class TrendPoint:
    cycle: str
    system_median: Decimal | None
    system_mean: Decimal | None
    mix_adjusted: Decimal | None
    national_median: Decimal | None
    size: int


@dataclass
class SystemDashboard:
    ics: IntegratedCareSystem
    cycle: Cycle
    cycles: list[Cycle]
    computed_at: datetime.datetime
    measures: list[MeasureHead]
    members: list[MemberRow]  # the ICS's trusts
    icb: MemberRow | None  # the ICB's own system-level assessment
    system: Group
    national: Group
    icbs: Group
    peer_medians: dict[str, Decimal]  # care setting -> national median of its trusts (overall)
    trend: list[TrendPoint]
    by_care_setting: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    sees_work_in_progress: bool

    @property
    def counted(self) -> int:
        return sum(1 for member in self.members if member.counts)

    @property
    def with_plans(self) -> list[MemberRow]:
        return [member for member in self.members if member.plan is not None]


def _status_label(assessment: Assessment | None, sees_drafts: bool) -> str:
    if assessment is None:
        return NOT_STARTED
    if assessment.status in Assessment.SUBMITTED_OR_LATER or sees_drafts:
        return assessment.get_status_display()
    return NOT_SUBMITTED


_group_rows = PreparedQuery(
    lambda figure_set_id, icb_code: Figure.objects.filter(
        Q(scope=ICS, scope_key=icb_code) | Q(scope__in=[NATIONAL, ICBS]) | Q(scope=CARE_SETTING),
        figure_set_id=figure_set_id,
        domain_key="",
    )
)


def _groups(figure_set: FigureSet, ics: IntegratedCareSystem) -> tuple[Group, Group, Group, dict[str, Decimal]]:
    system = Group(f"Trusts in {ics.short_name}")
    national = Group("All trusts in England")
    icbs = Group("Integrated care boards' own assessments")
    peers: dict[str, Decimal] = {}
    for row in _group_rows(figure_set.pk, ics.icb_ods_code):
        if row.scope == CARE_SETTING:
            if row.measure_key == OVERALL and row.median is not None:
                peers[row.scope_key] = row.median
            continue
        group = {ICS: system, NATIONAL: national, ICBS: icbs}[row.scope]
        if row.measure_key == OVERALL:
            group.overall = row
        else:
            group.measures[row.measure_key] = row
    return system, national, icbs, peers


_trend_rows = PreparedQuery(
    lambda icb_code, up_to_name: (
        Figure.objects.filter(
            Q(scope=ICS, scope_key=icb_code) | Q(scope=NATIONAL),
            figure_set__cycle__name__lte=up_to_name,
            figure_set__organisations__gt=0,
            measure_key=OVERALL,
            domain_key="",
        )
        .select_related("figure_set__cycle")
        .order_by("figure_set__cycle__name")
    )
)


def _trend(ics: IntegratedCareSystem, up_to: Cycle) -> list[TrendPoint]:
    """The system's and England's overall figures in every cycle with results up to this one.
    Measures and the overall score keep their keys across framework versions, so the points
    join on keys; what a framework change did to the domains is said beside the chart."""
    rows = _trend_rows(ics.icb_ods_code, up_to.name)
    by_cycle: dict[str, dict[str, Figure]] = defaultdict(dict)
    for row in rows:
        by_cycle[row.figure_set.cycle.name][row.scope] = row
    points = []
    for name, scopes in by_cycle.items():
        system, national = scopes.get(ICS), scopes.get(NATIONAL)
        points.append(
            TrendPoint(
                cycle=name,
                system_median=system.median if system else None,
                system_mean=system.mean if system else None,
                mix_adjusted=system.mix_adjusted if system else None,
                national_median=national.median if national else None,
                size=system.size if system else 0,
            )
        )
    return points


def system_figure_rows(ics: IntegratedCareSystem, cycle: Cycle) -> QuerySet[Figure]:
    """The precomputed rows of every group the ICS dashboard and its drill-down compare: the
    ICS's own trusts, all trusts in England, the ICBs' own assessments and the care-setting peer
    groups (overall, each measure, each domain), in a total order (the unique key of a row)."""
    wanted = Q(scope=ICS, scope_key=ics.icb_ods_code) | Q(scope__in=[NATIONAL, ICBS, CARE_SETTING])
    return (
        Figure.objects.filter(wanted, figure_set__cycle=cycle)
        .select_related("figure_set__cycle")
        .order_by("scope", "scope_key", "measure_key", "domain_key")
    )


# The dashboard's reads of one ICS in one cycle, each written as SQL once per process
# (organisations/prepared.py): the page is read far more often than its figures change.
_figure_set = PreparedQuery(lambda cycle_id: FigureSet.objects.filter(cycle_id=cycle_id))
_measure_heads = PreparedQuery(
    lambda framework_id: (
        Measure.objects.filter(framework_id=framework_id).order_by("position").values_list("key", "name")
    )
)
_members = PreparedQuery(lambda ics_id: Organisation.objects.filter(ics_id=ics_id).order_by("name"))
_member_assessments = PreparedQuery(
    lambda cycle_id, ics_id: Assessment.objects.filter(cycle_id=cycle_id, organisation__ics_id=ics_id)
)


def _member_scores_query(cycle_id: int, ics_id: int) -> QuerySet:
    return current_scores().filter(assessment__cycle_id=cycle_id, assessment__organisation__ics_id=ics_id)


# Rows of values, not model instances: a member's score is two numbers here, and building an
# instance for each of its seven measures was most of the cost of each row of a large ICS.
_member_scores = PreparedQuery(
    lambda cycle_id, ics_id: _member_scores_query(cycle_id, ics_id).values_list(
        "assessment__organisation_id", "overall"
    )
)
_member_measures = PreparedQuery(
    lambda cycle_id, ics_id: MeasureScore.objects.filter(
        # The ICS and cycle named on the measures' own joins too, so the plan starts from the ICS's
        # members rather than joining every measure score in the country to find them.
        score__assessment__cycle_id=cycle_id,
        score__assessment__organisation__ics_id=ics_id,
        score__in=_member_scores_query(cycle_id, ics_id).values("pk"),
    ).values_list("score__assessment__organisation_id", "measure_key", "value")
)
_previous_overalls = PreparedQuery(
    lambda assessment_ids: (
        current_scores().filter(assessment_id__in=assessment_ids).values_list("assessment__organisation_id", "overall")
    )
)


def system_dashboard(user: Any, ics: IntegratedCareSystem, cycle: Cycle) -> SystemDashboard | None:
    """Everything the dashboard shows for `ics` in `cycle`, or None when the cycle has no
    computed figures yet. `ics` must come from `systems_visible_to(user)`."""
    figure_set = _figure_set.one_or_none(cycle.pk)
    if figure_set is None:
        return None
    sees_drafts = sees_work_in_progress_in_system(user, ics.pk)
    measures = [MeasureHead(key, name) for key, name in _measure_heads(cycle.framework_id)]
    organisations = _members(ics.pk)
    by_id = {organisation.pk: organisation for organisation in organisations}
    assessments = {}
    for assessment in _member_assessments(cycle.pk, ics.pk):
        # Their organisation and cycle are the rows already read, not a join's copies of them.
        assessment.organisation, assessment.cycle = by_id[assessment.organisation_id], cycle
        assessments[assessment.organisation_id] = assessment
    # Which members' pages the person may open: the access rule over the rows just read, as
    # `assessments_visible_to` would filter them (the two are tested to agree), without a query.
    visible = {a.pk for a in assessments.values() if may(user, AssessmentAction.VIEW, a)}
    overalls = dict(_member_scores(cycle.pk, ics.pk))
    measure_values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for organisation_id, key, value in _member_measures(cycle.pk, ics.pk):
        measure_values[organisation_id][key] = value
    previous_ids = sorted({a.previous_id for a in assessments.values() if a.previous_id})
    previous = dict(_previous_overalls(previous_ids) if previous_ids else [])
    flags = dict(
        flags_visible_to(user)
        .filter(assessment__cycle=cycle, assessment__organisation__ics=ics, resolved_at__isnull=True)
        .values("assessment__organisation_id")
        .annotate(open=Count("pk"))
        .values_list("assessment__organisation_id", "open")
    )

    plans = plan_summaries(a.pk for a in assessments.values())

    rows: list[MemberRow] = []
    icb_row: MemberRow | None = None
    for organisation in organisations:
        assessment = assessments.get(organisation.pk)
        scored = organisation.pk in overalls
        row = MemberRow(
            organisation=organisation,
            assessment=assessment,
            status=_status_label(assessment, sees_drafts),
            counts=scored,
            linked=assessment is not None and assessment.pk in visible,
            plan=plans.get(assessment.pk) if assessment is not None else None,
        )
        if scored:
            row.overall = overalls[organisation.pk]
            row.measures = measure_values[organisation.pk]
            row.previous_overall = previous.get(organisation.pk)
            row.open_flags = flags.get(organisation.pk, 0)
        if organisation.kind == Organisation.Kind.ICB:
            icb_row = row
        else:
            rows.append(row)

    system, national, icbs, peers = _groups(figure_set, ics)
    settings = Counter(row.care_setting for row in rows)
    statuses = Counter(row.status for row in rows)
    return SystemDashboard(
        ics=ics,
        cycle=cycle,
        cycles=_cycles_with_results(),
        computed_at=figure_set.computed_at,
        measures=measures,
        members=rows,
        icb=icb_row,
        system=system,
        national=national,
        icbs=icbs,
        peer_medians=peers,
        trend=_trend(ics, cycle),
        by_care_setting=sorted(settings.items(), key=lambda item: (-item[1], item[0])),
        by_status=_status_order(statuses),
        sees_work_in_progress=sees_drafts,
    )


_STATUS_ORDER = [NOT_STARTED, NOT_SUBMITTED, *Assessment.Status.labels]


def _status_order(statuses: Counter[str]) -> list[tuple[str, int]]:
    return [(label, statuses[label]) for label in _STATUS_ORDER if statuses.get(label)]


# Drill-down: measure -> domain -> members at each level.


@dataclass
class DomainFigures:
    key: str
    name: str
    system: Figure | None
    national: Figure | None
    group_name: str

    @property
    def suppressed(self) -> Suppression | None:
        return suppression(self.group_name, self.system.size if self.system else 0)


@dataclass
class MeasureDrillDown:
    ics: IntegratedCareSystem
    cycle: Cycle
    computed_at: datetime.datetime
    measure: Measure
    system: Figure | None
    national: Figure | None
    domains: list[DomainFigures]
    group_name: str


def _domain_figures(figure_set: FigureSet, ics: IntegratedCareSystem, keys: list[str]) -> dict[tuple[str, str], Figure]:
    rows = Figure.objects.filter(
        Q(scope=ICS, scope_key=ics.icb_ods_code) | Q(scope=NATIONAL), figure_set=figure_set, domain_key__in=keys
    )
    return {(row.scope, row.domain_key): row for row in rows}


def system_measure(ics: IntegratedCareSystem, cycle: Cycle, measure_key: str) -> MeasureDrillDown | None:
    figure_set = FigureSet.objects.filter(cycle=cycle).first()
    measure = Measure.objects.filter(framework_id=cycle.framework_id, key=measure_key).first()
    if figure_set is None or measure is None:
        return None
    domains = list(Domain.objects.filter(measure=measure, system_assessment=False).order_by("position"))
    figures = _domain_figures(figure_set, ics, [d.key for d in domains])
    measure_rows = {
        row.scope: row
        for row in Figure.objects.filter(
            Q(scope=ICS, scope_key=ics.icb_ods_code) | Q(scope=NATIONAL),
            figure_set=figure_set,
            measure_key=measure_key,
            domain_key="",
        )
    }
    group = f"Trusts in {ics.short_name}"
    return MeasureDrillDown(
        ics=ics,
        cycle=cycle,
        computed_at=figure_set.computed_at,
        measure=measure,
        system=measure_rows.get(ICS),
        national=measure_rows.get(NATIONAL),
        domains=[
            DomainFigures(d.key, d.name, figures.get((ICS, d.key)), figures.get((NATIONAL, d.key)), group)
            for d in domains
        ],
        group_name=group,
    )


@dataclass(frozen=True)
class LevelMember:
    organisation: Organisation
    assessment: Assessment
    linked: bool


@dataclass(frozen=True)
class DomainTrendPoint:
    cycle: str
    system_median: Decimal | None
    national_median: Decimal | None
    size: int
    as_name: str  # the domain's name that cycle, when it differed (renamed, split or merged)


@dataclass
class DomainDrillDown:
    ics: IntegratedCareSystem
    cycle: Cycle
    computed_at: datetime.datetime
    domain: Domain
    figures: DomainFigures
    at_level: dict[int, list[LevelMember]]  # level 0-5 -> member trusts there, by name
    trend: list[DomainTrendPoint]
    lineage_note: str


def domain_lineage(cycles: list[Cycle], domain: Domain) -> dict[int, list[tuple[str, str]]]:
    """For each cycle (newest first, the domain's own cycle first), the (key, name) pairs of the
    domains that the domain continues in that cycle's framework, in predecessor order: the
    crosswalk walked back one framework version at a time (Domain.replaces), so a renamed,
    split or merged domain carries its history over. One query for every version's domains."""
    return domains_lineage(cycles, domain.framework_id, [domain.key])[domain.key]


def domains_lineage(
    cycles: list[Cycle], framework_id: int, keys: list[str]
) -> dict[str, dict[int, list[tuple[str, str]]]]:
    """`domain_lineage` for several domains of one framework version at once (domain key ->
    cycle -> predecessors), still one query however many domains."""
    frameworks = {c.framework_id for c in cycles} | {framework_id}
    rows = Domain.objects.filter(framework_id__in=frameworks).values_list("framework_id", "key", "name", "replaces")
    by_framework: dict[int, dict[str, tuple[str, list[str]]]] = defaultdict(dict)
    for version, key, name, replaces in rows:
        by_framework[version][key] = (name, replaces)
    return {key: _walk_back(cycles, framework_id, key, by_framework) for key in keys}


def _walk_back(
    cycles: list[Cycle], framework_id: int, key: str, by_framework: dict[int, dict[str, tuple[str, list[str]]]]
) -> dict[int, list[tuple[str, str]]]:
    lineage: dict[int, list[tuple[str, str]]] = {}
    keys = [key]
    later_framework = framework_id
    for cycle in cycles:
        if cycle.framework_id != later_framework:
            later = by_framework[later_framework]
            earlier = by_framework[cycle.framework_id]
            stepped: list[str] = []
            for current in keys:
                replaces = later.get(current, ("", []))[1]
                for candidate in [current, *replaces]:
                    if candidate in earlier and candidate not in stepped:
                        stepped.append(candidate)
            keys, later_framework = stepped, cycle.framework_id
        names = by_framework[cycle.framework_id]
        lineage[cycle.pk] = [(k, names[k][0]) for k in keys if k in names]
    return lineage


def system_domain(user: Any, ics: IntegratedCareSystem, cycle: Cycle, domain_key: str) -> DomainDrillDown | None:
    figure_set = FigureSet.objects.filter(cycle=cycle).first()
    domain = (
        Domain.objects.filter(framework_id=cycle.framework_id, key=domain_key, system_assessment=False)
        .select_related("measure", "framework")
        .first()
    )
    if figure_set is None or domain is None:
        return None
    group = f"Trusts in {ics.short_name}"
    own = _domain_figures(figure_set, ics, [domain.key])
    figures = DomainFigures(domain.key, domain.name, own.get((ICS, domain.key)), own.get((NATIONAL, domain.key)), group)

    visible = set(assessments_visible_to(user).filter(cycle=cycle, organisation__ics=ics).values_list("pk", flat=True))
    at_level: dict[int, list[LevelMember]] = {level: [] for level in range(6)}
    levels = (
        DomainScore.objects.filter(
            score__in=current_scores().filter(assessment__cycle=cycle, assessment__organisation__ics=ics),
            domain_key=domain.key,
            score__assessment__organisation__kind=Organisation.Kind.TRUST,
        )
        .select_related("score__assessment__organisation", "score__assessment__cycle")
        .order_by("score__assessment__organisation__name")
    )
    for row in levels:
        assessment = row.score.assessment
        at_level[row.level].append(LevelMember(assessment.organisation, assessment, assessment.pk in visible))

    cycles = [c for c in cycles_with_results() if c.name <= cycle.name]
    lineage = domain_lineage(cycles, domain)
    wanted = Q()
    for c in cycles:
        wanted |= Q(figure_set__cycle=c, domain_key__in=[key for key, _ in lineage.get(c.pk, [])])
    rows = Figure.objects.filter(wanted, Q(scope=ICS, scope_key=ics.icb_ods_code) | Q(scope=NATIONAL)).values_list(
        "figure_set__cycle_id", "scope", "domain_key", "median", "size"
    )
    found: dict[tuple[int, str, str], tuple[Decimal | None, int]] = {
        (cycle_id, scope, key): (median, size) for cycle_id, scope, key, median, size in rows
    }
    trend: list[DomainTrendPoint] = []
    earlier_names: dict[tuple[str, ...], list[str]] = defaultdict(list)  # what held its place -> cycles
    for c in sorted(cycles, key=lambda c: c.name):
        pairs = lineage.get(c.pk, [])
        if not pairs:
            continue
        key, name = pairs[0]  # a merged domain's history is its first predecessor's
        system_median, size = found.get((c.pk, ICS, key), (None, 0))
        national_median, _ = found.get((c.pk, NATIONAL, key), (None, 0))
        as_name = name if (key, name) != (domain.key, domain.name) else ""
        if as_name or len(pairs) > 1:
            earlier_names[tuple(n for _, n in pairs)].append(c.name)
        trend.append(DomainTrendPoint(c.name, system_median, national_median, size, as_name))
    notes = [
        f"In {' and '.join(years)} the framework had {' and '.join(place)} in this domain's place "
        f"(the framework's crosswalk); those years show the figures of {place[0]}."
        for place, years in earlier_names.items()
    ]
    return DomainDrillDown(
        ics=ics,
        cycle=cycle,
        computed_at=figure_set.computed_at,
        domain=domain,
        figures=figures,
        at_level=at_level,
        trend=trend,
        lineage_note=" ".join(notes),
    )


def care_setting_label(value: str) -> str:
    return CareSetting(value).label if value in CareSetting.values else value
