"""Celery tasks: thin wrappers that take ids and call services.

Services import this module to queue work after commit; tasks import services only inside
their bodies, so the two never import each other at load time. Queueing never blocks or fails
the caller: if the broker is down the work stays visible in the database and a periodic sweep
re-drives it (`queue_safely`).

With no broker (the embedded default) tasks run in this process. WGLL_INPROCESS_TASKS says how:
"thread" (the development default) hands each one to a single background thread, so a page that
queues a report render or a scoring answers at once instead of after the seconds the task takes;
"eager" (the tests) runs it inside the call that queued it, so a test sees its outcome at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction

from assessments.models import Assessment
from assessments.selectors import assessments_needing_scores

logger = logging.getLogger(__name__)


def queue_safely(task: Task, *args: object, what: str, countdown: float | None = None) -> bool:
    """Publish `task(*args)`; on any broker failure log it and return False, never raise.

    `what` names the job for the log, e.g. "scoring of assessment 12". The caller's work has
    already committed; a lost message is found again by the sweep that owns that kind of job.
    In-process in "thread" mode the task goes to the background thread instead of the broker;
    `countdown` (seconds to wait before running) applies on a broker only.

    Once a publish has failed, this process does not try the broker again for
    settings.PUBLISH_BACKOFF_SECONDS: a dead broker costs one request its connection timeout,
    not every request, and the jobs wait in the database for their sweeps meanwhile.
    """
    if _in_background(task):
        _background.submit(task, args, what)
        return True
    # Only a broker is backed off: in-process ("eager") a failure is the task's own, not a dead broker's.
    on_broker = not task.app.conf.task_always_eager
    if on_broker and _backoff.active():
        logger.info("Not queueing %s: the broker failed moments ago; the periodic sweep will pick it up", what)
        return False
    try:
        task.apply_async(args, retry=False, countdown=countdown)
    except Exception:
        if on_broker:
            _backoff.start()
        logger.warning("Could not queue %s; the periodic sweep will pick it up", what, exc_info=True)
        return False
    return True


class _PublishBackoff:
    """When this process last found the broker dead, so that it stops trying for a while."""

    def __init__(self) -> None:
        self._until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self._until

    def start(self) -> None:
        self._until = time.monotonic() + settings.PUBLISH_BACKOFF_SECONDS

    def reset(self) -> None:
        self._until = 0.0


_backoff = _PublishBackoff()


def publish_backoff_reset() -> None:
    """Try the broker at the next publish again (tests that bring a broker back at once)."""
    _backoff.reset()


def _in_background(task: Task) -> bool:
    return bool(task.app.conf.task_always_eager) and settings.WGLL_INPROCESS_TASKS == "thread"


class _BackgroundTasks:
    """One worker thread running in-process tasks in the order they were queued: one at a time,
    as one Celery worker would, so they never compete for SQLite's single writer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._queued = 0
        self._waiting: set[tuple[str, tuple[object, ...]]] = set()

    def submit(self, task: Task, args: tuple[object, ...], what: str) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wgll-tasks")
            if (task.name, args) in self._waiting:
                return  # the same job is already waiting to run: running it once covers both
            self._waiting.add((task.name, args))
            self._queued += 1
            self._executor.submit(self._run, task, args, what)

    def _run(self, task: Task, args: tuple[object, ...], what: str) -> None:
        with self._lock:
            self._waiting.discard((task.name, args))
        try:
            task.apply(args)  # the task's own code, retries included, as eager mode runs it
        except Exception:
            logger.exception("In-process task failed: %s", what)
        finally:
            # The thread outlives each job: never leave its database connections open between jobs.
            connections.close_all()

    def wait(self, timeout: float = 60) -> None:
        """Return once every task queued so far, and every task those queued, has run."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                executor, queued = self._executor, self._queued
            if executor is None:
                return
            executor.submit(lambda: None).result(timeout=max(0.0, deadline - time.monotonic()))
            with self._lock:
                if self._queued == queued:
                    return

    def forget(self) -> None:
        """After a fork: the parent's thread does not exist in the child."""
        self._lock = threading.Lock()
        self._executor = None
        self._waiting = set()


_background = _BackgroundTasks()
os.register_at_fork(after_in_child=_background.forget)


def wait_for_inprocess_tasks(timeout: float = 60) -> None:
    """Wait for the background thread of in-process "thread" mode to finish what it was given,
    for a caller that needs the outcome (a test); returns at once in any other mode."""
    _background.wait(timeout)


# Work that must survive a dead worker or a database blip: acknowledged late, redelivered if the
# worker dies, retried with backoff on a lost database connection.
DURABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="assessments.score_assessment", soft_time_limit=100, time_limit=120, **DURABLE)
def score_assessment_task(assessment_id: int) -> str | None:
    from assessments.services.scoring import NotScorable, assessment_score

    try:
        record = assessment_score(assessment_id=assessment_id, only_if_due=True)
    except (NotScorable, Assessment.DoesNotExist) as reason:
        logger.info("Not scoring assessment %s: %s", assessment_id, reason)
        return None
    return None if record.overall is None else str(record.overall)


@shared_task(name="assessments.sweep_unscored", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_unscored_task() -> int:
    """Queue the scoring of every submitted assessment whose scoring is due (no current score, or
    a re-scoring asked for and not done; beat runs this periodically): one bulk task per cycle,
    so a change of scoring method costs a task a cycle."""
    by_cycle: dict[int, list[int]] = {}
    for pk, cycle_id in assessments_needing_scores().values_list("pk", "cycle_id"):
        by_cycle.setdefault(cycle_id, []).append(pk)
    return sum(len(ids) for cycle_id, ids in by_cycle.items() if queue_cycle_rescore(cycle_id, ids))


def queue_scoring(assessment_id: int) -> bool:
    """Publish a scoring task; False (logged) when the broker cannot take it right now."""
    return queue_safely(score_assessment_task, assessment_id, what=f"scoring of assessment {assessment_id}")


@shared_task(name="assessments.rescore_cycle", soft_time_limit=280, time_limit=300, **DURABLE)
def rescore_cycle_task(cycle_id: int, assessment_ids: list[int] | None = None) -> str:
    """Re-score a cycle's submitted assessments (or those named) in bulk: one task, not one per
    assessment (`rescore --cycle`)."""
    from assessments.services.scoring import cycle_rescore

    result = cycle_rescore(cycle_id=cycle_id, assessment_ids=assessment_ids)
    return f"{result.scored} scored, {result.changed} changed"


def queue_cycle_rescore(cycle_id: int, assessment_ids: list[int] | None = None) -> bool:
    """Publish a cycle's bulk re-scoring; False (logged) when the broker cannot take it right now."""
    what = f"re-scoring of cycle {cycle_id}" + (f" ({len(assessment_ids)} assessments)" if assessment_ids else "")
    return queue_safely(rescore_cycle_task, cycle_id, assessment_ids, what=what)


@shared_task(name="assessments.refresh_cycle_flags", soft_time_limit=280, time_limit=300, **DURABLE)
def refresh_cycle_flags_task(cycle_id: int) -> str | None:
    """Re-judge every submitted assessment of a cycle together, if a score is newer than the
    cycle's flags (a burst of scorings queues many of these; the first does the work)."""
    from assessments.services.flags import cycle_flags_refresh

    changes = cycle_flags_refresh(cycle_id=cycle_id, only_if_due=True)
    return None if changes is None else f"{changes.added} added, {changes.updated} updated, {changes.removed} removed"


@shared_task(name="assessments.sweep_cycle_flags", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_cycle_flags_task() -> int:
    """Queue the flag refresh of every cycle whose flags are older than its newest score (beat
    runs this periodically, so a refresh lost to a broker outage or a dead worker still happens)."""
    from assessments.services.flags import cycles_with_flags_due

    return sum(queue_cycle_flags(pk) for pk in cycles_with_flags_due())


@shared_task(name="assessments.publish_due_cycles", acks_late=True, soft_time_limit=250, time_limit=300)
def publish_due_cycles_task() -> list[str]:
    """Publish every cycle whose announced publication time has come (beat runs this every
    PUBLICATION_SWEEP_SECONDS, so results appear within that long of the time announced)."""
    from assessments.services.publication import cycles_publish_due

    return cycles_publish_due()


@shared_task(name="assessments.send_reminders", acks_late=True, soft_time_limit=250, time_limit=300)
def send_reminders_task() -> dict[str, int]:
    """Send the reminders due today (beat runs this every REMINDERS_SWEEP_SECONDS; each person
    gets at most one of each kind a day, so running it often only catches up sooner)."""
    from assessments.services.reminders import reminders_send

    return dict(reminders_send())


# While seeding or re-scoring many assessments in one process, each cycle's flags are refreshed
# once at the end instead of after every scoring (see `cycle_flags_deferred`).
_deferred_cycles: ContextVar[set[int] | None] = ContextVar("deferred_cycle_flags", default=None)


def queue_cycle_flags(cycle_id: int) -> bool:
    """Queue the refresh of a cycle's flags after a scoring, a little later on a broker so that
    a burst of submissions is judged in one go (settings.FLAGS_REFRESH_DELAY_SECONDS)."""
    deferred = _deferred_cycles.get()
    if deferred is not None:
        deferred.add(cycle_id)
        return True
    return queue_safely(
        refresh_cycle_flags_task,
        cycle_id,
        what=f"flag refresh of cycle {cycle_id}",
        countdown=settings.FLAGS_REFRESH_DELAY_SECONDS or None,
    )


def queue_cycle_flags_after(cycle_id: int) -> None:
    """Queue the cycle's flag refresh once the caller's transaction commits; in-process "eager"
    mode (tests, the demo seed, scripts) runs it at once, inside the call, as eager mode runs
    every task, so the flags are there as soon as the scoring returns, committed or not."""
    if _runs_here_and_now(refresh_cycle_flags_task):
        queue_cycle_flags(cycle_id)
    else:
        transaction.on_commit(lambda: queue_cycle_flags(cycle_id))


def _runs_here_and_now(task: Task) -> bool:
    return bool(task.app.conf.task_always_eager) and settings.WGLL_INPROCESS_TASKS == "eager"


@contextmanager
def cycle_flags_deferred() -> Iterator[set[int]]:
    """Within the block, scorings only note their cycle; on leaving it, each noted cycle's flags
    are refreshed once, here and now (for the demo seed and other bulk work in one process)."""
    from assessments.services.flags import cycle_flags_refresh

    touched: set[int] = set()
    token = _deferred_cycles.set(touched)
    try:
        yield touched
    finally:
        _deferred_cycles.reset(token)
    for cycle_id in sorted(touched):
        cycle_flags_refresh(cycle_id=cycle_id)
