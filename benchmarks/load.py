"""A load run from outside: the portal under gunicorn on the database the caller uses, signed-in
clients as real browsers would be (a session cookie each), many concurrent clients per page kind,
and the 95th percentile of each page kind's response time next to the bare `/health/` view's,
measured in the same run on the same server.

Python threads with the standard library's HTTP client (one keep-alive connection per client), so
nothing beyond the project's own dependencies is needed. Shared by `make bench` (benchmarks.pages)
and the bounded CI load test (tests/wgll/test_load.py).
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageKind:
    """One kind of page: its name, its address and the session cookie of who asks for it (None:
    signed out, for the bare view)."""

    name: str
    path: str
    session: str | None


@dataclass
class Outcome:
    name: str
    times_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def all_ok(self) -> bool:
        return not self.errors and set(self.statuses) == {200}


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value at or above `pct` per cent of them."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceiling
    return ordered[int(rank) - 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """The URL of the database Django is connected to (the benchmark's or the test's), for the
    server process to read the same rows."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@contextmanager
def gunicorn(database: str, workers: int = 4, log: Path | None = None) -> Iterator[str]:
    """gunicorn serving the portal on a free local port, on `database`, with the production
    template settings (no auto-reload, compiled templates on disk) and no debug; yields its
    address once /health/ answers, and stops it afterwards."""
    port = free_port()
    cache = tempfile.mkdtemp(prefix="wgll-load-jinja-")
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "WGLL_MODE", "CELERY_BROKER_URL"}}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "wgll.settings",
        "DATABASE_URL": database,
        "DEBUG": "false",
        "JINJA_AUTO_RELOAD": "false",
        "JINJA_BYTECODE_CACHE_DIR": cache,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    output = log.open("w") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wgll.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--keep-alive", "30", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start (code {process.returncode}); see {log or 'its output'}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/health/")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /health/ within 60 s")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            output.close()


def _client(
    address: str, kind: PageKind, requests: int, outcome: Outcome, lock: threading.Lock, start: threading.Barrier
) -> None:
    host, port = address.split(":")
    headers = {"Cookie": f"sessionid={kind.session}"} if kind.session else {}
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    times, statuses, errors = [], {}, []
    start.wait()
    for _ in range(requests):
        began = time.perf_counter()
        try:
            connection.request("GET", kind.path, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append((time.perf_counter() - began) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=120)
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{type(error).__name__}: {error}")
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=120)
    connection.close()
    with lock:
        outcome.times_ms.extend(times)
        outcome.errors.extend(errors)
        for status, count in statuses.items():
            outcome.statuses[status] = outcome.statuses.get(status, 0) + count


def hammer(address: str, kind: PageKind, clients: int = 20, requests: int = 10) -> Outcome:
    """`clients` concurrent clients each asking for the page `requests` times, back to back
    (after one warm-up request each, not counted, so every worker has compiled its templates)."""
    warm = Outcome(kind.name)
    _run(address, kind, clients, 1, warm)
    outcome = Outcome(kind.name)
    _run(address, kind, clients, requests, outcome)
    return outcome


def _run(address: str, kind: PageKind, clients: int, requests: int, outcome: Outcome) -> None:
    lock = threading.Lock()
    start = threading.Barrier(clients)
    threads = [
        threading.Thread(target=_client, args=(address, kind, requests, outcome, lock, start), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def session_for(user) -> str:
    """A signed-in session for `user`, stored where the server reads sessions (the database), as
    a sign-in would leave it; its key is the browser's cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def load_run(
    address: str, kinds: Sequence[PageKind], clients: int = 20, requests: int = 10, progress: bool = False
) -> list[Outcome]:
    """Each page kind in turn under `clients` concurrent clients; the bare view is asked for
    before and after the others and its two runs pooled, so drift on a shared machine during the
    run falls on both sides of the ratio. With `progress`, each page kind's line is printed as
    soon as it is measured."""
    bare = PageKind("bare view /health/", "/health/", None)
    first = hammer(address, bare, clients, requests)
    if progress:
        print(f"  {clients} concurrent clients, {requests} requests each per page kind")
        print(f"  {'page kind':<36} {'median':>9} {'p95':>9}  p95 / bare p95  statuses")
        print_outcome(first, first)
    outcomes = []
    for kind in kinds:
        outcomes.append(hammer(address, kind, clients, requests))
        if progress:
            print_outcome(outcomes[-1], first)
    last = hammer(address, bare, clients, requests)
    pooled = Outcome(bare.name, first.times_ms + last.times_ms, dict(first.statuses), first.errors + last.errors)
    for status, count in last.statuses.items():
        pooled.statuses[status] = pooled.statuses.get(status, 0) + count
    if progress:
        print_outcome(last, first)
    return [pooled, *outcomes]


def print_outcome(outcome: Outcome, bare: Outcome) -> None:
    ratio = outcome.p95 / bare.p95 if bare.p95 else float("inf")
    statuses = ", ".join(f"{count}x{status}" for status, count in sorted(outcome.statuses.items()))
    errors = f", {len(outcome.errors)} errors" if outcome.errors else ""
    print(
        f"  {outcome.name:<36} {outcome.median:>7.1f}ms {outcome.p95:>7.1f}ms  {ratio:>8.1f}x      {statuses}{errors}",
        flush=True,
    )
