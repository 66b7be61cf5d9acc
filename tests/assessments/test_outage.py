"""Nothing stuck, nothing slow: the portal against a Redis of the test's own that it stops, hangs
and starts again, real Celery worker and beat processes, and the real PostgreSQL.

(a) With Redis stopped, or hung (SIGSTOP: it accepts connections and never answers), a sign-off
    answers within a bound set by the broker timeouts, and the next one at once (the backoff).
(b) Submissions, board report and ICS pack requests and a re-scoring asked for while Redis is
    down all finish once it is back, driven by beat's sweeps: requested = rendered, submitted =
    scored, and nothing twice (two workers, sweeps every 2 s racing the queue).
(c) A worker killed with SIGKILL in the middle of a render: the report is rendered once, within
    the bound the settings give (the render's time limit plus a sweep interval).

Each test runs well under a minute; the figures go to the end-of-run summary.
"""

import datetime
import re
import signal
import time

import pytest
from django.db import connection

from assessments.models import Assessment, AssessmentScore
from assessments.services.cycles import cycle_open
from assessments.services.scoring import assessment_score, assessments_rescore_request
from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from assessments.tasks import publish_backoff_reset
from organisations.models import Organisation
from reports.models import BoardReport, SystemPack
from reports.packs import pack_request
from reports.services import report_request
from tests import factories
from tests.assessments.conftest import complete_everything
from tests.conftest import WorkerPool
from tests.journal import FIGURES
from tests.services import RedisServer, reconfigure_celery, unavailable

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

# Short sweeps and timeouts, so that the worst cases fit in a test; the bounds are the same
# expressions of the settings as in production (README, "Outage and recovery").
SWEEP = 2
RENDER_TIME_LIMIT = 6
VISIBILITY = 10
FAST = {
    "SCORING_SWEEP_SECONDS": str(SWEEP),
    "REPORTS_SWEEP_SECONDS": str(SWEEP),
    "REPORTS_STUCK_AFTER_SECONDS": str(2 * SWEEP),
    "REPORTS_RENDER_TIME_LIMIT": str(RENDER_TIME_LIMIT),
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
    "FLAGS_REFRESH_DELAY_SECONDS": "1",
    "FIGURES_REFRESH_DELAY_SECONDS": "1",
}


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    if server.binary is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_own_redis(own_redis, transactional_db):
    """This process publishes to the test's own Redis, with no result backend (as in production)."""
    from wgll.celery import app

    previous = reconfigure_celery(app, broker_url=own_redis.url, result_backend=None, task_always_eager=False)
    try:
        yield own_redis
    finally:
        reconfigure_celery(app, **previous)


@pytest.fixture
def own_workers(on_own_redis, tmp_path):
    pool = WorkerPool(tmp_path, broker_url=on_own_redis.url, result_backend="")
    try:
        yield pool
    finally:
        pool.stop_all()


def ready_for_sign_off(organisation, cycle, lead) -> Assessment:
    assessment = Assessment.objects.get(cycle=cycle, organisation=organisation)
    complete_everything(assessment, lead, level=2)
    assessment_mark_ready(assessment=assessment, actor=lead)
    return assessment


def sign_off(assessment, approver) -> float:
    """Board sign-off and submission, as the sign-off page calls it; returns the seconds taken
    (the scoring is published once the transaction commits, inside the call)."""
    started = time.monotonic()
    assessment_sign_off_and_submit(
        assessment=assessment, actor=approver, name="Grace Okafor", role="Chair",
        meeting_date=datetime.date.today(), minute_reference="TB/1",
    )  # fmt: skip
    took = time.monotonic() - started
    assessment.refresh_from_db()
    return took


def trusts_with_people(world, person, cycle, count: int) -> list[tuple[Organisation, object, object]]:
    """`count` more acute trusts in ICS 1, each with its open assessment, lead and approver."""
    trusts = [factories.OrganisationFactory(ics=world.ics_1, care_settings=["acute"]) for _ in range(count)]
    cycle_open(cycle=cycle)  # their assessments
    return [(trust, person("assessment_lead", trust), person("approver", trust)) for trust in trusts]


def scorings_so_far() -> int:
    """How many scorings have ever been written: each takes a new AssessmentScore id (a rerun
    replaces the row), so the id sequence counts runs, duplicates included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('assessments_assessmentscore', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")
        return cursor.fetchone()[0]


def wait_until(condition, timeout: float, interval: float = 0.2) -> float | None:
    """Seconds until `condition()` held, or None if it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    return None


# (a) No request waits on a dead broker.


def test_a_sign_off_never_waits_on_a_stopped_or_hung_redis(on_own_redis, cycle, world, person, settings):
    from wgll.celery import app

    settings.PUBLISH_BACKOFF_SECONDS = 10
    # Even a result backend on the same Redis (CELERY_RESULT_BACKEND set) is never waited on:
    # no task stores a result, so publishing never subscribes to one.
    previous = reconfigure_celery(app, result_backend=on_own_redis.url)
    try:
        _sign_offs_during_an_outage(on_own_redis, cycle, world, person)
    finally:
        reconfigure_celery(app, **previous)


def _sign_offs_during_an_outage(redis, cycle, world, person):
    people = trusts_with_people(world, person, cycle, 4)
    waiting = [ready_for_sign_off(trust, cycle, lead) for trust, lead, _ in people]
    approvers = [approver for _, _, approver in people]

    redis.stop()
    refused = sign_off(waiting[0], approvers[0])  # pays the connection attempt, then backs off
    backed_off = sign_off(waiting[1], approvers[1])

    redis.start()
    publish_backoff_reset()
    redis.hang()
    try:
        hung = sign_off(waiting[2], approvers[2])  # pays the socket timeout: Redis never answers
        hung_backed_off = sign_off(waiting[3], approvers[3])
    finally:
        redis.resume()

    FIGURES["Sign-off, Redis stopped"] = f"{refused:.2f} s, then {backed_off:.2f} s while backing off"
    FIGURES["Sign-off, Redis hung (SIGSTOP)"] = f"{hung:.2f} s, then {hung_backed_off:.2f} s while backing off"
    assert refused < 1.5 and backed_off < 1.5
    assert hung < 2.0 and hung_backed_off < 1.0
    assert Assessment.objects.filter(status=Assessment.Status.SUBMITTED).count() == 4
    assert not AssessmentScore.objects.filter(assessment__in=waiting).exists()  # the sweep scores them later


# (b) Everything asked for during an outage is done once the broker is back, and only once.


def test_work_asked_for_during_an_outage_is_done_once_after_it(
    own_workers, on_own_redis, cycle, world, person, settings
):
    settings.PUBLISH_BACKOFF_SECONDS = 10
    server = on_own_redis
    n = 3
    scored_people = trusts_with_people(world, person, cycle, n)
    waiting_people = trusts_with_people(world, person, cycle, n)
    # Scored before the outage (in this process), so that their reports can be asked for during it.
    scored = []
    for trust, lead, approver in scored_people:
        assessment = ready_for_sign_off(trust, cycle, lead)
        sign_off(assessment, approver)
        assessment_score(assessment_id=assessment.pk)
        scored.append(assessment)
    from reports.refresh import cycle_figures_refresh

    cycle_figures_refresh(cycle_id=cycle.pk)
    waiting = [ready_for_sign_off(trust, cycle, lead) for trust, lead, _ in waiting_people]
    board = person("ics_board_viewer", world.ics_1)

    own_workers.start(**FAST)
    own_workers.start(**FAST)
    own_workers.start_beat(**FAST)
    scorings_before = scorings_so_far()
    rescored_before = AssessmentScore.objects.get(assessment=scored[0]).scored_at

    server.stop()
    outage_started = time.monotonic()
    slowest = 0.0
    for assessment, (_, _, approver) in zip(waiting, waiting_people, strict=True):
        slowest = max(slowest, sign_off(assessment, approver))
    reports = []
    for assessment, (_, lead, _) in zip(scored, scored_people, strict=True):
        started = time.monotonic()
        reports.append(report_request(assessment=assessment, actor=lead))
        slowest = max(slowest, time.monotonic() - started)
    started = time.monotonic()
    pack = pack_request(ics=world.ics_1, cycle=cycle, actor=board, audience="board")
    rescore = assessments_rescore_request(assessment_ids=[scored[0].pk])
    slowest = max(slowest, time.monotonic() - started)
    assert rescore.marked == 1 and rescore.queued == 0
    assert all(BoardReport.objects.get(pk=r.pk).queued_at is None for r in reports)  # never handed over
    time.sleep(max(0.0, 3 - (time.monotonic() - outage_started)))  # beat's sweeps fail meanwhile

    server.start()
    back = time.monotonic()
    restarted = []

    def all_done() -> bool:
        # As `restart: unless-stopped` does in docker-compose.yml: a worker holding unacknowledged
        # tasks can exit when Redis goes away (kombu fails to put them back); start it again.
        for process in own_workers.exited_workers():
            restarted.append(process)
            own_workers.start(**FAST)
        rendered = BoardReport.objects.filter(pk__in=[r.pk for r in reports], status="ready").count()
        scored_now = AssessmentScore.objects.filter(assessment__in=waiting).count()
        rescored = not Assessment.objects.filter(pk=scored[0].pk, rescore_requested_at__isnull=False).exists()
        return rendered == n and scored_now == n and rescored and SystemPack.objects.get(pk=pack.pk).status == "ready"

    recovered = wait_until(all_done, timeout=45)
    time.sleep(2 * SWEEP)  # a few more sweeps, which must find nothing left to do twice
    logs = own_workers.logs()
    assert recovered is not None, _states(reports, waiting, pack) + logs[-4000:]
    FIGURES["Recovery after a Redis outage"] = (
        f"{recovered:.1f} s from Redis back to {n} scored, {n} reports, 1 pack and 1 re-score done "
        f"(sweeps every {SWEEP} s, slowest request during the outage {slowest:.2f} s; "
        f"{len(restarted)} of 2 workers exited on losing Redis and were restarted)"
    )
    assert slowest < 1.5

    # requested = rendered, submitted = scored, and nothing twice.
    # The submissions; the re-score (a bulk one, cycle_rescore) found its figures unchanged, so it
    # kept its row and moved only its scoring time (a duplicate would make no new row either).
    assert scorings_so_far() - scorings_before == n
    assert AssessmentScore.objects.get(assessment=scored[0]).scored_at > rescored_before
    for report in reports:
        assert BoardReport.objects.filter(assessment_id=report.assessment_id).count() == 1
        assert len(re.findall(rf"Rendering board report {report.pk}\b", logs)) == 1
    assert len(re.findall(rf"Rendering ICS board pack {pack.pk}\b", logs)) == 1
    assert SystemPack.objects.filter(ics=world.ics_1).count() == 1
    for report in BoardReport.objects.filter(pk__in=[r.pk for r in reports]):
        assert report.requested_at < report.queued_at  # handed over after the outage, request time kept
    assert time.monotonic() - back < 60


def _states(reports, waiting, pack) -> str:
    rows = [f"report {r.pk}: {BoardReport.objects.get(pk=r.pk).status}" for r in reports]
    rows += [f"assessment {a.pk} scored: {AssessmentScore.objects.filter(assessment=a).exists()}" for a in waiting]
    rows.append(f"pack {pack.pk}: {SystemPack.objects.get(pk=pack.pk).status}")
    return "\n".join(rows) + "\n"


# (c) A worker killed in the middle of a render.


def test_a_render_whose_worker_is_killed_is_done_once_within_the_bound(own_workers, cycle, world, person):
    trust, lead, approver = trusts_with_people(world, person, cycle, 1)[0]
    assessment = ready_for_sign_off(trust, cycle, lead)
    sign_off(assessment, approver)
    assessment_score(assessment_id=assessment.pk)
    doomed = own_workers.start(**FAST)
    own_workers.start_beat(**FAST)

    report = report_request(assessment=assessment, actor=lead)
    claimed = wait_until(
        lambda: BoardReport.objects.get(pk=report.pk).status == BoardReport.Status.RENDERING, 30, interval=0.02
    )
    assert claimed is not None, own_workers.logs()
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    killed_at = time.monotonic()
    assert BoardReport.objects.get(pk=report.pk).status == BoardReport.Status.RENDERING  # left mid-render

    own_workers.start(**FAST)
    # Worst case: the claim is taken as dead once older than the render's time limit, and the
    # next sweep queues it again (a redelivery after the visibility timeout may come first).
    bound = min(RENDER_TIME_LIMIT + SWEEP, VISIBILITY + min(10, VISIBILITY // 2))
    recovered = wait_until(lambda: BoardReport.objects.get(pk=report.pk).status == BoardReport.Status.READY, 45)
    logs = own_workers.logs()
    assert recovered is not None, logs[-4000:]
    time.sleep(2 * SWEEP)
    logs = own_workers.logs()
    FIGURES["Render after its worker was killed"] = (
        f"ready {recovered:.1f} s after the kill (bound from settings {bound} s plus the new worker's start "
        f"and the render)"
    )
    # Rendered by the dead worker's claim and once more, never a third time or a second version.
    assert len(re.findall(rf"Rendering board report {report.pk}\b", logs)) == 2
    assert BoardReport.objects.filter(assessment=assessment).count() == 1
    # The bound, with room for the new worker's start (a few seconds) and the render itself.
    assert recovered < bound + 15
    assert time.monotonic() - killed_at < 60
