"""Scoring a submitted assessment: the pure rules applied to its answers, stored in one go.

Runs on a Celery worker (see tasks.py) but is plain code, so it is tested without one.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assessments import scoring
from assessments.models import Assessment, AssessmentScore, DomainResponse, DomainScore, MeasureScore
from wgll.framework.models import Criterion

logger = logging.getLogger(__name__)


class NotScorable(Exception):
    """The assessment is not (or no longer) submitted: there is nothing to score."""


def _criteria_by_domain(framework_id: int) -> dict[int, dict[int, list[str]]]:
    criteria: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for domain_id, number, key in (
        Criterion.objects.filter(domain__framework_id=framework_id)
        .order_by("level__number", "position")
        .values_list("domain_id", "level__number", "key")
    ):
        criteria[domain_id].setdefault(number, []).append(key)
    return criteria


def _pause_for_fault_injection() -> None:
    """Tests that kill a worker mid-task set WGLL_SCORING_PAUSE_SECONDS to widen the window
    between the first and last writes; it is 0 (no pause) everywhere else."""
    pause = getattr(settings, "SCORING_PAUSE_SECONDS", 0)
    if pause:
        time.sleep(pause)


@transaction.atomic
def assessment_score(*, assessment_id: int) -> AssessmentScore:
    """Compute and store domain levels, measure scores and the overall score.

    Idempotent: the previous scores of the assessment are replaced inside the same transaction,
    so running it twice leaves the same rows, and a crash part-way leaves the old ones intact.
    Levels are recomputed from the ticked criteria rather than trusted from the stored answer.
    """
    assessment = Assessment.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=assessment_id)
    if assessment.status not in Assessment.SUBMITTED_OR_LATER or assessment.submitted_at is None:
        raise NotScorable(f"Assessment {assessment_id} is {assessment.status}, not submitted.")
    criteria = _criteria_by_domain(assessment.cycle.framework_id)
    responses = list(
        DomainResponse.objects.filter(assessment=assessment)
        .select_related("domain__measure")
        .order_by("domain__measure__position", "domain__position")
    )
    AssessmentScore.objects.filter(assessment=assessment).delete()
    record = AssessmentScore.objects.create(
        assessment=assessment,
        overall=None,
        method_version=scoring.SCORING_METHOD_VERSION,
        answers_submitted_at=assessment.submitted_at,
        scored_at=timezone.now(),
    )
    levels_by_measure: dict[str, list[int]] = defaultdict(list)
    measures: dict[str, Any] = {}
    domain_rows = []
    for response in responses:
        level = scoring.domain_level(criteria[response.domain_id], response.met_criteria)
        measure = response.domain.measure
        measures[measure.key] = measure
        levels_by_measure[measure.key].append(level)
        domain_rows.append(
            DomainScore(
                score=record, domain=response.domain, domain_key=response.domain.key, measure_key=measure.key,
                level=level,
            )
        )  # fmt: skip
    DomainScore.objects.bulk_create(domain_rows)
    _pause_for_fault_injection()
    measure_rows = [
        MeasureScore(
            score=record,
            measure_key=key,
            measure_name=measures[key].name,
            position=measures[key].position,
            value=scoring.measure_score(levels),
            domain_count=len(levels),
        )
        for key, levels in levels_by_measure.items()
    ]
    MeasureScore.objects.bulk_create(measure_rows)
    record.overall = scoring.overall_score(row.value for row in measure_rows)
    record.save(update_fields=["overall"])
    return record


def assessments_needing_scores() -> QuerySet[Assessment]:
    """Submitted (or later) assessments with no current score: never scored, scored before their
    latest submission, or scored by an older method. What the periodic sweep re-drives."""
    return Assessment.objects.filter(status__in=Assessment.SUBMITTED_OR_LATER, submitted_at__isnull=False).filter(
        Q(score__isnull=True)
        | Q(score__answers_submitted_at__lt=F("submitted_at"))
        | ~Q(score__method_version=scoring.SCORING_METHOD_VERSION)
    )
