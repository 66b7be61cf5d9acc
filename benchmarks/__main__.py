"""`make bench`: print benchmark figures, each with a baseline measured in the same run.

Figures are printed, never asserted: speed targets live here, not in unit tests. Runs against a
throwaway test database on whatever DATABASE_URL points at (SQLite by default).
"""

import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wgll.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def measure(function: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Median wall time in ms over `repeat` runs, and peak traced memory in MiB of one run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def report(name: str, subject: tuple[float, float], baseline_name: str, baseline: tuple[float, float]) -> None:
    ratio = subject[0] / baseline[0] if baseline[0] else float("inf")
    print(f"{name:<52} {subject[0]:>9.1f} ms  peak {subject[1]:>6.1f} MiB")
    print(f"  baseline: {baseline_name:<40} {baseline[0]:>9.1f} ms  peak {baseline[1]:>6.1f} MiB")
    print(f"  ratio: {ratio:.1f}x")


def run_all(measure: Callable = measure, report: Callable = report) -> None:
    """Every benchmark, in the order `make bench` runs them on one database: each finds what the
    ones before it left (the demo history the pages seed, the cycles scoring opens), which a test
    runs at a tiny size (tests/test_benchmarks.py), so the whole run cannot break unseen."""
    from benchmarks import (
        dashboards,
        flag_evaluation,
        foundation,
        national_files,
        pages,
        recovery,
        reports,
        scoring,
        service_time,
    )

    flag_evaluation.run()
    print()
    foundation.run(measure, report)
    pages.run(measure, report)
    service_time.run(measure, report)
    # Before scoring leaves 25,000 synthetic organisations and their submissions behind: the
    # sweeps would queue those ahead of the renders recovery times, and the dashboards would be
    # measured at 25,000 organisations rather than at 244 and ten times as many.
    recovery.run(measure, report)
    dashboards.run(measure, report)
    scoring.run(measure, report)
    reports.run(measure, report)
    national_files.run(measure, report)


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from benchmarks import national_files, pages, recovery, service_time

        print(f"Database: {connection.vendor}\n")
        alone = {"national_files": national_files, "pages": pages, "recovery": recovery, "service_time": service_time}
        if sys.argv[1:2] and sys.argv[1] in alone:  # `python -m benchmarks pages`: that one alone
            alone[sys.argv[1]].run(measure, report)
            return
        run_all()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
