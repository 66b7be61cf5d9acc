"""Celery tasks: thin wrappers that take ids and call services.

Scoring is queued only after the submission has committed, and queueing never blocks or fails
a submission: if the broker is down the periodic sweep finds the unscored assessment later.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from assessments.flag_service import NotFlaggable, assessment_flags_refresh
from assessments.models import Assessment
from assessments.scoring_service import NotScorable, assessment_score, assessments_needing_scores

logger = logging.getLogger(__name__)


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
    try:
        record = assessment_score(assessment_id=assessment_id)
    except (NotScorable, Assessment.DoesNotExist) as reason:
        logger.info("Not scoring assessment %s: %s", assessment_id, reason)
        return None
    # A new score can raise or clear validation flags (some rules compare scores); only this
    # assessment is refreshed, its peers catch up lazily (see flag_service).
    try:
        assessment_flags_refresh(assessment_id=assessment_id)
    except NotFlaggable as reason:
        logger.info("Not flagging assessment %s: %s", assessment_id, reason)
    return None if record.overall is None else str(record.overall)


@shared_task(name="assessments.sweep_unscored", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_unscored_task() -> int:
    """Queue every submitted assessment without a current score (beat runs this periodically)."""
    queued = 0
    for assessment_id in assessments_needing_scores().values_list("pk", flat=True):
        queued += queue_scoring(assessment_id)
    return queued


def queue_scoring(assessment_id: int) -> bool:
    """Publish a scoring task; False (logged) when the broker cannot take it right now."""
    try:
        score_assessment_task.apply_async((assessment_id,), retry=False)
    except Exception:
        logger.warning("Could not queue scoring of assessment %s; the sweep will retry", assessment_id, exc_info=True)
        return False
    return True
