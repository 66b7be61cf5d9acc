"""Celery tasks for board reports: thin wrappers that take ids and call services (imported inside
their bodies: services import this module to queue renders).

Queueing never fails a request: if the broker is down it is logged and the report stays
`queued`, visible on its page, and the sweep re-drives it.
"""

from __future__ import annotations

import logging

from celery import shared_task

from assessments.tasks import queue_safely

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.render_board_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
)
def render_board_report(report_id: int) -> str | None:
    from reports.services import report_render

    try:
        report = report_render(report_id=report_id)
    except Exception:
        # report_render stores rendering failures itself; what reaches here is the database
        # refusing a write (the claim, or the final save: ReportNotSaved). The task then fails,
        # never reports success: the row says failed, or is still pending for the sweep.
        logger.exception("Board report %s could not be rendered", report_id)
        raise
    return None if report is None else report.status


def queue_render(report_id: int) -> bool:
    """Publish a render task; False (logged) when the broker cannot take it right now."""
    return queue_safely(render_board_report, report_id, what=f"board report {report_id}")


@shared_task(name="reports.sweep", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_reports_task() -> dict[str, int]:
    from reports.services import reports_sweep

    return reports_sweep()
