"""`make bench` keeps working: every benchmark runs end to end at a tiny size, each measured
function once. Figures are never asserted here (speed targets live in the benchmarks); this only
stops a refactor from breaking the benchmark code that nobody runs in CI otherwise."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def once(function, repeat=1):
    function()
    return (1.0, 0.0)


def test_make_bench_runs_every_benchmark_in_its_order_at_a_tiny_size(monkeypatch, capsys):
    """All of them on one database, in `make bench`'s order: each meets what the ones before it
    left (a benchmark opening a cycle the demo history already has once broke the whole run)."""
    from benchmarks import (
        dashboards,
        flag_evaluation,
        national_files,
        pages,
        recovery,
        reports,
        scoring,
        service_time,
    )
    from benchmarks.__main__ import run_all

    monkeypatch.setattr(flag_evaluation, "SYSTEMS", 6)
    evaluate = flag_evaluation.run
    outcomes = []
    monkeypatch.setattr(flag_evaluation, "run", lambda: outcomes.extend(evaluate(seeds=(1,))))
    monkeypatch.setattr(pages, "SCALE", 2)
    monkeypatch.setattr(pages, "CLIENTS", 2)
    monkeypatch.setattr(pages, "REQUESTS", 1)
    monkeypatch.setattr(service_time, "REQUESTS", 1)
    monkeypatch.setattr(scoring, "NATIONAL_ORGANISATIONS", 20)
    monkeypatch.setattr(reports, "RENDERS", 1)
    monkeypatch.setattr(dashboards, "SCALE", 2)
    monkeypatch.setattr(recovery, "REPORTS", 1)
    monkeypatch.setattr(recovery, "SWEEP_SECONDS", 1)
    monkeypatch.setattr(national_files, "SIZES", (5, 10))
    printed = []
    run_all(once, lambda *figures: printed.append(figures))
    output = capsys.readouterr().out
    [outcome] = outcomes
    assert outcome.gamed and outcome.clean
    assert "recall per pattern and strength" in output
    assert len(printed) >= 9
    assert "organisation list: " in output and "queries" in output and "(HTTP 200)" in output
    assert "Service time in process" in output and "page kind" in output
    assert "Python and SQL identical" in output and "Board report:" in output
    assert "ICS 2x / today: time" in output
    assert "national dashboard" in output and "national 2x / today" in output
    assert "Traceback" not in output
    if connection.vendor == "postgresql":
        assert "every response 200" in output and "ICS dashboard" in output
        assert "Recovery after a Redis outage" in output and "National CSV export" in output
    else:
        assert "Load run skipped" in output
