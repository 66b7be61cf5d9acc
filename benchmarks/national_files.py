"""The national CSV (one row per organisation): export time and peak Python memory at today's 244
organisations and at 25,000 (synthetic, as a future with primary and social care would bring),
against PostgreSQL's own `COPY` of the same rows in the same run, and the memory growth between
the two sizes (the row builder streams, so it should be flat).

Organisations, assessments and scores are bulk-created (published, scores from random levels by
the pure scoring rules: benchmarks.dashboards.bulk_scores), one cycle per size. PostgreSQL only:
on SQLite there is no server-side cursor or COPY to compare with.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from itertools import zip_longest

from django.db import connection
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle, DomainScore, MeasureScore
from benchmarks.dashboards import SETTINGS, bulk_scores
from framework.models import FrameworkVersion
from organisations.models import IntegratedCareSystem, Organisation, Region
from reports.national_rows import VALIDATED_OR_LATER, file_layout, wide_rows, write_csv

SIZES = (244, int(os.environ.get("WGLL_BENCH_NATIONAL_ORGANISATIONS", "25000")))


def _organisations(count: int) -> list[Organisation]:
    systems = list(IntegratedCareSystem.objects.order_by("pk"))
    return Organisation.objects.bulk_create(
        (
            Organisation(
                ods_code=f"X{n:05d}",
                name=f"Synthetic Provider {n}",
                official_name=f"SYNTHETIC PROVIDER {n}",
                kind=Organisation.Kind.TRUST,
                ics=systems[n % len(systems)],
                care_settings=[SETTINGS[n % len(SETTINGS)]],
            )
            for n in range(count)
        ),
        batch_size=5000,
    )


def _export(cycle: Cycle, path: str) -> int:
    layout = file_layout(cycle)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        return write_csv(stream, [c.name for c in layout.wide_columns], wide_rows(cycle, layout))


def _copy_sql(cycle: Cycle) -> str:
    """The wide file's rows as one SQL query: the measure and domain columns pivoted per score."""
    layout = file_layout(cycle)
    table = {
        model: model._meta.db_table
        for model in (Assessment, AssessmentScore, MeasureScore, DomainScore, Organisation, IntegratedCareSystem)
    }
    with connection.cursor() as cursor:

        def literal(value) -> str:
            return cursor.mogrify("%s", [value]).decode()

        measures = ", ".join(
            f"max(value) FILTER (WHERE measure_key = {literal(key)}) AS m{n}"
            for n, (key, _) in enumerate(layout.measures)
        )
        domains = ", ".join(
            f"max(level) FILTER (WHERE domain_key = {literal(key)}) AS d{n}"
            for n, (key, *_) in enumerate(layout.domains)
        )
        shown = "a.status = 'published'"
        when = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
        validated = ", ".join(literal(status) for status in sorted(VALIDATED_OR_LATER))
        columns = [
            "o.ods_code", "o.name", "o.kind", "r.ods_code", "r.name", "i.icb_ods_code", "i.name",
            "(SELECT string_agg(t.value, ';' ORDER BY t.ord) FROM jsonb_array_elements_text(o.care_settings)"
            " WITH ORDINALITY AS t(value, ord))",
            "o.care_settings->>0", "a.status", f"CASE WHEN a.status IN ({validated}) THEN 'yes' ELSE 'no' END",
            when.format("a.submitted_at"), f"CASE WHEN {shown} THEN s.overall END",
            *(f"CASE WHEN {shown} THEN m.m{n} END" for n in range(len(layout.measures))),
            *(f"CASE WHEN {shown} THEN d.d{n} END" for n in range(len(layout.domains))),
            literal(layout.framework_version), f"CASE WHEN {shown} THEN s.method_version END",
            f"CASE WHEN {shown} THEN {when.format('s.scored_at')} END",
        ]  # fmt: skip
        return (
            f"COPY (SELECT {', '.join(columns)} FROM {table[Assessment]} a"
            f" JOIN {table[Organisation]} o ON o.id = a.organisation_id"
            f" JOIN {table[IntegratedCareSystem]} i ON i.id = o.ics_id"
            f" JOIN {Region._meta.db_table} r ON r.id = i.region_id"
            f" LEFT JOIN {table[AssessmentScore]} s ON s.assessment_id = a.id"
            f" LEFT JOIN LATERAL (SELECT {measures} FROM {table[MeasureScore]} WHERE score_id = s.id) m ON true"
            f" LEFT JOIN LATERAL (SELECT {domains} FROM {table[DomainScore]} WHERE score_id = s.id) d ON true"
            f" WHERE a.cycle_id = {int(cycle.pk)} ORDER BY o.ods_code) TO STDOUT WITH (FORMAT csv)"
        )


def _copy(sql: str, path: str) -> None:
    with open(path, "w", encoding="utf-8") as stream, connection.cursor() as cursor:
        cursor.copy_expert(sql, stream)  # psycopg2, through Django's cursor wrapper


def run(measure, report) -> None:
    print("\nNational CSV export (one row per organisation)")
    if connection.vendor != "postgresql":
        print(f"  skipped: needs PostgreSQL (server-side cursors and COPY; the database is {connection.vendor}).")
        print("  Run: DATABASE_URL=postgres://user@host:5432/dbname make bench")
        return
    if not FrameworkVersion.objects.filter(version="2025/26").exists() or not IntegratedCareSystem.objects.exists():
        from framework.services import DEFINITIONS_DIR, framework_load
        from organisations.services import organisations_load_reference_data

        organisations_load_reference_data()
        framework_load(path=DEFINITIONS_DIR)
    rng = random.Random(2027)
    framework = FrameworkVersion.objects.get(version="2025/26")
    start = time.perf_counter()
    organisations = _organisations(max(SIZES))
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="wgll-bench-national-") as folder:
        ours, theirs = os.path.join(folder, "ours.csv"), os.path.join(folder, "copy.csv")
        for n, size in enumerate(SIZES):
            cycle = Cycle.objects.create(
                name=f"209{n}/9{n}", framework=framework, opens_on=timezone.localdate(), closes_on=timezone.localdate()
            )
            bulk_scores(cycle, organisations[:size], rng, status=Assessment.Status.PUBLISHED)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
            print(f"  set-up of {size:,} organisations: {time.perf_counter() - start:.0f} s so far")
            repeat = 3 if size < 1000 else 1
            subject = measure(lambda cycle=cycle: _export(cycle, ours), repeat)
            sql = _copy_sql(cycle)
            baseline = measure(lambda sql=sql: _copy(sql, theirs), repeat)
            with open(ours, encoding="utf-8", newline="") as a, open(theirs, encoding="utf-8", newline="") as b:
                next(a)  # our header; COPY writes none
                ours_rows, copy_rows, same = 0, 0, True
                for mine, copied in zip_longest(a, b):
                    ours_rows += mine is not None
                    copy_rows += copied is not None
                    same = (
                        same and mine is not None and copied is not None and mine.rstrip("\r\n") == copied.rstrip("\n")
                    )
            report(f"national CSV, {size:,} organisations", subject, "PostgreSQL COPY of the same rows", baseline)
            print(f"  rows: {ours_rows:,} written, {copy_rows:,} by COPY; the same text: {'yes' if same else 'no'}")
            peaks[size] = subject[1]
    small, large = SIZES
    print(
        f"  memory growth from {small:,} to {large:,} organisations: "
        f"{peaks[large] - peaks[small]:+.1f} MiB ({peaks[small]:.1f} -> {peaks[large]:.1f} MiB peak)"
    )
