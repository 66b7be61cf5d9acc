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

    def broken(cycle_id, assessment_ids):
        raise RuntimeError("listener down")

    scoring.on_rescored("test: broken", broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = assessment_score(assessment_id=scored.pk)
    finally:
        scoring.rescored.listeners.pop("test: broken")
    assert record.pk and scored.score.pk == record.pk
    assert "The test: broken step after re-scoring" in caplog.text


def test_the_sweep_finds_stale_reports_in_the_same_queries_however_many_there_are(frameworks, world, monkeypatch):
    """Ready reports of 4, then of every scored assessment of two cycles: the same number of
    queries to find that none is stale, and then exactly the one whose figures changed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.models import AssessmentScore, DomainScore
    from reports.selectors import score_fingerprint
    from tests.reports.system_data import build_country

    build_country(world)
    queued = []
    monkeypatch.setattr("reports.services.queue_render", lambda report_id: queued.append(report_id) or True)
    scores = list(AssessmentScore.objects.order_by("pk"))

    def ready_reports(of):
        for score in of:
            BoardReport.objects.create(
                assessment_id=score.assessment_id,
                status=BoardReport.Status.READY,
                scores_fingerprint=score_fingerprint(score),
            )

    counts = []
    for batch in (scores[:4], scores[4:]):
        ready_reports(batch)
        with CaptureQueriesContext(connection) as queries:
            assert reports_sweep() == {"requeued": 0, "regenerated": 0}
        counts.append(len(queries))
    assert len(scores) > 20 and counts[0] == counts[1]

    changed = scores[7]
    DomainScore.objects.filter(pk=DomainScore.objects.filter(score=changed).first().pk).update(level=0)
    assert reports_sweep()["regenerated"] == 1
    newest = BoardReport.objects.filter(assessment_id=changed.assessment_id).first()
    assert newest.status == BoardReport.Status.QUEUED and newest.requested_by is None
