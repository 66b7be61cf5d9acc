"""Pages: the long lists' time and query count at today's 244 organisations and at ten times as
many (synthetic trusts, spread over every ICS), and a load run from outside: gunicorn on the
benchmark's own database, 20 concurrent signed-in clients per page kind, each kind's 95th
percentile against the bare `/health/` view's in the same run.

The demo people and a few organisations' demo history are seeded through the services (the board
report benchmark's set, so its seeding is shared when both run): the demo trust's 2025/26 draft
for the task list, a domain page and check your answers; submitted, validated and flagged
assessments elsewhere for the lists and the ICS dashboard. Run it before the benchmarks that add
organisations of their own (scoring, dashboards), or "today" is not today's 244: the figures say
how many organisations each size had. The ten-times organisations live in a transaction that is
rolled back, so nothing is left behind.
"""

from __future__ import annotations

import os
import random
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from assessments.models import Assessment, Cycle, DomainResponse
from benchmarks import load
from benchmarks import reports as report_benchmark
from demo.cycles import DEMO_CYCLES
from demo.people import DEMO_ICS, DEMO_TRUST, demo_users_create
from framework.models import FrameworkVersion
from organisations.models import IntegratedCareSystem, Organisation, User
from organisations.services import organisations_load_reference_data

SCALE = int(os.environ.get("WGLL_BENCH_PAGES_SCALE", "10"))  # times today's organisations
CLIENTS = int(os.environ.get("WGLL_BENCH_LOAD_CLIENTS", "20"))
REQUESTS = int(os.environ.get("WGLL_BENCH_LOAD_REQUESTS", "5"))  # per client and page kind
SETTINGS = ["acute", "acute", "acute", "mental_health", "community", "acute_specialist", "ambulance"]
LISTS = [("organisation list", "/organisations/"), ("national assessment list", "/assessments/")]


def _prepare() -> None:
    if not Organisation.objects.filter(ods_code=DEMO_TRUST).exists():
        organisations_load_reference_data()
    if not FrameworkVersion.objects.filter(version="2025/26").exists():
        from framework.services import DEFINITIONS_DIR, framework_load

        framework_load(path=DEFINITIONS_DIR)
    demo_users_create()
    started = time.perf_counter()
    report_benchmark._seed()
    if connection.vendor == "postgresql":
        # A live database's tables have statistics (autovacuum analyses them); rows just seeded have
        # none yet, and the planner's guesses for them are not what production would run.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  (demo people and history seeded in {time.perf_counter() - started:.1f} s)")


def _page(client: Client, path: str, repeat: int = 5) -> tuple[float, int, int]:
    """Median ms, queries and status of GET `path` after one warm-up request."""
    client.get(path)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2], len(queries.captured_queries), response.status_code


def _grow(count: int, rng: random.Random) -> None:
    """`count` synthetic trusts over every ICS, each with a draft in the latest demo cycle (as
    opening a cycle would give them), in bulk: this measures reading and rendering lists."""
    systems = list(IntegratedCareSystem.objects.order_by("pk"))
    organisations = Organisation.objects.bulk_create(
        (
            Organisation(
                ods_code=f"P{n:05d}",
                name=f"Synthetic Pages Trust {n}",
                official_name=f"SYNTHETIC PAGES TRUST {n}",
                kind=Organisation.Kind.TRUST,
                ics=systems[n % len(systems)],
                care_settings=[SETTINGS[n % len(SETTINGS)]],
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    cycle = Cycle.objects.get(name=DEMO_CYCLES[-1].name)
    Assessment.objects.bulk_create(
        (Assessment(cycle=cycle, organisation=o, status=rng.choice(["draft", "submitted"])) for o in organisations),
        batch_size=2000,
    )


def lists(measure, report) -> None:
    analyst = User.objects.get(email="analyst@demo.nhs.uk")
    client = Client()
    client.force_login(analyst)
    today = Organisation.objects.count()
    print(f"\nLists (national analyst, first page of each, and a search), {today:,} and {SCALE}x organisations:")
    paths = [*LISTS, ("organisation list, searched", "/organisations/?q=trust&setting=acute")]
    with override_settings(DEBUG=False), transaction.atomic():
        small = {name: _page(client, path) for name, path in paths}
        small_full = {name: measure(lambda path=path: client.get(path), 5) for name, path in paths}
        _grow((SCALE - 1) * today, random.Random(2026))
        big_count = Organisation.objects.count()
        big = {name: _page(client, path) for name, path in paths}
        big_full = {name: measure(lambda path=path: client.get(path), 5) for name, path in paths}
        health = _page(client, "/health/")
        transaction.set_rollback(True)  # the synthetic organisations go; nothing is left behind
    for name, _ in paths:
        (small_ms, small_q, small_status), (big_ms, big_q, big_status) = small[name], big[name]
        report(f"{name}, {big_count:,} organisations", big_full[name], f"the same at {today:,}", small_full[name])
        print(
            f"  {name}: {today:,} organisations {small_ms:.1f} ms, {small_q} queries (HTTP {small_status}); "
            f"{big_count:,}: {big_ms:.1f} ms, {big_q} queries (HTTP {big_status}); "
            f"time {big_ms / small_ms:.2f}x (target <= 1.2x), queries {small_q} -> {big_q}"
        )
    print(f"  bare /health/ in the same process: {health[0]:.1f} ms, {health[1]} query")


def page_kinds() -> list[load.PageKind]:
    """Every kind of page, as the person who would ask for it, on the demo's data."""
    people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.nhs.uk")}
    sessions = {name: load.session_for(user) for name, user in people.items() if "." not in name}
    cycle = Cycle.objects.get(name=DEMO_CYCLES[-1].name)
    draft = Assessment.objects.get(cycle=cycle, organisation__ods_code=DEMO_TRUST)
    domain = DomainResponse.objects.filter(assessment=draft).select_related("domain").order_by("domain__key").first()
    base = f"/assessments/{cycle.slug}/{DEMO_TRUST}/"
    reviewer = Client()
    reviewer.force_login(people["ics-reviewer"])
    dashboard = reviewer.get(f"/systems/{DEMO_ICS}/")
    dashboard_path = dashboard.url if dashboard.status_code == 302 else f"/systems/{DEMO_ICS}/"
    framework_slug = cycle.framework.version.replace("/", "-")
    framework_domain = f"/framework/{framework_slug}/domains/{domain.domain.key}/"
    kinds = [
        load.PageKind(f"home: {role}", "/", sessions[role])
        for role in ("lead", "contributor", "approver", "ics-reviewer", "ics-board", "analyst", "framework-admin")
    ]
    kinds += [
        load.PageKind("task list (overview)", base, sessions["lead"]),
        load.PageKind("domain page", f"{base}domains/{domain.domain.key}/", sessions["lead"]),
        load.PageKind("check your answers", f"{base}check/", sessions["lead"]),
        load.PageKind("organisation list", "/organisations/", sessions["analyst"]),
        load.PageKind("national assessment list", "/assessments/", sessions["analyst"]),
        load.PageKind("flags list", "/assessments/flags/", sessions["analyst"]),
        load.PageKind("framework versions", "/framework/", sessions["analyst"]),
        load.PageKind("framework version", f"/framework/{framework_slug}/", sessions["lead"]),
        load.PageKind("framework domain", framework_domain, sessions["lead"]),
        load.PageKind("ICS dashboard", dashboard_path, sessions["ics-reviewer"]),
    ]
    return kinds


def load_run() -> None:
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3") and (
        settings["NAME"] == ":memory:" or "mode=memory" in str(settings["NAME"])
    ):
        print(
            "\nLoad run skipped: the benchmark database is an in-memory SQLite database, which a server "
            "process cannot open; run with DATABASE_URL=postgres://... for the load run."
        )
        return
    kinds = page_kinds()
    print(f"\nLoad run: gunicorn (4 sync workers) on {connection.vendor}, {CLIENTS} concurrent clients per page kind:")
    started = time.perf_counter()
    with load.gunicorn(load.database_url(settings)) as address:
        outcomes = load.load_run(address, kinds, clients=CLIENTS, requests=REQUESTS, progress=True)
    bare, pages = outcomes[0], outcomes[1:]
    ratios = sorted(((o.p95 / bare.p95, o.name) for o in pages), reverse=True)
    print(f"  bare view p95 over both of its runs: {bare.p95:.1f} ms; each page kind's p95 against it:")
    print("    " + "; ".join(f"{name} {ratio:.1f}x" for ratio, name in ratios))
    print(
        f"  worst: {ratios[0][1]} at {ratios[0][0]:.1f}x the bare view's p95 (target <= 3x); "
        f"{'every response 200' if all(o.all_ok for o in outcomes) else 'NOT every response was 200'}; "
        f"{time.perf_counter() - started:.0f} s"
    )


def run(measure, report) -> None:
    print("\nPages:")
    _prepare()
    lists(measure, report)
    load_run()
