"""Celery tasks for ICS board packs: thin wrappers that take ids and call reports.packs (imported
inside their bodies: the services import this module to queue renders).

Celery's autodiscovery imports only each app's `tasks` module, so ReportsConfig.ready imports
this one: the web process, the in-process runner and every worker (which set Django up, and so
run ready(), before consuming) register the tasks, and reports/tasks.py stays the board reports'.

Queueing never fails a request: if the broker is down it is logged and the pack stays `queued`,
visible on its page, and the sweep re-drives it.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from assessments.tasks import DURABLE, queue_safely

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.render_system_pack",
    # From settings, so that the sweep and a redelivery know when a claimed render must be dead.
    soft_time_limit=settings.PACKS_RENDER_TIME_LIMIT * 4 // 5,
    time_limit=settings.PACKS_RENDER_TIME_LIMIT,
    **DURABLE,
)
def render_system_pack(pack_id: int) -> str | None:
    from reports.packs import pack_render

    try:
        pack = pack_render(pack_id=pack_id)
    except Exception:
        # pack_render stores rendering failures itself; what reaches here is the database refusing
        # a write (the claim, retried with backoff, or the final save: PackNotSaved). The task then
        # fails, never reports success: the row says failed, or is still pending for the sweep.
        logger.exception("ICS board pack %s could not be rendered", pack_id)
        raise
    return None if pack is None else pack.status


def queue_pack_render(pack_id: int) -> bool:
    """Publish a render task; False (logged) when the broker cannot take it right now."""
    return queue_safely(render_system_pack, pack_id, what=f"ICS board pack {pack_id}")


@shared_task(name="reports.sweep_system_packs", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_system_packs_task() -> int:
    """Queue again the packs a broker or worker lost (beat runs this periodically)."""
    from reports.packs import packs_sweep

    return packs_sweep()
