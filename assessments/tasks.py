"""Celery tasks: thin wrappers that take ids and call services.

Services import this module to queue work after commit; tasks import services only inside
their bodies, so the two never import each other at load time. Queueing never blocks or fails
the caller: if the broker is down the work stays visible in the database and a periodic sweep
re-drives it (`queue_safely`).
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from assessments.models import Assessment
from assessments.selectors import assessments_needing_scores

logger = logging.getLogger(__name__)


def queue_safely(task: Task, *args: object, what: str) -> bool:
    """Publish `task(*args)`; on any broker failure log it and return False, never raise.

    `what` names the job for the log, e.g. "scoring of assessment 12". The caller's work has
    already committed; a lost message is found again by the sweep that owns that kind of job.
    """
    try:
        task.apply_async(args, retry=False)
    except Exception:
        logger.warning("Could not queue %s; the periodic sweep will pick it up", what, exc_info=True)
        return False
    return True


@shared_task(
    name="assessments.score_assessment",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=100,
    time_limit=120,
)
def score_assessment_task(assessment_id: int) -> str | None:
    from assessments.services.scoring import NotScorable, assessment_score

    try:
        record = assessment_score(assessment_id=assessment_id)
    except (NotScorable, Assessment.DoesNotExist) as reason:
        logger.info("Not scoring assessment %s: %s", assessment_id, reason)
        return None
    return None if record.overall is None else str(record.overall)


@shared_task(name="assessments.sweep_unscored", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_unscored_task() -> int:
    """Queue every submitted assessment without a current score (beat runs this periodically)."""
    return sum(queue_scoring(pk) for pk in assessments_needing_scores().values_list("pk", flat=True))


def queue_scoring(assessment_id: int) -> bool:
    """Publish a scoring task; False (logged) when the broker cannot take it right now."""
    return queue_safely(score_assessment_task, assessment_id, what=f"scoring of assessment {assessment_id}")
