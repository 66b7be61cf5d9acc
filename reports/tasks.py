"""Celery tasks for board reports: thin wrappers that take ids and call services (imported inside
their bodies: services import this module to queue renders).

Queueing never fails a request: if the broker is down it is logged and the report stays
`queued`, visible on its page, and the sweep re-drives it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from django.conf import settings

from assessments.tasks import DURABLE, queue_safely

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.render_board_report",
    acks_late=True,
    reject_on_worker_lost=True,
    # From settings, so that the sweep and a redelivery know when a claimed render must be dead.
    soft_time_limit=settings.REPORTS_RENDER_TIME_LIMIT * 4 // 5,
    time_limit=settings.REPORTS_RENDER_TIME_LIMIT,
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
    """Re-drive lost board reports and regenerate stale ones, and re-drive lost national files."""
    from reports.national_files import national_releases_sweep
    from reports.services import reports_sweep

    return reports_sweep() | {"national_files_requeued": national_releases_sweep()}


# Comparison figures (reports.refresh): one refresh of a cycle after a burst of scorings.

_deferred_figures: ContextVar[set[int] | None] = ContextVar("deferred_cycle_figures", default=None)


@shared_task(name="reports.refresh_cycle_figures", soft_time_limit=280, time_limit=300, **DURABLE)
def refresh_cycle_figures_task(cycle_id: int) -> str | None:
    """Recompute a cycle's comparison figures if anything changed since they were computed (a
    burst of scorings queues many of these; the first does the work, the rest find nothing due)."""
    from reports.refresh import cycle_figures_refresh

    figure_set = cycle_figures_refresh(cycle_id=cycle_id, only_if_due=True)
    return None if figure_set is None else f"{figure_set.organisations} organisations"


@shared_task(name="reports.sweep_cycle_figures", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_cycle_figures_task() -> int:
    """Queue the refresh of every cycle with a change its figures do not include (beat runs this
    periodically: a return for changes, or a refresh lost to a broker outage or a dead worker)."""
    from reports.refresh import cycles_with_figures_due

    return sum(queue_cycle_figures(pk) for pk in cycles_with_figures_due())


def queue_cycle_figures(cycle_id: int) -> bool:
    """Queue a cycle's figure refresh, a little later on a broker so that a burst of scorings
    is counted in one go (settings.FIGURES_REFRESH_DELAY_SECONDS)."""
    deferred = _deferred_figures.get()
    if deferred is not None:
        deferred.add(cycle_id)
        return True
    return queue_safely(
        refresh_cycle_figures_task,
        cycle_id,
        what=f"figure refresh of cycle {cycle_id}",
        countdown=settings.FIGURES_REFRESH_DELAY_SECONDS or None,
    )


@contextmanager
def cycle_figures_deferred() -> Iterator[set[int]]:
    """Within the block, scorings only note their cycle; on leaving it, each noted cycle's
    figures are computed once, here and now (the demo seed and other bulk work in one process)."""
    from reports.refresh import cycle_figures_refresh

    touched: set[int] = set()
    token = _deferred_figures.set(touched)
    try:
        yield touched
    finally:
        _deferred_figures.reset(token)
    for cycle_id in sorted(touched):
        cycle_figures_refresh(cycle_id=cycle_id)
