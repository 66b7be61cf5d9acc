"""Celery task for the national files: a thin wrapper that takes an id and calls
reports.national_files (imported inside its body: the service imports this module to queue).

Imported by ReportsConfig.ready, like the pack tasks, so every process registers it. Queueing
never fails a request: if the broker is down the release stays `queued`, visible on its page,
and the reports sweep re-drives it.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from assessments.tasks import DURABLE, queue_safely

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.generate_national_files",
    # From settings, so that the sweep and a redelivery know when a claimed generation must be dead.
    soft_time_limit=settings.NATIONAL_FILES_TIME_LIMIT * 4 // 5,
    time_limit=settings.NATIONAL_FILES_TIME_LIMIT,
    **DURABLE,
)
def generate_national_files(release_id: int) -> str | None:
    from reports.national_files import national_release_generate

    try:
        release = national_release_generate(release_id=release_id)
    except Exception:
        # Generation failures are stored on the row; what reaches here is the database refusing
        # the claim or the final save: the task fails, and the row is failed or left for the sweep.
        logger.exception("National files %s could not be generated", release_id)
        raise
    return None if release is None else release.status


def queue_national_files(release_id: int) -> bool:
    """Publish a generation task; False (logged) when the broker cannot take it right now."""
    return queue_safely(generate_national_files, release_id, what=f"national files {release_id}")
