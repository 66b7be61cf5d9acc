"""Celery tasks for board reports: thin wrappers that take ids and call services.

Queueing never fails a request: if the broker is down it is logged and the report stays
`queued`, visible on its page, and can be re-driven from the database.
"""

from __future__ import annotations

import logging

from celery import shared_task

from reports.services import report_render

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.render_board_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
)
def render_board_report(report_id: int) -> str | None:
    try:
        report = report_render(report_id=report_id)
    except Exception:
        # report_render stores failures itself; this is the last line (e.g. the database is down).
        logger.exception("Board report %s could not be rendered", report_id)
        return None
    return None if report is None else report.status


def queue_render(report_id: int) -> bool:
    """Publish a render task; False (logged) when the broker cannot take it right now."""
    try:
        render_board_report.apply_async((report_id,), retry=False)
    except Exception:
        logger.warning("Could not queue board report %s; it stays queued", report_id, exc_info=True)
        return False
    return True


@shared_task(name="reports.sweep", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_reports_task() -> dict[str, int]:
    from reports.services import reports_sweep

    return reports_sweep()


def regenerate_after_scoring(sender=None, result=None, args=None, **kwargs) -> None:
    """Celery task_success handler for assessments.score_assessment: regenerate a stale report."""
    from reports.services import report_refresh_if_stale

    if getattr(sender, "name", None) != "assessments.score_assessment" or result is None:
        return  # another task, or nothing was scored
    assessment_id = (getattr(sender.request, "args", None) or [None])[0]
    if assessment_id is None:
        return
    try:
        report_refresh_if_stale(assessment_id=assessment_id)
    except Exception:  # the periodic sweep catches up; scoring itself has already succeeded
        logger.exception("Could not regenerate the board report of assessment %s", assessment_id)
