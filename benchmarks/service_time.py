"""Service time per page kind, in process: each page kind's requests run straight through the WSGI
handler (the whole middleware stack, a real session cookie, no HTTP and no other clients), with the
bare `/health/` view measured the same way. Median, 95th percentile and the fastest of N runs, in
wall and CPU time, and each against the bare view's.

Why beside the load run (benchmarks.pages): on a shared machine a 20-client p95 mostly measures
the neighbours; the work one request costs is what the load run's queueing multiplies, and the
fastest run is the figure least moved by them. `python -m benchmarks service_time` runs this
alone; WGLL_BENCH_SERVICE_REQUESTS sets N (default 40) and WGLL_BENCH_SERVICE_PAGES picks page
kinds by a part of their name (comma-separated). Settings as under gunicorn in production: no
debug, no template auto-reload, compiled templates kept on disk.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings

from benchmarks import load
from benchmarks import pages as page_benchmark

REQUESTS = int(os.environ.get("WGLL_BENCH_SERVICE_REQUESTS", "40"))
CHOSEN = [part for part in os.environ.get("WGLL_BENCH_SERVICE_PAGES", "").split(",") if part]


def _environ(path: str, session: str | None) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.partition("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    if session:
        environ["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={session}"
    return environ


def _request(handler: WSGIHandler, kind: load.PageKind) -> int:
    statuses = []
    body = handler(_environ(kind.path, kind.session), lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(body)
    body.close()
    return int(statuses[0].split()[0])


def _measure(handler: WSGIHandler, kind: load.PageKind) -> dict:
    for _ in range(3):  # warm: compiled templates, kept markup and framework facts
        status = _request(handler, kind)
    wall, cpu = [], []
    for _ in range(REQUESTS):
        started, started_cpu = time.perf_counter(), time.process_time()
        status = _request(handler, kind)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "median": statistics.median(wall),
        "p95": load.percentile(wall, 95),
        "fastest": min(wall),
        "cpu": statistics.median(cpu),
        "status": status,
    }


def run(measure=None, report=None) -> None:
    print(f"\nService time in process ({REQUESTS} requests per page kind, through the WSGI handler):")
    page_benchmark._prepare()
    bare = load.PageKind("bare view /health/", "/health/", None)
    kinds = [bare, *page_benchmark.page_kinds()]
    if CHOSEN:
        kinds = [bare, *(kind for kind in kinds[1:] if any(part in kind.name for part in CHOSEN))]
    jinja = dict(settings.TEMPLATES[0], OPTIONS=dict(settings.TEMPLATES[0]["OPTIONS"]))
    jinja["OPTIONS"].update(auto_reload=False, bytecode_cache_dir=tempfile.mkdtemp(prefix="wgll-service-"))
    templates = [jinja, *settings.TEMPLATES[1:]]
    with override_settings(DEBUG=False, TEMPLATES=templates, ALLOWED_HOSTS=["127.0.0.1"]):
        handler = WSGIHandler()
        figures = {kind.name: _measure(handler, kind) for kind in kinds}
    base = figures[bare.name]
    print(f"  {'page kind':<32} {'median':>8} {'p95':>8} {'fastest':>8} {'cpu':>7}   against the bare view")
    for name, f in figures.items():
        print(
            f"  {name:<32} {f['median']:6.2f}ms {f['p95']:6.2f}ms {f['fastest']:6.2f}ms {f['cpu']:5.2f}ms   "
            f"median {f['median'] / base['median']:4.1f}x, p95 {f['p95'] / base['p95']:4.1f}x, "
            f"fastest {f['fastest'] / base['fastest']:4.1f}x (HTTP {f['status']})"
        )
