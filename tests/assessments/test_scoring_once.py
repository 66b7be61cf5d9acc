"""Scoring after an outage happens once, and a re-scoring that could not be queued still happens:
the scoring task re-checks under the row lock that scoring is due; `rescore` marks each assessment
so the sweep re-drives it; a publish that fails backs off instead of making every request wait."""

import datetime

import pytest
from django.core.management import call_command
from kombu.exceptions import OperationalError

from assessments import tasks
from assessments.models import Assessment, AssessmentScore
from assessments.selectors import assessments_needing_scores
from assessments.services import scoring
from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from assessments.tasks import queue_scoring, score_assessment_task, sweep_unscored_task
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(assessment, team, django_capture_on_commit_callbacks):
    """Trust A's assessment submitted and scored (in-process, as the tests run tasks)."""
    complete_everything(assessment, team["lead"], level=2)
    assessment_mark_ready(assessment=assessment, actor=team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off_and_submit(
            assessment=assessment, actor=team["approver"], name="Grace Okafor", role="Chair",
            meeting_date=datetime.date.today(), minute_reference="TB/1",
        )  # fmt: skip
    assessment.refresh_from_db()
    assert AssessmentScore.objects.filter(assessment=assessment).exists()
    return assessment


def score_id(assessment) -> int:
    return AssessmentScore.objects.get(assessment=assessment).pk  # a new row for every scoring


def scored_at(assessment):
    """A re-score in bulk keeps the row of an unchanged score and moves only its scoring time."""
    return AssessmentScore.objects.get(assessment=assessment).scored_at


def test_a_second_delivery_of_a_scoring_does_nothing(submitted):
    before = score_id(submitted)
    assert score_assessment_task.apply(args=[submitted.pk]).get() is None  # the duplicate an outage leaves
    assert score_id(submitted) == before


def test_a_rescore_request_is_done_once_and_cleared(submitted, django_capture_on_commit_callbacks):
    before = scored_at(submitted)
    with django_capture_on_commit_callbacks(execute=True):
        request = scoring.assessments_rescore_request(assessment_ids=[submitted.pk])
    assert (request.marked, request.queued) == (1, 1)
    after = scored_at(submitted)
    assert after != before
    assert Assessment.objects.get(pk=submitted.pk).rescore_requested_at is None
    assert score_assessment_task.apply(args=[submitted.pk]).get() is None  # and not again by the one-off task
    assert scored_at(submitted) == after


def test_a_rescore_the_broker_could_not_take_is_queued_by_the_sweep(
    submitted, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(scoring, "queue_cycle_rescore", lambda *args: False)  # the broker is down
    before = scored_at(submitted)
    with django_capture_on_commit_callbacks(execute=True):
        request = scoring.assessments_rescore_request(assessment_ids=[submitted.pk])
    assert (request.marked, request.queued) == (1, 0)
    assert scored_at(submitted) == before
    assert list(assessments_needing_scores()) == [submitted]  # it is a row the sweep sees

    monkeypatch.undo()
    assert sweep_unscored_task.apply().get() == 1
    assert scored_at(submitted) != before
    assert not assessments_needing_scores().exists()
    assert sweep_unscored_task.apply().get() == 0


def test_the_rescore_command_says_the_sweep_will_retry_and_it_does(submitted, monkeypatch, capsys):
    monkeypatch.setattr(scoring, "queue_cycle_rescore", lambda *args: False)
    call_command("rescore", "--cycle", submitted.cycle.name)
    assert "1 could not be queued now; the periodic sweep will retry them." in capsys.readouterr().err
    assert Assessment.objects.get(pk=submitted.pk).rescore_requested_at is not None
    monkeypatch.undo()
    assert sweep_unscored_task.apply().get() == 1
    assert Assessment.objects.get(pk=submitted.pk).rescore_requested_at is None


def test_only_submitted_assessments_are_marked_for_rescoring(assessment):
    assert scoring.assessments_rescore_request(assessment_ids=[assessment.pk]).marked == 0  # a draft
    assert Assessment.objects.get(pk=assessment.pk).rescore_requested_at is None


class DeadBroker:
    def __init__(self):
        self.attempts = 0

    def __call__(self, *args, **kwargs):
        self.attempts += 1
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def dead_broker(monkeypatch):
    from wgll.celery import app

    broker = DeadBroker()
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # publishing to a broker...
    monkeypatch.setattr(score_assessment_task, "apply_async", broker)  # ... that is down
    tasks.publish_backoff_reset()
    yield broker
    tasks.publish_backoff_reset()


def test_after_a_failed_publish_the_broker_is_not_tried_again_for_the_backoff(dead_broker, settings, monkeypatch):
    settings.PUBLISH_BACKOFF_SECONDS = 10
    clock = [1000.0]
    monkeypatch.setattr(tasks.time, "monotonic", lambda: clock[0])

    assert queue_scoring(1) is False and dead_broker.attempts == 1
    assert queue_scoring(2) is False and queue_scoring(3) is False
    assert dead_broker.attempts == 1  # backing off: nothing tried, nothing waited for

    clock[0] += 10.5
    assert queue_scoring(4) is False
    assert dead_broker.attempts == 2  # tried again once the backoff is over


def test_with_no_backoff_every_publish_tries_the_broker(dead_broker, settings):
    settings.PUBLISH_BACKOFF_SECONDS = 0
    for assessment_id in range(3):
        assert queue_scoring(assessment_id) is False
    assert dead_broker.attempts == 3


def test_in_process_a_failing_task_is_not_taken_for_a_dead_broker(monkeypatch, settings):
    settings.PUBLISH_BACKOFF_SECONDS = 10
    broker = DeadBroker()  # eager mode: apply_async runs the task here, and it fails
    monkeypatch.setattr(score_assessment_task, "apply_async", broker)
    tasks.publish_backoff_reset()
    assert queue_scoring(1) is False and queue_scoring(2) is False
    assert broker.attempts == 2  # no backoff: the next task is run as ever


def test_no_task_stores_a_result_and_there_is_no_result_backend_by_default():
    from wgll.celery import app
    from wgll.tasks import ping

    assert app.conf.task_ignore_result is True
    assert score_assessment_task.ignore_result is True
    assert ping.ignore_result is False  # the one task whose result is read (health checks)
