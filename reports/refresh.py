"""Keeping each cycle's comparison figures (FigureSet, Figure) and the national dashboard's
counts (CountFigure: submission progress, open flags) in step with its assessments.

A worker recomputes a cycle's figures in one go after scoring (the re-scored hook, coalesced:
a burst of submissions makes one refresh), and the beat sweep recomputes any cycle with a change
the figures do not yet include (a return for changes, a saved answer, a resolved flag, a refresh
lost with its broker message), so the figures are never more than one sweep interval behind.
Both are idempotent: the figures and counts are a function of the cycle's rows, replaced whole
in one transaction, in a fixed number of queries however many organisations the cycle has.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentScore,
    Cycle,
    DomainResponse,
    DomainScore,
    ImprovementPlan,
    MeasureScore,
    PlanTarget,
    ValidationFlag,
)
from assessments.selectors import current_scores
from organisations.models import Organisation
from reports import counts
from reports.aggregates import ScoredMember, cycle_aggregates
from reports.models import CountFigure, Figure, FigureSet


def _source_changed_at(cycle_id: int) -> datetime.datetime | None:
    """The newest change that can move a cycle's figures or counts: an assessment saved (a status
    change, a return), a score written, an answer saved (a draft goes from not started to in
    progress), a flag raised, re-judged or resolved, or the cycle's flags refreshed (which is
    also when flags no longer raised are removed)."""
    stamps = [
        Assessment.objects.filter(cycle_id=cycle_id).aggregate(newest=Max("updated_at"))["newest"],
        AssessmentScore.objects.filter(assessment__cycle_id=cycle_id).aggregate(newest=Max("scored_at"))["newest"],
        DomainResponse.objects.filter(assessment__cycle_id=cycle_id).aggregate(newest=Max("updated_at"))["newest"],
        *ValidationFlag.objects.filter(assessment__cycle_id=cycle_id)
        .aggregate(computed=Max("computed_at"), resolved=Max("resolved_at"))
        .values(),
        Cycle.objects.filter(pk=cycle_id).values_list("flags_refreshed_at", flat=True).first(),
        # A plan signed off or reopened moves the target counts.
        ImprovementPlan.objects.filter(assessment__cycle_id=cycle_id).aggregate(newest=Max("updated_at"))["newest"],
    ]
    return max((stamp for stamp in stamps if stamp is not None), default=None)


def progress_rows(cycle_id: int) -> list[counts.ProgressRow]:
    """The cycle's assessments grouped by ICS, status and whether a draft has an answer saved:
    one query, at most (ICSs x statuses) rows however many organisations."""
    answered = Exists(DomainResponse.objects.filter(assessment=OuterRef("pk"), updated_at__isnull=False))
    rows = (
        Assessment.objects.filter(cycle_id=cycle_id)
        .annotate(answered=answered)
        .values("organisation__ics__region__ods_code", "organisation__ics__icb_ods_code", "status", "answered")
        .annotate(assessments=Count("pk"))
        .order_by()
    )
    return [
        counts.ProgressRow(
            region=row["organisation__ics__region__ods_code"] or "",
            ics=row["organisation__ics__icb_ods_code"] or "",
            status=row["status"],
            answered=row["answered"],
            assessments=row["assessments"],
        )
        for row in rows
    ]


def flag_rows(cycle_id: int) -> list[counts.FlagRow]:
    """The open (unresolved) flags of the cycle's submitted-or-later assessments, grouped by ICS
    and kind: one query. As the flag rates count them (assessments.services.flags): a returned
    assessment's flags wait for its resubmission, which judges its answers again."""
    rows = (
        ValidationFlag.objects.filter(
            assessment__cycle_id=cycle_id,
            assessment__status__in=Assessment.SUBMITTED_OR_LATER,
            resolved_at__isnull=True,
        )
        .values(
            "assessment__organisation__ics__region__ods_code", "assessment__organisation__ics__icb_ods_code", "kind"
        )
        .annotate(open=Count("pk"), organisations=Count("assessment", distinct=True))
        .order_by()
    )
    return [
        counts.FlagRow(
            region=row["assessment__organisation__ics__region__ods_code"] or "",
            ics=row["assessment__organisation__ics__icb_ods_code"] or "",
            kind=row["kind"],
            open=row["open"],
            organisations=row["organisations"],
        )
        for row in rows
    ]


def target_rows(cycle_id: int) -> tuple[list[counts.TargetRow], int]:
    """The cycle's signed-off plan targets grouped by domain and level, in framework order, and
    how many signed-off plans there are: two queries, however many organisations."""
    signed_off = ImprovementPlan.objects.filter(assessment__cycle_id=cycle_id, status=ImprovementPlan.Status.SIGNED_OFF)
    rows = (
        PlanTarget.objects.filter(plan__in=signed_off)
        .values("domain_key", "domain__name", "domain__measure__name", "target_level")
        .annotate(organisations=Count("plan__assessment__organisation", distinct=True))
        .order_by("domain__measure__position", "domain__position", "domain_key", "target_level")
    )
    return [
        counts.TargetRow(
            domain_key=row["domain_key"],
            domain_name=row["domain__name"],
            measure_name=row["domain__measure__name"],
            level=row["target_level"],
            organisations=row["organisations"],
        )
        for row in rows
    ], signed_off.count()


def scored_members(cycle_id: int) -> list[ScoredMember]:
    """Every organisation with a current score in the cycle, with its figures: three queries,
    however many organisations."""
    scores = current_scores().filter(assessment__cycle_id=cycle_id)
    rows = scores.values_list(
        "pk",
        "overall",
        "assessment__status",
        "assessment__organisation_id",
        "assessment__organisation__kind",
        "assessment__organisation__care_settings",
        "assessment__organisation__ics__icb_ods_code",
        "assessment__organisation__ics__region__ods_code",
    )
    measures: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for score_id, key, value in MeasureScore.objects.filter(score__in=scores.values("pk")).values_list(
        "score_id", "measure_key", "value"
    ):
        measures[score_id][key] = value
    domains: dict[int, dict[str, int]] = defaultdict(dict)
    domain_measures: dict[str, str] = {}
    for score_id, key, measure_key, level in DomainScore.objects.filter(score__in=scores.values("pk")).values_list(
        "score_id", "domain_key", "measure_key", "level"
    ):
        domains[score_id][key] = level
        domain_measures[key] = measure_key
    return [
        ScoredMember(
            organisation_id=organisation_id,
            status=status,
            is_icb=kind == Organisation.Kind.ICB,
            care_setting=settings[0] if settings else None,
            region=region or "",
            ics=ics or "",
            overall=overall,
            measures=measures[score_id],
            domains=domains[score_id],
            domain_measures=domain_measures,
        )
        for score_id, overall, status, organisation_id, kind, settings, ics, region in rows
    ]


@transaction.atomic
def cycle_figures_refresh(*, cycle_id: int, only_if_due: bool = False) -> FigureSet | None:
    """Recompute and store every comparison figure of the cycle; None when `only_if_due` and
    nothing has changed since the last computation (a duplicate task after a burst)."""
    # One refresh of a cycle at a time: a second waits here, then finds nothing due.
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    if only_if_due and not cycle_figures_due(cycle.pk):
        return None
    # Read before the figures, so that a change made while they are computed leaves the cycle
    # due again rather than being taken as included.
    changed_at = _source_changed_at(cycle.pk)
    members = scored_members(cycle.pk)
    aggregates = cycle_aggregates(members)
    FigureSet.objects.filter(cycle=cycle).delete()
    figure_set = FigureSet.objects.create(
        cycle=cycle,
        computed_at=timezone.now(),
        source_changed_at=changed_at,
        organisations=sum(1 for m in members if m.status in Assessment.SUBMITTED_OR_LATER),
    )
    Figure.objects.bulk_create(
        [
            Figure(
                figure_set=figure_set,
                scope=row.scope,
                scope_key=row.scope_key,
                measure_key=row.measure_key,
                domain_key=row.domain_key,
                size=row.size,
                mean=row.mean,
                median=row.median,
                minimum=row.minimum,
                maximum=row.maximum,
                lower_quartile=row.lower_quartile,
                upper_quartile=row.upper_quartile,
                level_counts=row.level_counts,
                mix_adjusted=row.mix_adjusted,
                adjusted_difference=row.adjusted_difference,
                adjusted_fallbacks=row.adjusted_fallbacks,
            )
            for row in aggregates
        ],
        batch_size=500,
    )
    CountFigure.objects.bulk_create(
        [
            CountFigure(figure_set=figure_set, topic=topic, scope=scope, scope_key=scope_key, counts=values)
            for topic, grouped in (
                (CountFigure.Topic.PROGRESS, counts.progress_counts(progress_rows(cycle.pk))),
                (CountFigure.Topic.FLAGS, counts.flag_counts(flag_rows(cycle.pk))),
            )
            for (scope, scope_key), values in sorted(grouped.items())
        ]
        + [
            CountFigure(
                figure_set=figure_set,
                topic=CountFigure.Topic.TARGETS,
                scope=counts.NATIONAL,
                scope_key="",
                counts=counts.target_counts(*target_rows(cycle.pk)),
            )
        ],
        batch_size=500,
    )
    return figure_set


def _due_q() -> Q:
    """Cycles with a change the figures and counts do not include: none computed yet (but an
    assessment to count: an open cycle's progress is shown before anything is submitted), or
    an assessment, score, answer or flag newer than their newest change (_source_changed_at).
    Answers and flags are looked up with EXISTS, so the query never multiplies the rows of a
    cycle's assessments by their answers."""
    never = Q(figure_set__isnull=True) & Q(assessments__isnull=False)
    changed = Q(figure_set__source_changed_at__isnull=True) & Q(assessments__isnull=False)
    included = F("figure_set__source_changed_at")
    newer = Q(assessments__updated_at__gt=included) | Q(assessments__score__scored_at__gt=included)
    outer = OuterRef("figure_set__source_changed_at")
    answers = Exists(DomainResponse.objects.filter(assessment__cycle=OuterRef("pk"), updated_at__gt=outer))
    flags = Exists(
        ValidationFlag.objects.filter(
            Q(computed_at__gt=outer) | Q(resolved_at__gt=outer), assessment__cycle=OuterRef("pk")
        )
    )
    plans = Exists(ImprovementPlan.objects.filter(assessment__cycle=OuterRef("pk"), updated_at__gt=outer))
    return never | changed | newer | Q(flags_refreshed_at__gt=included) | Q(answers) | Q(flags) | Q(plans)


def cycle_figures_due(cycle_id: int) -> bool:
    return Cycle.objects.filter(_due_q(), pk=cycle_id).exists()


def cycles_with_figures_due() -> list[int]:
    """The cycles whose figures the sweep must recompute: one query."""
    return list(Cycle.objects.filter(_due_q()).values_list("pk", flat=True).distinct().order_by("pk"))
