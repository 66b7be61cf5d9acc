import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from organisations.models import Role
from tests import factories
from tests.services import REQUIRE_SERVICES, TEST_REDIS_URL, reconfigure_celery, redis_reachable, unavailable

ROOT = Path(__file__).resolve().parent.parent


def pytest_report_header(config):
    return f"WGLL_REQUIRE_SERVICES={'1 (skips for missing services fail)' if REQUIRE_SERVICES else '0'}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    from tests.journal import figures_onto

    report = yield
    figures_onto(report)
    return report


def pytest_runtest_logreport(report):
    from tests.journal import figures_from

    figures_from(report)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.journal import FIGURES

    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
    skipped = terminalreporter.stats.get("skipped", [])
    if REQUIRE_SERVICES and skipped:
        terminalreporter.write_line(f"{len(skipped)} test(s) skipped while WGLL_REQUIRE_SERVICES=1", red=True)


def pytest_sessionfinish(session, exitstatus):
    # Belt and braces: whatever skipped, CI must not go green with skipped tests.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if REQUIRE_SERVICES and reporter and reporter.stats.get("skipped"):
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Threads of the live server and the concurrency tests may leave PostgreSQL sessions open;
    end them so the test database can be dropped at the end of the run."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("needs_postgres") and connection.vendor != "postgresql":
        unavailable(f"needs PostgreSQL; the suite is running on {connection.vendor} (set DATABASE_URL)")
    if request.node.get_closest_marker("needs_chromium") and not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM}")
    if request.node.get_closest_marker("needs_nginx") and not shutil.which("nginx"):
        unavailable("nginx not found on the PATH (Debian's nginx-light; .ci/run installs it)")
    if request.node.get_closest_marker("needs_redis") or request.node.get_closest_marker("needs_worker"):
        reason = redis_reachable()
        if reason:
            unavailable(reason)


CHROMIUM = os.environ.get("WGLL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser(live_server):
    """Debian's Chromium driven by Playwright, headless, against the live test server."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set WGLL_CHROMIUM)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # alongside it are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            yield _AuditingBrowser(instance)
        finally:
            instance.close()


class _AuditingBrowser:
    """The browser, whose new contexts let the journeys inject axe-core (an inline script the
    portal's Content Security Policy rightly refuses); tests/journeys/test_content_security.py
    opens its pages with the policy enforced, pass `bypass_csp=False` for that."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("bypass_csp", True)
        return self._browser.new_context(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


class WorkerPool:
    """Real `celery worker` processes on Redis, reading the test database.

    The test process publishes to the same Redis database, so tasks travel the production path:
    broker, worker, database. Tests using workers must commit their data (transactional_db).
    """

    def __init__(self, tmp_path: Path, broker_url: str = TEST_REDIS_URL, result_backend: str = TEST_REDIS_URL):
        self.tmp_path = tmp_path
        self.broker_url = broker_url
        self.result_backend = result_backend  # "" for none, as in production
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self._seen: set[subprocess.Popen] = set()

    def _env(self, extra_env: dict[str, str]) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wgll.settings",
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": self.result_backend,
            "DATABASE_URL": _database_url(connection.settings_dict),
            "EMAIL_URL": "consolemail://",
            # Files a worker writes (board reports) must land where the test reads them.
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            **extra_env,
        }

    def start_beat(self, **extra_env: str) -> subprocess.Popen:
        """Celery beat, queueing the periodic sweeps as in production (intervals from extra_env)."""
        log = self.tmp_path / f"beat-{len(self.processes)}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "wgll", "beat", "--loglevel=INFO",
                 "-s", str(self.tmp_path / f"beat-schedule-{len(self.processes)}")],
                cwd=ROOT, env=self._env(extra_env), stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append((process, log))
        deadline = time.monotonic() + 30
        while "beat: Starting" not in log.read_text() and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"celery beat exited at start:\n{log.read_text()}")
            time.sleep(0.2)
        return process

    def exited_workers(self) -> list[subprocess.Popen]:
        """Workers that have exited by themselves (not stopped by the test), once each."""
        workers = [p for p, log in self.processes if log.name.startswith("worker-")]
        exited = [p for p in workers if p.poll() is not None and p not in self._seen]
        self._seen.update(exited)
        return exited

    def logs(self) -> str:
        """Every process's log, one after the other (for counting what the workers did)."""
        return "\n".join(log.read_text() for _, log in self.processes)

    def start(self, **extra_env: str) -> subprocess.Popen:
        from wgll.celery import app

        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        env = self._env(extra_env)
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "wgll", "worker", "--pool=solo", "--concurrency=1",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"test{len(self.processes)}@%h"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append((process, log))
        _wait_until_ready(app, process, log)
        return process

    def log(self, process: subprocess.Popen) -> str:
        return next(log for p, log in self.processes if p is process).read_text()

    def stop_all(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    from wgll.celery import app

    reason = redis_reachable()
    if reason:
        unavailable(reason)
    import redis

    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    previous = reconfigure_celery(
        app, broker_url=TEST_REDIS_URL, result_backend=TEST_REDIS_URL, task_always_eager=False
    )
    pool = WorkerPool(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
        reconfigure_celery(app, **previous)


@pytest.fixture
def celery_worker_process(celery_workers):
    return celery_workers.start()


def _database_url(db: dict) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        if db["NAME"] == ":memory:" or "mode=memory" in str(db["NAME"]):
            unavailable("a worker process cannot share an in-memory SQLite test database; use PostgreSQL")
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _wait_until_ready(app, process, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"celery worker exited at start:\n{log.read_text()}")
        if "ready." in log.read_text():
            return
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"celery worker did not start within {timeout} s:\n{log.read_text()}")


# People and places used across the tests.


@pytest.fixture
def world(db):
    """Two ICSs; trust A and trust C in the first, trust B in the second."""
    return factories.World.build()


@pytest.fixture
def person(world):
    """person("assessment_lead", world.trust_a) -> a user holding that role there."""

    def make(role: str | None = None, where=None):
        user = factories.UserFactory()
        if role is not None:
            factories.grant(user, Role(role), where)
        return user

    return make


@pytest.fixture(scope="module")
def country_data(django_db_setup, django_db_blocker):
    """(world, country) built once for a test module, inside a transaction rolled back at the end;
    each test's own changes are rolled back after it as usual (a savepoint inside this one).
    The small country of tests/reports/system_data.py."""
    from django.db import transaction

    from tests.factories import World

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            import tempfile
            from pathlib import Path

            import yaml

            from framework.services import framework_load
            from tests.assessments.conftest import FIRST, SECOND

            with tempfile.TemporaryDirectory() as folder:
                for name, document in (("2024-25.yaml", FIRST), ("2025-26.yaml", SECOND)):
                    (Path(folder) / name).write_text(yaml.safe_dump(document, sort_keys=False))
                framework_load(path=Path(folder))
            from tests.reports.system_data import build_country

            world = World.build()
            yield world, build_country(world)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
