"""Changes to board reports: request one, retry a failed one, render one (called by the task).

A report is rendered by a worker, never in the request: rendering takes seconds and a board
report is not needed within the page load. The row's status is what the page shows.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from assessments.models import Assessment
from assessments.rules.dates import long_datetime
from assessments.selectors import assessment_current_score
from organisations.access import may
from reports.access import ReportAction
from reports.models import BoardReport
from reports.render import report_pdf
from reports.selectors import (
    assessments_with_stale_reports,
    board_report_data,
    newest_ready_report,
    report_in_production,
    report_is_up_to_date,
    report_requests_since,
    score_fingerprint,
)
from reports.tasks import queue_render, render_board_report

logger = logging.getLogger(__name__)

NOT_SCORED = "This assessment has not been scored yet. Scores appear shortly after submission; try again then."
RENDER_FAILED = (
    "The report could not be produced because of a problem in the portal. Try again; if it fails again, "
    "contact the national service desk and quote report number {pk}."
)
TOO_SLOW = "The report took too long to produce. Try again; if it fails again, contact the national service desk."
SCORES_GONE = (
    "The scores changed while the report was being produced (the assessment is being re-scored). Try again shortly."
)
IN_PRODUCTION = "A new version of this report is already being produced: it appears below when it is ready."
UP_TO_DATE = "The latest version already shows the current scores: download it below."
TOO_MANY = (
    "You have asked for {limit} board reports in the last hour, the most anyone can. "
    "You can ask for another from {when}."
)

# Each version costs seconds of rendering on a worker: a person may ask for this many an hour.
REQUESTS_PER_PERSON = 5
REQUEST_WINDOW = datetime.timedelta(hours=1)
NOT_SAVED = (
    "The report was produced but could not be saved because of a problem in the portal. Try again; if it "
    "fails again, contact the national service desk and quote report number {pk}."
)


class ReportNotSaved(RuntimeError):
    """The PDF was rendered but the database refused the row that makes it ready."""


def stuck_after() -> datetime.timedelta:
    """How long a report may stay queued or rendering before it is taken as lost (a message, a
    worker, a restarted dev server): the sweep then queues it again, and it no longer stops a new
    version being asked for. From settings.REPORTS_STUCK_AFTER_SECONDS (twice the sweep interval
    by default), and never less than the render task's hard time limit, so a render still running
    is not queued a second time beside itself."""
    return datetime.timedelta(seconds=max(settings.REPORTS_STUCK_AFTER_SECONDS, render_board_report.time_limit or 0))


def _queue_render_after_commit(report_id: int) -> None:
    transaction.on_commit(lambda: queue_render(report_id))


@transaction.atomic
def report_request(*, assessment: Assessment, actor: Any) -> BoardReport:
    """Queue a new version of the assessment's board report. Earlier versions are kept.

    A new version is refused when it would add nothing or only load the workers: while one is
    queued or rendering (it is on its way; one pending for over stuck_after() is taken as lost),
    when the newest ready one already shows the current scores and nothing has been recorded on
    the assessment since, and beyond REQUESTS_PER_PERSON requests a person has made in the last
    hour (across assessments).
    """
    if not may(actor, ReportAction.REQUEST_REPORT, assessment):
        raise PermissionDenied("You cannot request a board report for this assessment.")
    # Two presses at once are checked one after the other (PostgreSQL; SQLite writes one at a time).
    Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
    score = assessment_current_score(assessment)
    if score is None:
        raise ValidationError(NOT_SCORED)
    now = timezone.now()
    if report_in_production(assessment, since=now - stuck_after()) is not None:
        raise ValidationError(IN_PRODUCTION)
    fingerprint = score_fingerprint(score)
    newest = newest_ready_report(assessment)
    if newest is not None and report_is_up_to_date(newest, fingerprint):
        raise ValidationError(UP_TO_DATE)
    recent = report_requests_since(actor, now - REQUEST_WINDOW)
    if len(recent) >= REQUESTS_PER_PERSON:
        # The oldest of the last REQUESTS_PER_PERSON leaves the window first.
        again = recent[-REQUESTS_PER_PERSON] + REQUEST_WINDOW
        raise ValidationError(TOO_MANY.format(limit=REQUESTS_PER_PERSON, when=long_datetime(again)))
    report = BoardReport.objects.create(
        assessment=assessment,
        requested_by=actor,
        status=BoardReport.Status.QUEUED,
        scores_fingerprint=fingerprint,
    )
    _queue_render_after_commit(report.pk)
    return report


@transaction.atomic
def report_retry(*, report: BoardReport, actor: Any) -> BoardReport:
    """Queue a failed report again (the same row, so its number stays what the user quoted)."""
    locked = BoardReport.objects.select_for_update().select_related("assessment__organisation").get(pk=report.pk)
    if not may(actor, ReportAction.REQUEST_REPORT, locked.assessment):
        raise PermissionDenied("You cannot request a board report for this assessment.")
    if locked.status != BoardReport.Status.FAILED:
        raise ValidationError("Only a report that failed can be tried again.")
    locked.status = BoardReport.Status.QUEUED
    locked.error = ""
    locked.started_at = None
    locked.finished_at = None
    locked.requested_by = actor
    locked.requested_at = locked.queued_at = timezone.now()  # a new request by `actor`
    locked.save(
        update_fields=["status", "error", "started_at", "finished_at", "requested_by", "requested_at", "queued_at"]
    )
    _queue_render_after_commit(locked.pk)
    return locked


def _fail(report_id: int, message: str) -> None:
    BoardReport.objects.filter(pk=report_id).update(
        status=BoardReport.Status.FAILED, error=message, finished_at=timezone.now()
    )


def report_render(*, report_id: int) -> BoardReport | None:
    """Render a queued report and store the PDF; a failure is stored on the row with a message
    the user can act on, never raised. Idempotent: a report already ready or failed is left as
    it is; one left `rendering` by a worker that died is rendered again on redelivery.

    The PDF is built outside any transaction, so the row lock is held only to claim the job and
    to record the outcome, never for the seconds rendering takes. When the database refuses that
    last write (a blip, a failover), the report is marked failed with a message if it can be, else
    it stays `rendering` for the sweep to queue again; either way ReportNotSaved is raised, so the
    task fails rather than reporting success.
    """
    with transaction.atomic():
        report = BoardReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in BoardReport.PENDING:
            return report
        report.status = BoardReport.Status.RENDERING
        report.started_at = timezone.now()
        report.save(update_fields=["status", "started_at"])
    try:
        data = board_report_data(report.assessment_id)
        if data is None:
            _fail(report_id, SCORES_GONE)
            return BoardReport.objects.get(pk=report_id)
        pdf = report_pdf(data)
    except SoftTimeLimitExceeded:
        logger.warning("Board report %s took too long to render", report_id)
        _fail(report_id, TOO_SLOW)
        return BoardReport.objects.get(pk=report_id)
    except Exception:
        logger.exception("Board report %s failed to render", report_id)
        _fail(report_id, RENDER_FAILED.format(pk=report_id))
        return BoardReport.objects.get(pk=report_id)
    stored = None
    try:
        fingerprint = score_fingerprint(data.score)
        with transaction.atomic():
            report = BoardReport.objects.select_for_update().get(pk=report_id)
            report.file.save("report.pdf", ContentFile(pdf), save=False)
            stored = report.file.name
            report.status = BoardReport.Status.READY
            report.finished_at = timezone.now()
            report.error = ""
            report.scores_fingerprint = fingerprint
            report.save(update_fields=["file", "status", "finished_at", "error", "scores_fingerprint"])
    except DatabaseError as error:
        logger.exception("Board report %s was rendered but could not be saved", report_id)
        if stored:  # the PDF no row points at
            report.file.storage.delete(stored)
        try:
            _fail(report_id, NOT_SAVED.format(pk=report_id))
        except DatabaseError:
            logger.exception("Board report %s left rendering, for the sweep to queue again", report_id)
        raise ReportNotSaved(f"Board report {report_id} could not be saved") from error
    return report


# Keeping reports in step with scores, and re-driving what a broker or worker lost.


@transaction.atomic
def report_refresh_if_stale(*, assessment_id: int) -> BoardReport | None:
    """A new version when the newest ready report shows scores older than the current ones.

    Called after every re-scoring (the hook registered in ReportsConfig.ready) and by the sweep:
    a board must never be handed a report whose figures no longer match the portal. Only
    assessments that already have a report get a new one; earlier versions stay downloadable.
    """
    newest = BoardReport.objects.select_for_update().filter(assessment_id=assessment_id).first()
    if newest is None or newest.status != BoardReport.Status.READY:
        return None
    assessment = Assessment.objects.select_related("cycle").get(pk=assessment_id)
    score = assessment_current_score(assessment)
    if score is None:
        return None
    # The figures, not when they were computed: a duplicate scoring with the same figures makes
    # no new version (an old-style timestamp fingerprint differs once; see score_fingerprint).
    fingerprint = score_fingerprint(score)
    if fingerprint == newest.scores_fingerprint:
        return None
    report = BoardReport.objects.create(
        assessment=assessment,
        requested_by=None,
        status=BoardReport.Status.QUEUED,
        scores_fingerprint=fingerprint,
    )
    _queue_render_after_commit(report.pk)
    return report


def reports_refresh_if_stale(assessment_ids: list[int] | None) -> int:
    """`report_refresh_if_stale` for each of the assessments named (or all) whose report is out
    of date, found in a fixed number of queries, so that a cycle re-scored in bulk or a sweep over
    every report costs a query per new version, not per report; how many versions it queued."""
    return sum(
        report_refresh_if_stale(assessment_id=assessment_id) is not None
        for assessment_id in assessments_with_stale_reports(assessment_ids)
    )


def reports_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue again reports left queued or rendering for too long (lost message, killed worker),
    and regenerate reports whose scores have changed. Run periodically by Celery beat.

    A re-queue moves `queued_at` only: `requested_at` stays when the person asked, which the page
    shows and the rate limit counts."""
    now = now or timezone.now()
    stuck = 0
    for report_id in BoardReport.objects.filter(
        status__in=BoardReport.PENDING, queued_at__lt=now - stuck_after()
    ).values_list("pk", flat=True):
        with transaction.atomic():
            report = BoardReport.objects.select_for_update().get(pk=report_id)
            if report.status in BoardReport.PENDING:
                report.status = BoardReport.Status.QUEUED
                report.started_at = None
                report.queued_at = now
                report.save(update_fields=["status", "started_at", "queued_at"])
                _queue_render_after_commit(report.pk)
                stuck += 1
    refreshed = reports_refresh_if_stale(None)
    return {"requeued": stuck, "regenerated": refreshed}
