"""The scoring path through a real Redis broker and real Celery worker processes.

1. A submission is scored by a worker after it commits.
2. With the broker unreachable, the submission still succeeds at once; the sweep scores it later.
3. A worker killed in the middle of scoring leaves no partial scores; the assessment is scored
   by redelivery of the unacknowledged task or by the sweep.
"""

import datetime
import signal
import time

import pytest

from assessments.models import Assessment, AssessmentScore, DomainScore, MeasureScore
from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from assessments.tasks import sweep_unscored_task
from tests.assessments.conftest import complete_everything
from tests.journal import FIGURES
from tests.services import TEST_REDIS_URL, reconfigure_celery

pytestmark = [pytest.mark.needs_worker, pytest.mark.django_db(transaction=True)]


def submit(assessment, team) -> Assessment:
    complete_everything(assessment, team["lead"], level=2)
    assessment_mark_ready(assessment=assessment, actor=team["lead"])
    return assessment_sign_off_and_submit(
        assessment=assessment, actor=team["approver"], name="Grace Okafor", role="Chair",
        meeting_date=datetime.date.today(), minute_reference="TB/1",
    )  # fmt: skip


def wait_for_score(assessment, timeout: float = 30) -> AssessmentScore | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        score = AssessmentScore.objects.filter(assessment=assessment).first()
        if score is not None and score.overall is not None:
            return score
        time.sleep(0.2)
    return None


def test_a_submission_is_scored_by_a_worker(celery_workers, assessment, team):
    worker = celery_workers.start()

    submitted = submit(assessment, team)

    score = wait_for_score(submitted)
    assert score is not None, celery_workers.log(worker)
    assert str(score.overall) == "2.0"
    assert DomainScore.objects.filter(score=score).count() == assessment.responses.count()
    assert "assessments.score_assessment" in celery_workers.log(worker)


def test_after_scoring_the_worker_judges_the_cycles_flags_a_moment_later(celery_workers, assessment, team):
    from assessments.models import Cycle

    worker = celery_workers.start(FLAGS_REFRESH_DELAY_SECONDS="1")

    submitted = submit(assessment, team)

    assert wait_for_score(submitted) is not None, celery_workers.log(worker)
    deadline = time.monotonic() + 30
    while Cycle.objects.get(pk=submitted.cycle_id).flags_refreshed_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
    cycle = Cycle.objects.get(pk=submitted.cycle_id)
    assert cycle.flags_refreshed_at is not None, celery_workers.log(worker)
    assert cycle.flags_refreshed_at >= AssessmentScore.objects.get(assessment=submitted).scored_at
    assert "assessments.refresh_cycle_flags" in celery_workers.log(worker)


def test_broker_outage_does_not_fail_or_hold_a_submission_and_the_sweep_scores_it(celery_workers, assessment, team):
    from wgll.celery import app

    reconfigure_celery(app, broker_url="redis://127.0.0.1:1/0")  # nothing listens there
    started = time.monotonic()
    submitted = submit(assessment, team)
    took = time.monotonic() - started

    assert Assessment.objects.get(pk=submitted.pk).status == Assessment.Status.SUBMITTED
    assert not AssessmentScore.objects.exists()
    FIGURES["Submission with the broker down"] = f"{took:.2f} s (answers, ready, sign-off and submit)"

    reconfigure_celery(app, broker_url=TEST_REDIS_URL)
    worker = celery_workers.start()
    assert sweep_unscored_task.apply().get() == 1  # what beat runs, here: it queues to the worker
    assert wait_for_score(submitted) is not None, celery_workers.log(worker)


def test_a_worker_killed_mid_task_leaves_no_partial_scores(celery_workers, assessment, team):
    slow = celery_workers.start(WGLL_SCORING_PAUSE_SECONDS="20", CELERY_VISIBILITY_TIMEOUT="3")
    submitted = submit(assessment, team)
    deadline = time.monotonic() + 20
    while "score_assessment" not in celery_workers.log(slow) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # inside the transaction: domain scores written, measure scores not yet

    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=10)

    assert not AssessmentScore.objects.exists()
    assert not DomainScore.objects.exists() and not MeasureScore.objects.exists()

    celery_workers.start(CELERY_VISIBILITY_TIMEOUT="3")
    score = wait_for_score(submitted, timeout=20)  # redelivered once the visibility timeout passes
    how = "redelivery"
    if score is None:
        sweep_unscored_task.apply()
        score = wait_for_score(submitted)
        how = "the sweep"
    assert score is not None
    assert MeasureScore.objects.filter(score=score).count() == 7
    FIGURES["Worker killed mid-scoring"] = f"no partial rows; scored afterwards by {how}"
