"""Changes to board reports: request one, retry a failed one, render one (called by the task).

A report is rendered by a worker, never in the request: rendering takes seconds and a board
report is not needed within the page load. The row's status is what the page shows.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from assessments.models import Assessment
from assessments.rules.dates import long_datetime
from assessments.selectors import assessment_current_score
from organisations.access import may
from reports.access import ReportAction
from reports.jobs import Job
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


JOB = Job(
    model=BoardReport,
    publish=queue_render,
    task=render_board_report,
    time_limit_setting="REPORTS_RENDER_TIME_LIMIT",
    requeued={"progress": 0, "step": ""},
)


@transaction.atomic
def report_request(*, assessment: Assessment, actor: Any) -> BoardReport:
    """Queue a new version of the assessment's board report. Earlier versions are kept.

    A new version is refused when it would add nothing or only load the workers: while one is
    queued or rendering (it is on its way, unless lost: see reports_sweep),
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
    if report_in_production(assessment, lost=JOB.lost_q(now)) is not None:
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
    JOB.queue_after_commit(report.pk)
    return report


@transaction.atomic
def report_retry(*, report: BoardReport, actor: Any) -> BoardReport:
    """Queue a failed report again (the same row, so its number stays what the user quoted)."""
    locked = BoardReport.objects.select_for_update().select_related("assessment__organisation").get(pk=report.pk)
    if not may(actor, ReportAction.REQUEST_REPORT, locked.assessment):
        raise PermissionDenied("You cannot request a board report for this assessment.")
    if locked.status != BoardReport.Status.FAILED:
        raise ValidationError("Only a report that failed can be tried again.")
    JOB.retry(locked, actor=actor)
    return locked


@transaction.atomic
def _figures_to_show(assessment_id: int) -> tuple[Any, str | None]:
    """What the report will show and its fingerprint, read together under the assessment's row
    lock, which a scoring holds while it replaces the scores: read apart (the fingerprint after
    the seconds of rendering), a re-scoring in between gave the report the fingerprint of a
    half-replaced score, and the next re-scoring then made a new version with the same figures."""
    Assessment.objects.select_for_update().filter(pk=assessment_id).first()
    data = board_report_data(assessment_id)
    return data, None if data is None else score_fingerprint(data.score)


def report_render(*, report_id: int) -> BoardReport | None:
    """Render a queued report and store the PDF; a failure is stored on the row with a message
    the user can act on, never raised. Idempotent: a report already ready or failed is left as
    it is, and so is one another worker is rendering; one left `rendering` by a worker that died
    is rendered again (by the redelivered task or the sweep) once its claim is older than the
    render's time limit.

    The PDF is built outside any transaction, so the row lock is held only to claim the job and
    to record the outcome, never for the seconds rendering takes. When the database refuses that
    last write (a blip, a failover), the report is marked failed with a message if it can be, else
    it stays `rendering` for the sweep to queue again; either way ReportNotSaved is raised, so the
    task fails rather than reporting success.
    """
    report, claimed = JOB.claim(report_id, progress=5, step="Reading the scores and comparisons")
    if claimed is None:
        return report
    logger.info("Rendering board report %s", report_id)  # once per claim: what an outage test counts

    def progress(per_cent: int, step: str) -> None:
        # Only while this claim holds: a render taken over as dead must not move the new one's bar.
        JOB.progress(report_id, claimed, progress=per_cent, step=step)

    try:
        data, fingerprint = _figures_to_show(report.assessment_id)
        if data is None:
            return JOB.fail(report_id, SCORES_GONE)
        pdf = report_pdf(data, on_step=progress)
    except SoftTimeLimitExceeded:
        logger.warning("Board report %s took too long to render", report_id)
        return JOB.fail(report_id, TOO_SLOW)
    except Exception:
        logger.exception("Board report %s failed to render", report_id)
        return JOB.fail(report_id, RENDER_FAILED.format(pk=report_id))
    stored = None
    try:
        with transaction.atomic():
            report, ours = JOB.locked_if_still_ours(report_id, claimed)
            if not ours:
                # Not ours any more: taken as dead and claimed again, or finished by that claim.
                logger.warning("Board report %s was claimed again while this render ran; dropped", report_id)
                return report
            report.file.save("report.pdf", ContentFile(pdf), save=False)
            stored = report.file.name
            report.status = BoardReport.Status.READY
            report.finished_at = timezone.now()
            report.error = ""
            report.scores_fingerprint = fingerprint
            report.progress, report.step = 100, ""
            report.save(
                update_fields=["file", "status", "finished_at", "error", "scores_fingerprint", "progress", "step"]
            )
    except DatabaseError as error:
        logger.exception("Board report %s was rendered but could not be saved", report_id)
        if stored:  # the PDF no row points at
            report.file.storage.delete(stored)
        try:
            JOB.fail(report_id, NOT_SAVED.format(pk=report_id))
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
    JOB.queue_after_commit(report.pk)
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
    """Queue again the renders that will not finish otherwise (reports.jobs: one the broker never
    took, at the first sweep after it is back; one whose message was lost; one whose worker died),
    and regenerate reports whose scores have changed. Run periodically by Celery beat (every
    REPORTS_SWEEP_SECONDS)."""
    requeued = JOB.requeue_lost(now)
    refreshed = reports_refresh_if_stale(None)
    return {"requeued": requeued, "regenerated": refreshed}
