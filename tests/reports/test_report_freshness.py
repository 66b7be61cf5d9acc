"""Reports follow the scores: a re-score produces a new version, and lost renders are re-driven."""

import datetime

import pytest
from django.utils import timezone

from assessments.services.scoring import assessment_score, assessments_rescore_request
from reports.models import BoardReport
from reports.services import report_request, reports_sweep
from tests.reports.conftest import lower_one_domain

pytestmark = pytest.mark.django_db


def test_rescoring_regenerates_a_ready_report_and_keeps_the_old_one(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(assessment=scored, actor=team["lead"])
    first.refresh_from_db()
    assert first.status == BoardReport.Status.READY

    lower_one_domain(scored)
    with django_capture_on_commit_callbacks(execute=True):
        assessments_rescore_request(assessment_ids=[scored.pk])  # the scores change

    versions = list(BoardReport.objects.filter(assessment=scored))
    assert len(versions) == 2
    newest = versions[0]
    assert newest.status == BoardReport.Status.READY and newest.requested_by is None
    assert newest.scores_fingerprint != first.scores_fingerprint
    assert BoardReport.objects.get(pk=first.pk).file  # the earlier version stays downloadable


def test_no_report_is_made_for_an_assessment_nobody_asked_a_report_for(scored, django_capture_on_commit_callbacks):
    lower_one_domain(scored)
    with django_capture_on_commit_callbacks(execute=True):
        assessments_rescore_request(assessment_ids=[scored.pk])
    assert not BoardReport.objects.exists()


def test_the_sweep_requeues_stuck_reports_and_regenerates_stale_ones(scored, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker "loses" this render
        stuck = report_request(assessment=scored, actor=team["lead"])
    BoardReport.objects.filter(pk=stuck.pk).update(queued_at=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        result = reports_sweep()

    assert result == {"requeued": 1, "regenerated": 0}
    assert BoardReport.objects.get(pk=stuck.pk).status == BoardReport.Status.READY

    lower_one_domain(scored)
    assessment_score(assessment_id=scored.pk)  # re-scored without the task (e.g. a lost signal)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_sweep() == {"requeued": 0, "regenerated": 1}
    assert BoardReport.objects.filter(assessment=scored, status=BoardReport.Status.READY).count() == 2


def test_rescoring_through_the_service_regenerates_a_stale_report(scored, team, django_capture_on_commit_callbacks):
    """Not only the Celery task: any call of the scoring service (the sweep, `rescore`, a direct
    call) is followed by the explicit re-scored hook that reports register in ready()."""
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(assessment=scored, actor=team["lead"])

    lower_one_domain(scored)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_score(assessment_id=scored.pk)

    newest = BoardReport.objects.filter(assessment=scored).first()
    assert newest.pk != first.pk
    assert newest.status == BoardReport.Status.READY and newest.requested_by is None
    assert newest.scores_fingerprint != BoardReport.objects.get(pk=first.pk).scores_fingerprint


def test_a_failing_rescored_listener_never_undoes_the_scores(scored, django_capture_on_commit_callbacks, caplog):
    from assessments.services import scoring

    def broken(assessment_id):
        raise RuntimeError("listener down")

    scoring.on_rescored("test: broken", broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = assessment_score(assessment_id=scored.pk)
    finally:
        scoring._rescored_listeners.pop("test: broken")
    assert record.pk and scored.score.pk == record.pk
    assert "The test: broken step after re-scoring" in caplog.text
