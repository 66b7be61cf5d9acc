"""The ICS dashboard and the national dashboard: query count and time of the whole page
(selectors, chart cards, template) for North Central London and for England at today's 42 ICSs /
244 organisations, and again with ten times as many organisations (synthetic trusts spread over
every ICS), against the bare health view; and the cycle's refresh (figures, submission progress
and open flags) against the pure aggregation of the same members.

Scores are bulk-created from random levels with the pure scoring rules (this measures reading and
rendering figures, not scoring), in a cycle of its own named after every other so it is the
latest with results.
"""

from __future__ import annotations

import os
import random
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle, DomainScore, MeasureScore
from assessments.rules import scoring
from framework.models import Domain, FrameworkVersion
from organisations.models import IntegratedCareSystem, Organisation, Role, RoleAssignment, User
from reports.aggregates import cycle_aggregates
from reports.refresh import cycle_figures_refresh, scored_members

CYCLE = "2099/00"
SCALE = int(os.environ.get("WGLL_BENCH_DASHBOARD_SCALE", "10"))  # times today's organisations
SETTINGS = ["acute", "acute", "acute", "mental_health", "community", "acute_specialist", "ambulance"]


def bulk_scores(
    cycle: Cycle, organisations: list[Organisation], rng: random.Random, status: str = Assessment.Status.SUBMITTED
) -> None:
    """Submitted assessments with scores from random levels by the pure scoring rules, in bulk
    (also the browser journey's data: real organisations with scores, built in seconds)."""
    domains = list(Domain.objects.filter(framework=cycle.framework).select_related("measure"))
    now = timezone.now()
    with transaction.atomic():
        assessments = Assessment.objects.bulk_create(
            Assessment(cycle=cycle, organisation=o, status=status, submitted_at=now) for o in organisations
        )
        scores, domain_rows, measure_rows = [], [], []
        for organisation, assessment in zip(organisations, assessments, strict=True):
            is_icb = organisation.kind == Organisation.Kind.ICB
            applicable = [d for d in domains if d.applies_to(organisation.care_settings, is_icb=is_icb)]
            levels = {d: rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]) for d in applicable}
            by_measure: dict = {}
            for domain, level in levels.items():
                by_measure.setdefault(domain.measure, []).append(level)
            measures = {m: scoring.measure_score(v) for m, v in by_measure.items()}
            score = AssessmentScore(
                assessment=assessment,
                overall=scoring.overall_score(measures.values()),
                method_version=scoring.SCORING_METHOD_VERSION,
                answers_submitted_at=now,
                scored_at=now,
            )
            scores.append(score)
            domain_rows.append(list(levels.items()))
            measure_rows.append([(m, value, len(by_measure[m])) for m, value in measures.items()])
        AssessmentScore.objects.bulk_create(scores, batch_size=2000)
        DomainScore.objects.bulk_create(
            (
                DomainScore(score=s, domain=d, domain_key=d.key, measure_key=d.measure.key, level=level)
                for s, rows in zip(scores, domain_rows, strict=True)
                for d, level in rows
            ),
            batch_size=5000,
        )
        MeasureScore.objects.bulk_create(
            (
                MeasureScore(
                    score=s, measure_key=m.key, measure_name=m.name, position=m.position, value=v, domain_count=n
                )
                for s, rows in zip(scores, measure_rows, strict=True)
                for m, v, n in rows
            ),
            batch_size=5000,
        )


def _synthetic(count: int, rng: random.Random) -> list[Organisation]:
    systems = list(IntegratedCareSystem.objects.order_by("pk"))
    return Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"Y{n:05d}",
            name=f"Synthetic Trust {n}",
            official_name=f"SYNTHETIC TRUST {n}",
            kind=Organisation.Kind.TRUST,
            ics=systems[n % len(systems)],
            care_settings=[SETTINGS[n % len(SETTINGS)]],
        )
        for n in range(count)
    )


def _page(client: Client, path: str, repeat: int = 5) -> tuple[float, int, int]:
    """Median ms, queries and status of GET `path` (after one warm-up request)."""
    client.get(path)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2], len(queries.captured_queries), response.status_code


def run(measure, report) -> None:
    """In one transaction rolled back at the end, as the lists benchmark does: the synthetic
    organisations go, so the benchmarks after this one measure what they say."""
    with transaction.atomic():
        _run(measure, report)
        transaction.set_rollback(True)


def _run(measure, report) -> None:
    rng = random.Random(2026)
    framework = FrameworkVersion.objects.get(version="2025/26")
    cycle = Cycle.objects.create(
        name=CYCLE, framework=framework, opens_on=timezone.localdate(), closes_on=timezone.localdate()
    )
    # The real organisations (the scoring benchmark's synthetic ones are in an ICS of their own).
    real = list(Organisation.objects.exclude(ics__icb_ods_code="QZZ").exclude(ods_code="QZZ"))
    bulk_scores(cycle, real, rng)
    systems = len({o.ics_id for o in real})
    ncl = IntegratedCareSystem.objects.get(icb_ods_code="QMJ")
    analyst = User.objects.create_user("bench-dashboard@england.nhs.uk")
    RoleAssignment.objects.create(user=analyst, role=Role.NATIONAL_ANALYST)
    client = Client()
    client.force_login(analyst)
    path = f"/systems/QMJ/{cycle.slug}/"
    national = f"/national/{cycle.slug}/"

    print(f"\nICS dashboard ({ncl.short_name}), cycle {CYCLE}:")
    with override_settings(DEBUG=False):
        figures, national_figures = [], []
        for label, extra in (("today", 0), (f"{SCALE}x", (SCALE - 1) * len(real))):
            if extra:
                bulk_scores(cycle, _synthetic(extra, rng), rng)
            if connection.vendor == "postgresql":
                # Planner statistics for the rows just bulk-created, as autovacuum keeps them on a
                # live database (without them the member reads planned for empty tables).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            members = scored_members(cycle.pk)
            report(
                f"figure refresh, {len(members):,} organisations",
                measure(lambda: cycle_figures_refresh(cycle_id=cycle.pk), 3),
                "pure aggregation of the same members",
                measure(lambda members=members: cycle_aggregates(members), 3),
            )
            page_ms, queries, status = _page(client, path)
            health_ms, _, _ = _page(client, "/health/")
            trusts = Organisation.objects.filter(ics=ncl, kind=Organisation.Kind.TRUST).count()
            figures.append((page_ms, queries))
            national_ms, national_q, national_status = _page(client, national)
            national_figures.append((national_ms, national_q))
            print(
                f"  {label}: {len(members):,} organisations in {systems} ICSs ({trusts} trusts in {ncl.short_name}): "
                f"dashboard {page_ms:.1f} ms, {queries} queries (HTTP {status}); /health/ {health_ms:.1f} ms "
                f"(ratio {page_ms / health_ms:.1f}x)"
            )
            print(
                f"  {label}: national dashboard {national_ms:.1f} ms, {national_q} queries (HTTP {national_status}) "
                f"(ratio to /health/ {national_ms / health_ms:.1f}x)"
            )
        for name, ((today_ms, today_q), (big_ms, big_q)) in (("ICS", figures), ("national", national_figures)):
            equal = "equal" if today_q == big_q else "NOT EQUAL"
            print(f"  {name} {SCALE}x / today: time {big_ms / today_ms:.2f}x, queries {today_q} -> {big_q} ({equal})")
