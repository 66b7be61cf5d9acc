"""The life of a long job's row, the same for a board report, an ICS board pack and a version of
the national files: handed to the broker after the request's commit, claimed by one worker at a
time, its progress, its end, and the sweep that re-drives what a broker or a dead worker lost.

Each service keeps what is its own (who may ask, what a new version must add, what is rendered
and stored); the rules of the row that keep a job from being lost or done twice live here once:

- a row the broker never took keeps an empty `queued_at`, and the next sweep hands it over;
- a worker claims a row under its lock when it is queued, or `rendering` with a claim older than
  the task's hard time limit (that worker died), and records its outcome only while the claim
  is still its own;
- a sweep finds and locks the lost rows in one query (rows others hold are skipped, not waited
  for) and moves them back to queued in one update, so each is queued once a sweep; the request
  time stays what the person asked, which pages show and rate limits count.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class Job:
    """One kind of job: its row model, how its task is published, and its task's time limit."""

    model: type[models.Model]
    publish: Callable[[int], bool]  # False when the broker did not take the message
    task: Any  # the Celery task, whose hard time limit bounds a claim
    time_limit_setting: str  # the setting the task's limit comes from (a task may carry none)
    # Set again on a row the sweep or a retry puts back in the queue (beyond status and times).
    requeued: dict[str, Any] = field(default_factory=lambda: {"progress": 0})
    # Set on a row that failed (beyond status, error and finish time).
    failed: dict[str, Any] = field(default_factory=dict)

    def stuck_after(self) -> datetime.timedelta:
        """How long a row handed to the broker may wait unstarted before its message is taken as
        lost (a broker restarted without its data): settings.REPORTS_STUCK_AFTER_SECONDS, twice
        the sweep interval by default. A duplicate message costs nothing: a row is claimed once."""
        return datetime.timedelta(seconds=settings.REPORTS_STUCK_AFTER_SECONDS)

    def claim_lost_after(self) -> datetime.timedelta:
        """How long ago a row must have been claimed before its worker is taken as dead: the
        task's hard time limit, beyond which it cannot still be running. Until then neither the
        sweep nor a redelivered message starts it again, so a slow job never runs twice at once."""
        return datetime.timedelta(seconds=self.task.time_limit or getattr(settings, self.time_limit_setting))

    def lost_q(self, now: datetime.datetime) -> Q:
        """Pending rows that will not finish unless queued again: handed to the broker longer
        than stuck_after() ago and never started (the message was lost, say with a broker
        restarted without its data), or claimed longer than claim_lost_after() ago (so long that
        the job cannot still be running: its worker died)."""
        handed_before, claimed_before = now - self.stuck_after(), now - self.claim_lost_after()
        return Q(status="queued", queued_at__lt=handed_before) | Q(
            Q(started_at__lt=claimed_before) | Q(started_at__isnull=True), status="rendering"
        )

    def hand_over(self, pk: int) -> bool:
        """Publish the task; once the broker has taken it, record when (`queued_at`)."""
        if not self.publish(pk):
            return False
        self.model.objects.filter(pk=pk, queued_at__isnull=True).update(queued_at=timezone.now())
        return True

    def queue_after_commit(self, pk: int) -> None:
        transaction.on_commit(lambda: self.hand_over(pk))

    def claimable(self, row: Any) -> bool:
        """Queued, or `rendering` with a claim older than the time limit (its worker died). Any
        other delivery of the same job (the sweep's beside a redelivery, a redelivery of a job
        still running) leaves it alone: one run per claim."""
        if row.status == self.model.Status.QUEUED:
            return True
        if row.status == self.model.Status.RENDERING:
            return row.started_at is None or row.started_at < timezone.now() - self.claim_lost_after()
        return False

    def claim(self, pk: int, *, related: tuple[str, ...] = (), **starting: Any) -> tuple[Any, datetime.datetime | None]:
        """Claim the row for this worker under its lock, writing `starting` (progress, step) with
        it: the row (None if gone) and the claim's time, None when it is not this worker's to run."""
        with transaction.atomic():
            row = self.model.objects.select_for_update().select_related(*related).filter(pk=pk).first()
            if row is None or not self.claimable(row):
                return row, None
            row.status = self.model.Status.RENDERING
            row.started_at = claimed = timezone.now()
            for name, value in starting.items():
                setattr(row, name, value)
            row.save(update_fields=["status", "started_at", *starting])
        return row, claimed

    def locked_if_still_ours(self, pk: int, claimed: datetime.datetime) -> tuple[Any, bool]:
        """The row, locked (inside the caller's transaction), and whether this claim still holds:
        a job taken over as dead and claimed again, or finished by that claim, is not ours."""
        row = self.model.objects.select_for_update().get(pk=pk)
        return row, row.status == self.model.Status.RENDERING and row.started_at == claimed

    def progress(self, pk: int, claimed: datetime.datetime, **changes: Any) -> None:
        """Move the bar, only while this claim holds: a job taken over as dead must not move the
        bar of the run that took it over."""
        self.model.objects.filter(pk=pk, status=self.model.Status.RENDERING, started_at=claimed).update(**changes)

    def fail(self, pk: int, message: str) -> Any:
        """Record the failure with its message for the user; the row as it now is."""
        self.model.objects.filter(pk=pk).update(
            status=self.model.Status.FAILED, error=message, finished_at=timezone.now(), **self.failed
        )
        return self.model.objects.get(pk=pk)

    def retry(self, row: Any, *, actor: Any = None) -> None:
        """Put a failed row (locked by the caller) back in the queue, the same row so its number
        stays what the user quoted; with `actor`, a new request by them."""
        changes = {"status": self.model.Status.QUEUED, "error": "", "started_at": None, "finished_at": None,
                   "queued_at": None, **self.requeued}  # fmt: skip
        if actor is not None:
            changes |= {"requested_by": actor, "requested_at": timezone.now()}
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=list(changes))
        self.queue_after_commit(row.pk)

    def requeue_lost(self, now: datetime.datetime | None = None) -> int:
        """The sweep: queue again every row that will not finish otherwise (one the broker never
        took, at the first sweep after it is back; one handed over but not started for
        stuck_after(); one claimed longer ago than claim_lost_after()); how many."""
        now = now or timezone.now()
        with transaction.atomic():
            lost = list(
                self.model.objects.select_for_update(skip_locked=True)
                # ...and every row the broker never took (it was down), whatever its age.
                .filter(self.lost_q(now) | Q(status="queued", queued_at__isnull=True))
                .values_list("pk", flat=True)
            )
            if lost:
                self.model.objects.filter(pk__in=lost).update(
                    status=self.model.Status.QUEUED, started_at=None, queued_at=None, **self.requeued
                )
                for pk in lost:
                    self.queue_after_commit(pk)
        return len(lost)
