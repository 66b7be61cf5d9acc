"""Reports after an outage: a duplicate scoring makes no new version; a render the broker never
took is handed over by the next sweep, one whose message was lost after REPORTS_STUCK_AFTER_SECONDS
and one whose worker died once its claim is older than the render's time limit, never twice and
never moving the request time; a database error in the final write leaves the report failed (or
pending for the sweep), never "rendering" behind a successful task."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from assessments.services.scoring import assessment_score
from reports import figures, services
from reports.jobs import Job
from reports.models import BoardReport
from reports.selectors import score_fingerprint
from reports.services import JOB, ReportNotSaved, report_request, reports_sweep
from reports.tasks import render_board_report
from tests.reports.conftest import lower_one_domain

pytestmark = pytest.mark.django_db

MEASURES = {"cloud": ("Smart foundations", Decimal("3.0")), "people": ("Well led", Decimal("2.5"))}


def fingerprint(**changes):
    figures_shown = {"method_version": "2", "overall": Decimal("2.8"), "measures": MEASURES, "domain_levels": {"a": 3}}
    return figures.scores_fingerprint(**(figures_shown | changes))


def test_the_fingerprint_is_a_sha256_of_the_figures_in_any_order():
    assert len(fingerprint()) == 64 and int(fingerprint(), 16) >= 0
    assert fingerprint() == fingerprint(measures=dict(reversed(MEASURES.items())))
    assert fingerprint() != fingerprint(overall=Decimal("2.9"))
    assert fingerprint() != fingerprint(overall=None)
    assert fingerprint() != fingerprint(method_version="3")
    assert fingerprint() != fingerprint(domain_levels={"a": 2})
    assert fingerprint() != fingerprint(measures=MEASURES | {"people": ("Well led", Decimal("2.0"))})


def test_rescoring_with_the_same_figures_makes_no_new_version(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(assessment=scored, actor=team["lead"])
    first.refresh_from_db()
    assert first.status == BoardReport.Status.READY

    for _ in range(2):  # the duplicate scorings a broker outage leaves behind
        with django_capture_on_commit_callbacks(execute=True):
            assessment_score(assessment_id=scored.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep() == {"requeued": 0, "regenerated": 0}

    assert list(BoardReport.objects.filter(assessment=scored)) == [first]
    scored.refresh_from_db()
    assert first.scores_fingerprint == score_fingerprint(scored.score)

    lower_one_domain(scored)  # and figures that do change still make one
    with django_capture_on_commit_callbacks(execute=True):
        assessment_score(assessment_id=scored.pk)
    assert BoardReport.objects.filter(assessment=scored, status=BoardReport.Status.READY).count() == 2


def test_a_report_with_an_old_timestamp_fingerprint_is_regenerated_once(
    scored, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(assessment=scored, actor=team["lead"])
    BoardReport.objects.filter(pk=first.pk).update(scores_fingerprint=scored.score.scored_at.isoformat())

    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep() == {"requeued": 0, "regenerated": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep() == {"requeued": 0, "regenerated": 0}
    newest = BoardReport.objects.filter(assessment=scored).first()
    assert newest.pk != first.pk and newest.status == BoardReport.Status.READY


def lost_report(scored, team, capture, *, queued_ago: datetime.timedelta) -> BoardReport:
    with capture(execute=False):  # the broker "loses" this render
        report = report_request(assessment=scored, actor=team["lead"])
    when = timezone.now() - queued_ago
    BoardReport.objects.filter(pk=report.pk).update(requested_at=when, queued_at=when)
    return BoardReport.objects.get(pk=report.pk)


@override_settings(REPORTS_STUCK_AFTER_SECONDS=600)
def test_a_report_is_stuck_after_the_configured_threshold_not_before(scored, team, django_capture_on_commit_callbacks):
    report = lost_report(scored, team, django_capture_on_commit_callbacks, queued_ago=datetime.timedelta(seconds=590))
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep()["requeued"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep(now=timezone.now() + datetime.timedelta(seconds=20))["requeued"] == 1
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY


def test_the_thresholds_come_from_settings(settings):
    settings.REPORTS_STUCK_AFTER_SECONDS = 900
    assert JOB.stuck_after() == datetime.timedelta(minutes=15)
    # A claim is taken as dead once older than the render's hard time limit (from settings).
    assert render_board_report.time_limit == settings.REPORTS_RENDER_TIME_LIMIT
    assert JOB.claim_lost_after() == datetime.timedelta(seconds=settings.REPORTS_RENDER_TIME_LIMIT)


def test_the_default_threshold_is_twice_the_sweep_interval(settings):
    assert settings.REPORTS_STUCK_AFTER_SECONDS == 2 * settings.REPORTS_SWEEP_SECONDS


def test_the_sweep_requeues_without_moving_the_request_time(scored, team, django_capture_on_commit_callbacks):
    report = lost_report(scored, team, django_capture_on_commit_callbacks, queued_ago=datetime.timedelta(hours=1))
    requested = report.requested_at
    with django_capture_on_commit_callbacks(execute=False):
        assert reports_sweep()["requeued"] == 1
    report.refresh_from_db()
    assert report.status == BoardReport.Status.QUEUED
    assert report.requested_at == requested
    assert report.queued_at is None  # waiting for the broker to take it again


def test_a_report_the_broker_never_took_is_handed_over_at_the_next_sweep(
    scored, team, monkeypatch, django_capture_on_commit_callbacks
):
    # The broker is down.
    monkeypatch.setattr(services, "JOB", replace(services.JOB, publish=lambda report_id: False))
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.QUEUED and report.queued_at is None
    # It is on its way: a second request is refused rather than making a second version.
    with pytest.raises(ValidationError, match="already being produced"):
        report_request(assessment=scored, actor=team["viewer"])

    monkeypatch.undo()  # the broker is back: the very next sweep hands it over, however recent
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep()["requeued"] == 1
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY and report.queued_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep() == {"requeued": 0, "regenerated": 0}


def test_a_report_the_broker_took_is_left_alone_until_its_message_is_taken_as_lost(
    scored, team, monkeypatch, django_capture_on_commit_callbacks
):
    # Taken, not yet delivered.
    monkeypatch.setattr(services, "JOB", replace(services.JOB, publish=lambda report_id: True))
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=scored, actor=team["lead"])
    report.refresh_from_db()
    assert report.queued_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep()["requeued"] == 0
    later = report.queued_at + JOB.stuck_after() + datetime.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep(now=later)["requeued"] == 1


def claimed(report: BoardReport, ago: datetime.timedelta) -> None:
    BoardReport.objects.filter(pk=report.pk).update(
        status=BoardReport.Status.RENDERING, started_at=timezone.now() - ago
    )


def test_a_render_still_running_is_never_rendered_a_second_time(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(assessment=scored, actor=team["lead"])
    claimed(report, ago=JOB.claim_lost_after() - datetime.timedelta(seconds=5))  # a worker is on it

    # A second delivery of the same job (a redelivery, a sweep's message) does nothing...
    assert render_board_report.apply(args=[report.pk]).get() == BoardReport.Status.RENDERING
    # ... and the sweep leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep()["requeued"] == 0
    report.refresh_from_db()
    assert report.status == BoardReport.Status.RENDERING and not report.file


def test_a_render_claimed_longer_ago_than_its_time_limit_is_rendered_again_once(
    scored, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(assessment=scored, actor=team["lead"])
    claimed(report, ago=JOB.claim_lost_after() + datetime.timedelta(seconds=1))  # its worker died

    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep()["requeued"] == 1
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY
    # The dead worker's redelivered message, arriving afterwards, changes nothing.
    assert render_board_report.apply(args=[report.pk]).get() == BoardReport.Status.READY
    assert BoardReport.objects.filter(assessment=scored).count() == 1


def test_a_render_whose_claim_was_taken_over_drops_its_result(
    scored, team, monkeypatch, django_capture_on_commit_callbacks
):
    """A render that ran past its claim (no hard time limit, say) finds the row claimed again."""
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(assessment=scored, actor=team["lead"])
    original = services.report_pdf

    def slow_pdf(data, on_step=None):
        pdf = original(data, on_step=on_step)
        claimed(report, ago=datetime.timedelta(0))  # meanwhile another delivery claimed it
        return pdf

    monkeypatch.setattr(services, "report_pdf", slow_pdf)
    assert render_board_report.apply(args=[report.pk]).get() == BoardReport.Status.RENDERING
    report.refresh_from_db()
    assert report.status == BoardReport.Status.RENDERING and not report.file


def refuse_the_final_save(monkeypatch):
    """The database goes away just as the rendered report is being recorded as ready."""
    original = BoardReport.save

    def save(self, *args, **kwargs):
        if "file" in (kwargs.get("update_fields") or ()):
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BoardReport, "save", save)


def test_a_database_error_in_the_final_write_marks_the_report_failed(
    scored, team, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(assessment=scored, actor=team["lead"])
    refuse_the_final_save(monkeypatch)
    storage = BoardReport._meta.get_field("file").storage
    folder = f"reports/{scored.pk}"

    def files():
        return set(storage.listdir(folder)[1]) if storage.exists(folder) else set()

    before = files()
    with pytest.raises(ReportNotSaved):  # the task fails: it does not report success
        render_board_report.apply(args=[report.pk])

    report.refresh_from_db()
    assert report.status == BoardReport.Status.FAILED
    assert f"quote report number {report.pk}" in report.error and "could not be saved" in report.error
    assert not report.file and report.finished_at is not None
    assert files() == before  # the rendered PDF no row points at is not left behind


def test_when_even_the_failure_cannot_be_written_the_sweep_renders_it_again(
    scored, team, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(assessment=scored, actor=team["lead"])
    refuse_the_final_save(monkeypatch)

    def database_down(job, pk, message, **changes):
        raise OperationalError("the database is still away")

    monkeypatch.setattr(Job, "fail", database_down)

    with pytest.raises(ReportNotSaved):
        render_board_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == BoardReport.Status.RENDERING and not report.file

    monkeypatch.undo()  # the database is back
    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + JOB.claim_lost_after() + datetime.timedelta(seconds=1)
        assert reports_sweep(now=later)["requeued"] == 1
    report.refresh_from_db()
    assert report.status == BoardReport.Status.READY and report.file


def test_a_requeued_render_starts_its_bar_again(scored, team, django_capture_on_commit_callbacks):
    report = lost_report(scored, team, django_capture_on_commit_callbacks, queued_ago=datetime.timedelta(hours=1))
    long_ago = timezone.now() - JOB.claim_lost_after() - datetime.timedelta(seconds=1)
    BoardReport.objects.filter(pk=report.pk).update(
        status="rendering", started_at=long_ago, progress=60, step="Drawing the charts"
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert reports_sweep()["requeued"] == 1
    report.refresh_from_db()
    assert (report.status, report.progress, report.step, report.started_at) == ("queued", 0, "", None)


def test_a_claim_taken_over_as_dead_no_longer_moves_the_bar(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(assessment=scored, actor=team["lead"])
    report, first = JOB.claim(report.pk, progress=5)
    later = first + JOB.claim_lost_after() + datetime.timedelta(seconds=1)
    BoardReport.objects.filter(pk=report.pk).update(started_at=later)  # claimed again by another worker
    JOB.progress(report.pk, first, progress=90, step="Laying out the pages")
    assert BoardReport.objects.values_list("progress", "step").get(pk=report.pk) == (5, "")
    JOB.progress(report.pk, later, progress=40, step="Drawing the charts")
    assert BoardReport.objects.values_list("progress", "step").get(pk=report.pk) == (40, "Drawing the charts")
