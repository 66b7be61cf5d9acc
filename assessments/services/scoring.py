"""Scoring a submitted assessment: the pure rules applied to its answers, stored in one go with
the validation flags that depend on them, then the explicit "re-scored" hook for whatever must
follow a new score (board reports).

Runs on a Celery worker (see tasks.py) but is plain code, so it is tested without one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle, DomainScore, MeasureScore
from assessments.rules import scoring
from assessments.selectors import provisional_levels_of, provisional_scores, scores_from_levels, scoring_is_due
from assessments.services.flags import assessment_flags_refresh
from assessments.services.hooks import AfterCommit
from assessments.tasks import queue_cycle_flags_after, queue_cycle_rescore

logger = logging.getLogger(__name__)


class NotScorable(Exception):
    """The assessment is not (or no longer) submitted: there is nothing to score."""


class ScoringNotDue(NotScorable):
    """The assessment already has its current score and no re-scoring is asked for: another
    delivery of the same job (a sweep's, a redelivery after an outage) did the work first."""


# The score -> report step, without a signal. Higher layers (reports) register a listener in their
# AppConfig.ready(); assessment_score calls every listener once its transaction has committed, so
# every way of scoring (the task, the sweep, `rescore`, a direct call) is followed by it. A
# listener's failure is logged and never undoes or fails the scoring; the sweeps catch up.
# A listener is told the cycle and every assessment of it whose scores changed, so that a whole
# cycle re-scored in bulk costs each listener one call, not one per assessment.
RescoredListener = Callable[[int, list[int]], Any]
rescored = AfterCommit("re-scoring (cycle, assessments)")


def on_rescored(name: str, listener: RescoredListener) -> None:
    """Register `listener(cycle_id, assessment_ids)` to run after new scores commit."""
    rescored.register(name, listener)


def _pause_for_fault_injection() -> None:
    """Tests that kill a worker mid-task set WGLL_SCORING_PAUSE_SECONDS to widen the window
    between the first and last writes; it is 0 (no pause) everywhere else."""
    pause = getattr(settings, "SCORING_PAUSE_SECONDS", 0)
    if pause:
        time.sleep(pause)


def _domain_rows(record: AssessmentScore, computed: Any) -> Iterator[DomainScore]:
    for d in computed.domains:
        yield DomainScore(
            score=record, domain_id=d.domain_id, domain_key=d.domain_key, measure_key=d.measure_key, level=d.level
        )


def _measure_rows(record: AssessmentScore, computed: Any) -> Iterator[MeasureScore]:
    for m in computed.measures:
        yield MeasureScore(
            score=record,
            measure_key=m.key,
            measure_name=m.name,
            position=m.position,
            value=m.score,
            domain_count=m.domain_count,
        )


@transaction.atomic
def assessment_score(*, assessment_id: int, only_if_due: bool = False) -> AssessmentScore:
    """Compute and store domain levels, measure scores and the overall score.

    `only_if_due` (the scoring task) first checks, under the assessment's row lock, that scoring
    is still due (selectors.scoring_is_due), and raises ScoringNotDue if not: the queue may hold
    the same job twice after an outage, and the second must not score again. Either way a
    re-scoring asked for (`rescore_requested_at`) is done by this scoring and cleared.

    Idempotent: the previous scores of the assessment are replaced inside the same transaction,
    so running it twice leaves the same rows, and a crash part-way leaves the old ones intact.
    The figures are `selectors.provisional_scores` (levels recomputed from the ticked criteria
    rather than trusted from the stored answer), so they are what the approver saw at sign-off.
    """
    assessment = Assessment.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=assessment_id)
    if assessment.status not in Assessment.SUBMITTED_OR_LATER or assessment.submitted_at is None:
        raise NotScorable(f"Assessment {assessment_id} is {assessment.status}, not submitted.")
    if only_if_due and not scoring_is_due(assessment):
        raise ScoringNotDue(f"Assessment {assessment_id} already has its current score.")
    if assessment.rescore_requested_at is not None:
        Assessment.objects.filter(pk=assessment_id).update(rescore_requested_at=None)
    logger.debug("Scoring assessment %s", assessment_id)
    # Computed before the old rows go, by the same selector the sign-off page shows beforehand.
    computed = provisional_scores(assessment)
    AssessmentScore.objects.filter(assessment=assessment).delete()
    record = AssessmentScore.objects.create(
        assessment=assessment,
        overall=None,
        method_version=scoring.SCORING_METHOD_VERSION,
        answers_submitted_at=assessment.submitted_at,
        scored_at=timezone.now(),
    )
    DomainScore.objects.bulk_create(_domain_rows(record, computed))
    _pause_for_fault_injection()
    MeasureScore.objects.bulk_create(_measure_rows(record, computed))
    record.overall = computed.overall
    record.save(update_fields=["overall"])
    # The answer flags are refreshed in the same transaction, so nobody sees new scores beside
    # old answers' flags; the pattern flags compare the whole cycle, so a worker re-judges it
    # once the score has committed (debounced over a burst of submissions).
    assessment_flags_refresh(assessment_id=assessment_id)
    queue_cycle_flags_after(assessment.cycle_id)
    rescored.after_commit(assessment.cycle_id, [assessment_id])
    return record


@dataclass(frozen=True)
class CycleRescore:
    """What re-scoring a cycle did: how many submitted assessments it scored, and how many of
    those came out with different figures (the rest only had their scoring time moved)."""

    scored: int
    changed: int


def _stored_levels(assessment_ids: list[int]) -> dict[int, tuple[str, dict[int, int]]]:
    """Each assessment's stored score as (method, {domain id: level}): two queries. Under one
    method the measure and overall scores follow from the levels, so these say whether a re-score
    would change any figure."""
    scores: dict[int, int] = {}
    methods: dict[int, str] = {}
    for score_id, assessment_id, method in AssessmentScore.objects.filter(assessment_id__in=assessment_ids).values_list(
        "pk", "assessment_id", "method_version"
    ):
        scores[score_id], methods[assessment_id] = assessment_id, method
    levels: dict[int, dict[int, int]] = {assessment_id: {} for assessment_id in scores.values()}
    for score_id, domain_id, level in DomainScore.objects.filter(score_id__in=list(scores)).values_list(
        "score_id", "domain_id", "level"
    ):
        levels[scores[score_id]][domain_id] = level
    return {assessment_id: (methods[assessment_id], levels[assessment_id]) for assessment_id in methods}


@transaction.atomic
def cycle_rescore(*, cycle_id: int, assessment_ids: Iterable[int] | None = None) -> CycleRescore:
    """Score every submitted assessment of the cycle (or those named) in one transaction and a
    fixed number of queries, whatever their number: what `rescore --cycle` and a change of
    scoring method run, instead of one scoring task per assessment.

    The same figures as `assessment_score` (`provisional_scores_of`, the one computation). An
    assessment whose figures are unchanged keeps its rows and only has its scoring time moved, so
    re-scoring an unchanged cycle rewrites nothing and makes no new board-report version. The
    cycle's flags and comparison figures follow once, on a worker (debounced), not per assessment.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    scorable = Assessment.objects.select_for_update().filter(
        cycle=cycle, status__in=Assessment.SUBMITTED_OR_LATER, submitted_at__isnull=False
    )
    if assessment_ids is not None:
        scorable = scorable.filter(pk__in=list(assessment_ids))
    submitted_at = dict(scorable.values_list("pk", "submitted_at"))
    ids = sorted(submitted_at)
    levels = provisional_levels_of(cycle.framework_id, ids)
    stored = _stored_levels(ids)
    method, now = scoring.SCORING_METHOD_VERSION, timezone.now()
    changed = [pk for pk in ids if stored.get(pk) != (method, dict(levels[pk]))]
    unchanged = sorted(set(ids) - set(changed))
    computed = scores_from_levels(cycle.framework_id, {pk: levels[pk] for pk in changed})
    AssessmentScore.objects.filter(assessment_id__in=unchanged).update(
        scored_at=now,
        answers_submitted_at=Subquery(Assessment.objects.filter(pk=OuterRef("assessment_id")).values("submitted_at")),
    )
    AssessmentScore.objects.filter(assessment_id__in=changed).delete()
    records = AssessmentScore.objects.bulk_create(
        AssessmentScore(
            assessment_id=pk,
            overall=computed[pk].overall,
            method_version=method,
            answers_submitted_at=submitted_at[pk],
            scored_at=now,
        )
        for pk in changed
    )
    DomainScore.objects.bulk_create(
        (row for record in records for row in _domain_rows(record, computed[record.assessment_id])), batch_size=2000
    )
    MeasureScore.objects.bulk_create(
        (row for record in records for row in _measure_rows(record, computed[record.assessment_id])), batch_size=2000
    )
    # Whatever was asked of these (`rescore`) is done.
    Assessment.objects.filter(pk__in=ids, rescore_requested_at__isnull=False).update(rescore_requested_at=None)
    if ids:
        queue_cycle_flags_after(cycle_id)
    if changed:
        rescored.after_commit(cycle_id, changed)
    return CycleRescore(scored=len(ids), changed=len(changed))


@dataclass
class RescoreRequest:
    marked: int  # submitted assessments now marked for re-scoring
    queued: int = 0  # of those, how many the broker took once the marks committed


def assessments_rescore_request(*, assessment_ids: Iterable[int]) -> RescoreRequest:
    """Ask for the given submitted assessments to be re-scored (`manage.py rescore`): each is
    marked (`rescore_requested_at`) in one statement, then its scoring is queued. One the broker
    cannot take now stays marked, and the scoring sweep queues it (assessments.sweep_unscored),
    so a re-scoring asked for during an outage still happens.

    The scorings are queued once the marks are written, not on commit of an enclosing
    transaction, so the command can report how many the broker took; called inside one, a
    scoring that runs before it commits finds nothing due and the sweep does it instead."""
    ids = list(assessment_ids)
    with transaction.atomic():
        marked = list(
            Assessment.objects.filter(pk__in=ids, status__in=Assessment.SUBMITTED_OR_LATER, submitted_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Assessment.objects.filter(pk__in=marked).update(rescore_requested_at=timezone.now())
    by_cycle: dict[int, list[int]] = {}
    for pk, cycle_id in Assessment.objects.filter(pk__in=marked).values_list("pk", "cycle_id"):
        by_cycle.setdefault(cycle_id, []).append(pk)
    # One bulk task per cycle, not one per assessment.
    queued = sum(len(pks) for cycle_id, pks in by_cycle.items() if queue_cycle_rescore(cycle_id, sorted(pks)))
    return RescoreRequest(marked=len(marked), queued=queued)
