"""Keeping each cycle's comparison figures (FigureSet, Figure) in step with its scores.

A worker recomputes a cycle's figures in one go after scoring (the re-scored hook, coalesced:
a burst of submissions makes one refresh), and the beat sweep recomputes any cycle with a change
the figures do not yet include (a return for changes, a refresh lost with its broker message),
so the figures are never more than one sweep interval behind. Both are idempotent: the figures
are a function of the scores, replaced whole in one transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle, DomainScore, MeasureScore
from assessments.selectors import current_scores
from organisations.models import Organisation
from reports.aggregates import ScoredMember, cycle_aggregates
from reports.models import Figure, FigureSet


def _source_changed_at(cycle_id: int) -> datetime.datetime | None:
    """The newest change that can move a cycle's figures: an assessment saved (a status change,
    a return) or a score written."""
    assessments = Assessment.objects.filter(cycle_id=cycle_id).aggregate(newest=Max("updated_at"))["newest"]
    scores = AssessmentScore.objects.filter(assessment__cycle_id=cycle_id).aggregate(newest=Max("scored_at"))["newest"]
    return max((stamp for stamp in (assessments, scores) if stamp is not None), default=None)


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
    return figure_set


def _due_q() -> Q:
    """Cycles with a change the figures do not include: no figures yet (but something to
    compare), or an assessment or score newer than the figures' newest change."""
    never = Q(figure_set__isnull=True) & Q(assessments__status__in=Assessment.SUBMITTED_OR_LATER)
    changed = Q(figure_set__source_changed_at__isnull=True) & Q(assessments__isnull=False)
    included = F("figure_set__source_changed_at")
    newer = Q(assessments__updated_at__gt=included) | Q(assessments__score__scored_at__gt=included)
    return never | changed | newer


def cycle_figures_due(cycle_id: int) -> bool:
    return Cycle.objects.filter(_due_q(), pk=cycle_id).exists()


def cycles_with_figures_due() -> list[int]:
    """The cycles whose figures the sweep must recompute: one query."""
    return list(Cycle.objects.filter(_due_q()).values_list("pk", flat=True).distinct().order_by("pk"))
