"""Access to real services for tests that need them.

On a laptop without a service, such tests skip with the reason printed. With
WGLL_REQUIRE_SERVICES=1 (set by .ci/run) the same situation is a failure, so CI can never pass
by skipping.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

REQUIRE_SERVICES = os.environ.get("WGLL_REQUIRE_SERVICES") == "1"

# Under pytest-xdist each worker process ("gw0", "gw1", ...) is a test run of its own: it gets its
# own test database (pytest-django), and here its own Redis database and its own share of the
# outage tests' ports, so one worker's Celery workers never take another's tasks.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _redis_url_of_this_worker(url: str) -> str:
    """WGLL_TEST_REDIS_URL names worker 0's database (15 unless it says otherwise); worker n uses
    the n-th database below it."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - WORKER
    if database < 0:
        raise RuntimeError(f"WGLL_TEST_REDIS_URL {url}: no Redis database left for xdist worker {WORKER}")
    return urlunsplit(parts._replace(path=f"/{database}"))


TEST_REDIS_URL = _redis_url_of_this_worker(os.environ.get("WGLL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable (WGLL_REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(reason)


def redis_reachable(url: str = TEST_REDIS_URL) -> str | None:
    """None when Redis answers, otherwise why not."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - any failure means unreachable; the reason is reported
        return f"Redis at {url} is not reachable ({error.__class__.__name__}: {error})"
    return None


def reconfigure_celery(app, **conf) -> dict:
    """Point the in-process Celery app at another broker/backend; returns the previous values.

    Celery caches its connection pool, producer pool and result backend, so those are dropped
    too (the same reset Celery itself does after a fork).
    """
    import threading

    from kombu import pools

    from assessments.tasks import publish_backoff_reset

    # A broker found dead before is not this one: try it at the next publish.
    publish_backoff_reset()
    previous = {key: app.conf[key] for key in conf}
    app.conf.update(conf)
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    # kombu keeps process-wide producer pools keyed by connection URL; closed ones must go too.
    pools.reset()
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()
    return previous


class RedisServer:
    """A redis-server of a test's own, on its own port (6390-6399; 6400-6409 for xdist's second
    worker, and so on), that the test can stop (its port then refuses connections), hang
    (SIGSTOP: connections are accepted and never answered) and start again. No persistence: a
    restarted server starts empty, as a broker that lost its data would, so whatever was queued
    before the outage must be re-driven from the database."""

    PORTS = range(6390 + 10 * WORKER, 6400 + 10 * WORKER)

    def __init__(self, workdir, binary: str | None = None):
        import shutil

        self.binary = binary or shutil.which("redis-server")
        self.workdir = workdir
        self.process = None
        self.port = self._free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _free_port(self) -> int:
        import socket

        for port in self.PORTS:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port for a redis-server in {self.PORTS.start}-{self.PORTS.stop - 1}")

    def start(self, timeout: float = 10) -> None:
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2, socket_timeout=0.5)
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not answer within {timeout} s")

    def stop(self) -> None:
        """Stop the server (resuming it first if hung): its port refuses connections."""
        import contextlib
        import signal
        import subprocess

        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def hang(self) -> None:
        import signal

        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        import signal

        self.process.send_signal(signal.SIGCONT)
