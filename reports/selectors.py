"""Reads for board reports: the report versions of an assessment, and every figure a board
report shows, gathered in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from assessments.models import (
    Assessment,
    AssessmentScore,
    AuditEvent,
    DomainScore,
    Evidence,
    ImprovementPlan,
    MeasureScore,
    ValidationFlag,
)
from assessments.plan_selectors import ReportTarget, report_targets, signed_off_plan_fingerprints
from assessments.rules.carry_forward import cause_text
from assessments.rules.pulse import PulseResult
from assessments.rules.scoring import unmet_for_next_level
from assessments.selectors import (
    PulseComparison,
    YearOnYearSummary,
    assessment_flags,
    assessments_visible_to,
    criterion_texts,
    current_scores,
    levels_with_criteria,
    pulse_comparison,
    pulse_fingerprints,
    pulse_of,
    year_on_year,
    year_on_year_summary,
)
from framework.selectors import domain_criteria
from organisations.models import CareSetting, Organisation
from reports import figures
from reports.models import BoardReport, NationalRelease


def reports_visible_to(user: Any) -> QuerySet[BoardReport]:
    return BoardReport.objects.filter(assessment__in=assessments_visible_to(user))


def releases_of(cycle: Any) -> QuerySet[NationalRelease]:
    """Every version of the cycle's national files, newest first (the caller has checked the
    reader may see them: reports.access.PublicationAction.VIEW_PUBLICATIONS)."""
    return NationalRelease.objects.filter(cycle=cycle).order_by("-version")


def reports_of(assessment: Assessment) -> QuerySet[BoardReport]:
    return BoardReport.objects.filter(assessment=assessment).select_related("requested_by")


def report_in_production(assessment: Assessment, *, lost: Q) -> BoardReport | None:
    """The assessment's report on its way, if any: queued or rendering and not `lost` (the job's
    Job.lost_q; a lost one is queued again by the sweep and does not stop a new version). One
    the broker never took is on its way: the next sweep hands it over."""
    pending = BoardReport.objects.filter(assessment=assessment, status__in=BoardReport.PENDING)
    return pending.exclude(lost).first()


def newest_ready_report(assessment: Assessment) -> BoardReport | None:
    return BoardReport.objects.filter(assessment=assessment, status=BoardReport.Status.READY).first()


def score_fingerprint(score: AssessmentScore) -> str:
    """What a report made from `score` would show, as a fingerprint (figures.scores_fingerprint).

    Only the assessment's own figures: the comparison medians move whenever any trust in the
    cycle is scored, and putting them in would regenerate every report at each sweep while a
    cycle's submissions come in; a report states when it was produced.

    Reports made before fingerprints were hashes hold the ISO time of their score instead. That
    never equals a hash, so each such report is taken as out of date once and regenerated once
    (at the next re-scoring or sweep); its new version holds a hash from then on.
    """
    measures = {m.measure_key: (m.measure_name, m.value) for m in score.measures.all()}
    domain_levels = dict(DomainScore.objects.filter(score=score).values_list("domain_key", "level"))
    return figures.scores_fingerprint(
        method_version=score.method_version,
        overall=score.overall,
        measures=measures,
        domain_levels=domain_levels,
        plan=signed_off_plan_fingerprints([score.assessment_id]).get(score.assessment_id, ""),
        pulse=pulse_fingerprints([score.assessment_id]).get(score.assessment_id, ""),
    )


def assessments_with_stale_reports(assessment_ids: Iterable[int] | None = None) -> list[int]:
    """The assessments (of those named, or all) whose newest report is ready but shows other
    figures than their current score: what the sweep and the re-scored hook regenerate.

    Six queries however many reports there are: the newest report of each assessment, then the
    current scores with their measures and levels, fingerprinted here as `score_fingerprint` does
    (an assessment without a current score is being re-scored: its report waits for it)."""
    reports = BoardReport.objects.order_by("assessment_id", "-requested_at", "-pk")
    if assessment_ids is not None:
        reports = reports.filter(assessment_id__in=list(assessment_ids))
    newest: dict[int, tuple[str, str]] = {}
    for assessment_id, status, fingerprint in reports.values_list("assessment_id", "status", "scores_fingerprint"):
        newest.setdefault(assessment_id, (status, fingerprint))
    ready = [pk for pk, (status, _) in newest.items() if status == BoardReport.Status.READY]
    scores = {
        score_id: (assessment_id, method, overall)
        for score_id, assessment_id, method, overall in current_scores()
        .filter(assessment_id__in=ready)
        .values_list("pk", "assessment_id", "method_version", "overall")
    }
    measures: dict[int, dict[str, tuple[str, Decimal]]] = defaultdict(dict)
    for score_id, key, name, value in MeasureScore.objects.filter(score_id__in=list(scores)).values_list(
        "score_id", "measure_key", "measure_name", "value"
    ):
        measures[score_id][key] = (name, value)
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    for score_id, key, level in DomainScore.objects.filter(score_id__in=list(scores)).values_list(
        "score_id", "domain_key", "level"
    ):
        levels[score_id][key] = level
    plans = signed_off_plan_fingerprints(assessment_id for assessment_id, _, _ in scores.values())
    pulses = pulse_fingerprints(assessment_id for assessment_id, _, _ in scores.values())
    return sorted(
        assessment_id
        for score_id, (assessment_id, method, overall) in scores.items()
        if newest[assessment_id][1]
        != figures.scores_fingerprint(
            method_version=method,
            overall=overall,
            measures=measures[score_id],
            domain_levels=levels[score_id],
            plan=plans.get(assessment_id, ""),
            pulse=pulses.get(assessment_id, ""),
        )
    )


def report_is_up_to_date(report: BoardReport, scores_fingerprint: str) -> bool:
    """Whether a ready report shows what a new version would: the same scores, and nothing
    recorded on the assessment since it began rendering (a status change such as validation, a
    resolved flag), since those change what a report says even when the scores do not."""
    if report.status != BoardReport.Status.READY or report.scores_fingerprint != scores_fingerprint:
        return False
    since = report.started_at or report.requested_at
    return not AuditEvent.objects.filter(assessment_id=report.assessment_id, created_at__gte=since).exists()


def report_requests_since(user: Any, since: datetime.datetime) -> list[datetime.datetime]:
    """When `user` asked for the board reports they asked for since `since`, oldest first (any
    assessment; regenerations after re-scoring are nobody's request)."""
    rows = BoardReport.objects.filter(requested_by=user, requested_at__gte=since).order_by("requested_at")
    return list(rows.values_list("requested_at", flat=True))


def _current_scores(cycle_id: int) -> QuerySet[AssessmentScore]:
    """The cycle's current scores (assessments.selectors.current_score_q): a stale score, or one
    from an older scoring method, is never compared."""
    return current_scores().filter(assessment__cycle_id=cycle_id)


@dataclass
class Comparison:
    """One comparison group: its name, how many organisations it has, and its medians (only
    when it is big enough to show). `size` counts the members with a current score this cycle
    (the organisation itself included); `members` names them in a phrase ("acute trusts")."""

    name: str
    size: int
    members: str = "organisations"
    overall_median: Decimal | None = None
    measure_medians: dict[str, Decimal] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.size >= figures.MIN_GROUP_SIZE


@dataclass
class DomainRow:
    name: str
    key: str
    level: int
    previous_level: int | None
    next_level: int | None
    unmet: list[str]
    notes: str
    cause: str = ""  # why the level changed since last year: the answers, the framework, or both


@dataclass
class MeasureRow:
    key: str
    name: str
    score: Decimal
    previous_score: Decimal | None
    domains: list[DomainRow] = field(default_factory=list)


@dataclass
class EvidenceRow:
    domain: str
    title: str
    kind: str
    url: str


@dataclass
class ReportData:
    assessment: Assessment
    score: AssessmentScore
    previous_score: AssessmentScore | None
    measures: list[MeasureRow]
    peer_group: Comparison | None
    peer_quarter: str | None
    ics: Comparison
    national: Comparison
    trend: list[tuple[str, Decimal]]
    trend_framework_changes: list[str]
    year_on_year: YearOnYearSummary | None
    flags: list[ValidationFlag]
    evidence: list[EvidenceRow]
    # The staff pulse beside the scores, when the organisation ran one (its own section).
    pulse: tuple[PulseResult, list[PulseComparison]] | None = None
    # The signed-off improvement plan's targets (a draft plan is the team's working copy, not
    # what the board agreed), with when it was signed off.
    plan_targets: list[ReportTarget] = field(default_factory=list)
    plan_signed_off_at: datetime.datetime | None = None


def _previous_score(assessment: Assessment) -> AssessmentScore | None:
    if not assessment.previous_id:
        return None
    return (
        current_scores()
        .filter(assessment_id=assessment.previous_id)
        .select_related("assessment__cycle")
        .prefetch_related("measures")
        .first()
    )


def _comparisons(assessment: Assessment) -> tuple[Comparison | None, str | None, Comparison, Comparison]:
    """The peer group (trusts with the same main care setting), the ICS's trusts and all trusts
    nationally, from one query of the cycle's current measure scores."""
    organisation = assessment.organisation
    rows = (
        _current_scores(assessment.cycle_id)
        .filter(assessment__organisation__kind=Organisation.Kind.TRUST)
        .values_list("pk", "overall", "assessment__organisation_id", "assessment__organisation__ics_id",
                     "assessment__organisation__care_settings", "measures__measure_key", "measures__value")
    )  # fmt: skip
    overall: dict[int, Decimal] = {}
    measures: dict[int, dict[str, Decimal]] = defaultdict(dict)
    ics_of: dict[int, int] = {}
    setting_of: dict[int, str | None] = {}
    for _pk, value, organisation_id, ics_id, settings, measure_key, measure_value in rows:
        if value is not None:
            overall[organisation_id] = value
        if measure_key:
            measures[organisation_id][measure_key] = measure_value
        ics_of[organisation_id] = ics_id
        setting_of[organisation_id] = settings[0] if settings else None

    def group(name: str, members: list[int], noun: str = "trusts") -> Comparison:
        comparison = Comparison(name=name, size=len(members), members=noun)
        if comparison.shown:
            comparison.overall_median = figures.median([overall[m] for m in members if m in overall])
            by_measure: dict[str, list[Decimal]] = defaultdict(list)
            for member in members:
                for key, value in measures[member].items():
                    by_measure[key].append(value)
            comparison.measure_medians = {key: figures.median(values) for key, values in by_measure.items()}
        return comparison

    everyone = list(ics_of)
    ics = group(f"Trusts in {organisation.ics.name}", [m for m in everyone if ics_of[m] == organisation.ics_id])
    national = group("All trusts in England", everyone)
    setting = organisation.main_care_setting if organisation.kind == Organisation.Kind.TRUST else None
    if not setting:
        return None, None, ics, national
    label = CareSetting(setting).label.lower() if setting in CareSetting.values else setting
    peers = [m for m in everyone if setting_of[m] == setting]
    peer_group = group(f"Trusts whose main care setting is {label}", peers, f"{label} trusts")
    own = overall.get(organisation.pk)
    others = [overall[m] for m in peers if m != organisation.pk and m in overall]
    peer_quarter = figures.quarter(own, others) if own is not None and peer_group.shown else None
    return peer_group, peer_quarter, ics, national


def _trend(assessment: Assessment) -> tuple[list[tuple[str, Decimal]], list[str]]:
    """The organisation's overall score in each cycle up to this one (current scores only), and
    the cycles whose question set differs from the cycle before (framework changes)."""
    rows = list(
        current_scores()
        .filter(
            assessment__organisation_id=assessment.organisation_id,
            assessment__cycle__name__lte=assessment.cycle.name,
            overall__isnull=False,
        )
        .order_by("assessment__cycle__name")
        .values_list("assessment__cycle__name", "overall", "assessment__cycle__framework__version")
    )
    changes = [
        f"{cycle} (framework {version}, after {earlier_version} in {earlier_cycle})"
        for (earlier_cycle, _, earlier_version), (cycle, _, version) in pairwise(rows)
        if version != earlier_version
    ]
    return [(cycle, value) for cycle, value, _ in rows], changes


def _measures(
    assessment: Assessment, score: AssessmentScore, previous: AssessmentScore | None, causes: dict[str, str]
) -> list[MeasureRow]:
    responses = list(
        assessment.responses.select_related("domain__measure")
        .prefetch_related(Prefetch("domain__levels", queryset=levels_with_criteria().queryset))
        .order_by("domain__measure__position", "domain__position")
    )
    levels = dict(DomainScore.objects.filter(score=score).values_list("domain_key", "level"))
    previous_levels = (
        dict(DomainScore.objects.filter(score=previous).values_list("domain_key", "level")) if previous else {}
    )
    previous_measures = {m.measure_key: m.value for m in previous.measures.all()} if previous else {}
    rows = {
        m.measure_key: MeasureRow(m.measure_key, m.measure_name, m.value, previous_measures.get(m.measure_key))
        for m in score.measures.all()
    }
    for response in responses:
        domain = response.domain
        texts = criterion_texts(response)
        target, missing = unmet_for_next_level(domain_criteria(domain), response.met_criteria)
        earlier = domain.predecessors_in(previous_levels)
        row = rows.get(domain.measure.key)
        if row is None:  # a measure with no scored domains; nothing to report against
            continue
        row.domains.append(
            DomainRow(
                name=domain.name,
                key=domain.key,
                level=levels.get(domain.key, response.level),
                previous_level=max(earlier) if earlier else None,
                next_level=target if missing else None,
                unmet=[texts.get(key, key) for key in missing],
                notes=response.notes,
                cause=causes.get(domain.key, ""),
            )
        )
    return list(rows.values())


def _evidence(assessment: Assessment) -> list[EvidenceRow]:
    items = Evidence.objects.filter(response__assessment=assessment).select_related("response__domain__measure")
    items = items.order_by("response__domain__measure__position", "response__domain__position", "added_at", "pk")
    return [
        EvidenceRow(domain=e.response.domain.name, title=e.title, kind=e.get_kind_display(), url=e.url) for e in items
    ]


def board_report_data(assessment_id: int) -> ReportData | None:
    """Everything a board report shows, or None when the assessment has no current score."""
    assessment = Assessment.objects.select_related("cycle__framework", "organisation__ics__region").get(
        pk=assessment_id
    )
    score = _current_scores(assessment.cycle_id).filter(assessment=assessment).prefetch_related("measures").first()
    if score is None:
        return None
    previous = _previous_score(assessment)
    peer_group, peer_quarter, ics, national = _comparisons(assessment)
    rows = year_on_year(assessment)
    causes = {row.response.domain.key: cause_text(row.level_change) for row in rows}
    trend, trend_framework_changes = _trend(assessment)
    return ReportData(
        assessment=assessment,
        score=score,
        previous_score=previous,
        measures=_measures(assessment, score, previous, causes),
        peer_group=peer_group,
        peer_quarter=peer_quarter,
        ics=ics,
        national=national,
        trend=trend,
        trend_framework_changes=trend_framework_changes,
        year_on_year=year_on_year_summary(assessment, rows),
        flags=assessment_flags(assessment),
        evidence=_evidence(assessment),
        pulse=pulse_comparison(assessment, pulse) if (pulse := pulse_of(assessment)) else None,
        **_signed_off_plan(assessment),
    )


def _signed_off_plan(assessment: Assessment) -> dict[str, Any]:
    signed_at = (
        ImprovementPlan.objects.filter(assessment=assessment, status=ImprovementPlan.Status.SIGNED_OFF)
        .values_list("signed_off_at", flat=True)
        .first()
    )
    if signed_at is None:
        return {}
    return {"plan_targets": report_targets([assessment.pk]).get(assessment.pk, []), "plan_signed_off_at": signed_at}
