"""Recovery after a broker outage: the time from Redis's return to every board report asked for
during the outage rendered, against the same number of reports asked for with Redis up (the
baseline: request to rendered, no outage), in the same run.

A redis-server of the benchmark's own (port 6390-6399, no persistence), a real Celery worker and
beat with the sweeps every WGLL_BENCH_SWEEP_SECONDS (5 by default; production's 300 s would make
the figure about the sweep interval, which is what the README's bound says), against the
benchmark's PostgreSQL test database. Skips, saying why, without redis-server or on SQLite (a
worker process cannot share the in-memory test database).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from django.db import connection

from assessments.models import Assessment
from assessments.selectors import current_scores
from organisations.models import RoleAssignment, User
from reports.models import BoardReport

REPORTS = int(os.environ.get("WGLL_BENCH_RECOVERY_REPORTS", "4"))
SWEEP_SECONDS = int(os.environ.get("WGLL_BENCH_SWEEP_SECONDS", "5"))
ROOT = Path(__file__).resolve().parent.parent


def run(measure, report) -> None:
    from tests.services import RedisServer

    print("\nRecovery after a Redis outage")
    if connection.vendor != "postgresql":
        print(f"  skipped: needs PostgreSQL (a worker process cannot share the {connection.vendor} test database)")
        return
    with TemporaryDirectory(prefix="wgll-bench-recovery-") as workdir:
        server = RedisServer(Path(workdir))
        if server.binary is None:
            print("  skipped: redis-server is not installed")
            return
        subjects = _subjects()
        if len(subjects) < 2 * REPORTS:
            from benchmarks.reports import _seed
            from framework.services import DEFINITIONS_DIR, framework_load
            from organisations.services import organisations_load_reference_data

            # The organisations, frameworks and demo history the board report benchmark uses
            # (already there when it ran first).
            organisations_load_reference_data()
            framework_load(path=DEFINITIONS_DIR)
            _seed()
            subjects = _subjects()
        if len(subjects) < 2 * REPORTS:
            print(f"  skipped: needs {2 * REPORTS} scored assessments without a board report")
            return
        server.start()
        quiet = logging.getLogger("assessments.tasks")
        level = quiet.level
        processes: list[subprocess.Popen] = []
        previous = _publish_to(server.url)
        try:
            worker, worker_log = _celery(server.url, Path(workdir), "worker", "--pool=solo", "-n", "bench-recovery@%h")
            beat, beat_log = _celery(server.url, Path(workdir), "beat", "-s", str(Path(workdir) / "beat-schedule"))
            processes += [worker, beat]
            _wait_for(lambda: "ready." in worker_log.read_text() and "beat: Starting" in beat_log.read_text(), 60)

            started = time.perf_counter()
            normal = _ask(subjects[:REPORTS])
            _wait_for(lambda: _ready(normal), 300)
            baseline = (time.perf_counter() - started) * 1000

            server.stop()
            quiet.setLevel(logging.ERROR)  # each failed publish is logged with its traceback
            slowest = 0.0
            during: list[int] = []
            for assessment in subjects[REPORTS : 2 * REPORTS]:
                asked = time.perf_counter()
                during += _ask([assessment])
                slowest = max(slowest, time.perf_counter() - asked)
            time.sleep(SWEEP_SECONDS)  # an outage of one sweep interval: beat's sweeps fail meanwhile
            server.start()
            back = time.perf_counter()
            restarts = 0

            def recovered_yet() -> bool:
                # As `restart: unless-stopped` in docker-compose.yml: a worker holding unacknowledged
                # tasks can exit when Redis goes away (kombu); it is started again.
                nonlocal worker, restarts
                if worker.poll() is not None:
                    restarts += 1
                    worker, _ = _celery(server.url, Path(workdir), "worker", "--pool=solo", "-n", "bench-recovery@%h")
                    processes.append(worker)
                return _ready(during)

            _wait_for(recovered_yet, 300)
            recovered = (time.perf_counter() - back) * 1000
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            _publish_to(None, previous)
            quiet.setLevel(level)
            server.stop()
    print(
        f"  {REPORTS} reports, sweeps every {SWEEP_SECONDS} s; slowest request during the outage {slowest:.2f} s; "
        f"worker restarts {restarts}"
    )
    report(
        f"Redis back -> {REPORTS} reports asked for in the outage rendered",
        (recovered, 0.0),
        f"{REPORTS} reports asked for, Redis up",
        (baseline, 0.0),
    )


def _subjects() -> list[Assessment]:
    """Submitted assessments with a current score and no board report yet (so no request is
    refused as already up to date)."""
    scored = current_scores().values("assessment_id")
    return list(
        Assessment.objects.filter(pk__in=scored, status__in=Assessment.SUBMITTED_OR_LATER)
        .exclude(board_reports__isnull=False)
        .select_related("organisation", "cycle")
        .order_by("pk")[: 2 * REPORTS]
    )


def _asker() -> User:
    """A national analyst (sees every organisation); the rate limit is per person, so each
    request is made by a fresh one."""
    user = User.objects.create_user(email=f"bench-recovery-{time.time_ns()}@example.invalid", password=None)
    RoleAssignment.objects.create(user=user, role="national_analyst")
    return user


def _ask(assessments: list[Assessment]) -> list[int]:
    from reports.services import report_request

    return [report_request(assessment=assessment, actor=_asker()).pk for assessment in assessments]


def _ready(report_ids: list[int]) -> bool:
    return BoardReport.objects.filter(pk__in=report_ids, status=BoardReport.Status.READY).count() == len(report_ids)


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not done within {timeout} s")
        time.sleep(0.2)


def _publish_to(url: str | None, previous: dict | None = None) -> dict:
    from assessments.tasks import publish_backoff_reset
    from tests.services import reconfigure_celery
    from wgll.celery import app

    publish_backoff_reset()
    if url is None:
        return reconfigure_celery(app, **(previous or {}))
    return reconfigure_celery(app, broker_url=url, result_backend=None, task_always_eager=False)


def _celery(broker_url: str, workdir: Path, *command: str) -> tuple[subprocess.Popen, Path]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wgll.settings",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": "",
        "DATABASE_URL": f"postgres://{db.get('USER') or ''}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}",
        "SCORING_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "REPORTS_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "MEDIA_ROOT": str(BoardReport._meta.get_field("file").storage.location),
    }
    log = workdir / f"{command[0]}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wgll", *command, "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return process, log
