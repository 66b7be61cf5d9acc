"""The national files on real PostgreSQL: two corrections asked for at the same moment are
numbered one after the other (the cycle's row lock), never both version 2; and the rows are read
through server-side cursors, so memory does not grow with the number of organisations (the
figures are in `python -m benchmarks national_files`)."""

import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessments.models import Cycle
from framework.models import FrameworkVersion
from reports import national_files
from reports.models import NationalRelease
from reports.national_rows import file_layout, long_rows, wide_rows
from tests import factories
from tests.assessments.conftest import frameworks  # noqa: F401  (fixture)
from tests.assessments.services.test_concurrent_edits import run_together

pytestmark = [pytest.mark.needs_postgres]


def _cycle() -> Cycle:
    today = datetime.date.today()
    return Cycle.objects.create(
        name="2025/26", framework=FrameworkVersion.objects.get(version="2025/26"), opens_on=today, closes_on=today
    )


@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_once_make_one_version_and_a_clear_refusal(frameworks, monkeypatch):  # noqa: F811
    cycle = _cycle()
    analysts = []
    for _ in range(2):
        analyst = factories.UserFactory()
        factories.grant(analyst, "national_analyst", None)
        analysts.append(analyst)
    # The broker is down.
    monkeypatch.setattr(national_files, "JOB", replace(national_files.JOB, publish=lambda pk: False))
    first = national_files.national_release_request(cycle=cycle, actor=None)
    NationalRelease.objects.filter(pk=first.pk).update(status="ready")

    results = run_together(
        *(
            lambda actor=actor: national_files.national_release_request(cycle=cycle, actor=actor, change_note="Fix")
            for actor in analysts
        )
    )

    made = [r for r in results if isinstance(r, NationalRelease)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and made[0].version == 2, results
    assert len(refused) == 1 and "Version 2 of these files is still being generated" in refused[0].messages[0]
    assert sorted(NationalRelease.objects.values_list("version", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_rows_are_read_through_server_side_cursors(frameworks, monkeypatch):  # noqa: F811
    cycle = _cycle()
    named = []
    real = connection.create_cursor

    def spy(name=None):
        named.append(name)
        return real(name)

    monkeypatch.setattr(connection, "create_cursor", spy)
    list(wide_rows(cycle, file_layout(cycle)))
    list(long_rows(cycle))
    # The organisations, their measure scores, their domain scores; the long file's domain scores.
    assert len([name for name in named if name]) == 4


@pytest.mark.django_db(transaction=True)
def test_the_wide_files_score_reads_start_from_the_cycle_not_every_cycles_scores(frameworks):  # noqa: F811
    """The measure and domain scores of the wide file are found through the cycle's own
    assessments: a plan that joined every cycle's scores made the file slower with each year
    (27 ms for 244 organisations on their own, 140 ms beside four more cycles)."""
    cycle = _cycle()
    captured = []

    def keep(execute, sql, params, many, context):
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        list(wide_rows(cycle, file_layout(cycle)))
    tables = ('FROM "assessments_measurescore"', 'FROM "assessments_domainscore"')
    score_reads = [sql for sql in captured if any(table in sql for table in tables)]
    assert len(score_reads) == 2
    assert all('"assessments_assessment"."cycle_id" = ' in sql for sql in score_reads)
