"""`make bench` keeps working: every benchmark runs end to end at a tiny size, each measured
function once. Figures are never asserted here (speed targets live in the benchmarks); this only
stops a refactor from breaking the benchmark code that nobody runs in CI otherwise."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def once(function, repeat=1):
    function()
    return (1.0, 0.0)


def test_every_benchmark_runs_at_a_tiny_size(monkeypatch, capsys):
    from benchmarks import dashboards, flag_evaluation, foundation, reports, scoring

    monkeypatch.setattr(scoring, "NATIONAL_ORGANISATIONS", 20)
    monkeypatch.setattr(reports, "RENDERS", 1)
    monkeypatch.setattr(dashboards, "SCALE", 2)
    printed = []
    for benchmark in (foundation, scoring, reports, dashboards):
        benchmark.run(once, lambda *figures: printed.append(figures))
    monkeypatch.setattr(flag_evaluation, "SYSTEMS", 6)
    [outcome] = flag_evaluation.run(seeds=(1,))
    assert outcome.gamed and outcome.clean
    output = capsys.readouterr().out
    assert "recall per pattern and strength" in output
    assert len(printed) >= 6
    assert "Python and SQL identical" in output and "Board report:" in output
    assert "ICS 2x / today: time" in output and "(HTTP 200)" in output
    assert "national dashboard" in output and "national 2x / today" in output


def test_the_pages_benchmark_runs_at_a_tiny_size(monkeypatch, capsys):
    from benchmarks import pages

    monkeypatch.setattr(pages, "SCALE", 2)
    monkeypatch.setattr(pages, "CLIENTS", 2)
    monkeypatch.setattr(pages, "REQUESTS", 1)
    printed = []
    pages.run(once, lambda *figures: printed.append(figures))
    output = capsys.readouterr().out
    assert len(printed) == 3  # each list against itself at today's size
    assert "organisation list: " in output and "queries" in output and "(HTTP 200)" in output
    if connection.vendor == "postgresql":
        assert "every response 200" in output and "ICS dashboard" in output
    else:
        assert "Load run skipped" in output
