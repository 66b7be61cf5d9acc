"""A board report requested in the portal is rendered by a real worker process via Redis."""

import time

import pytest

from reports.models import BoardReport
from reports.services import report_request
from tests.reports.conftest import pdf_text

pytestmark = [pytest.mark.needs_worker, pytest.mark.django_db(transaction=True)]


def test_a_requested_report_is_rendered_by_a_worker(celery_workers, assessment, team):
    from assessments.services.scoring import assessment_score
    from tests.assessments.conftest import complete_everything
    from tests.reports.conftest import submit

    complete_everything(assessment, team["lead"], level=2)
    celery_workers.start()
    submitted = submit(assessment, team)
    assessment_score(assessment_id=submitted.pk)  # the worker may also score it; either way it is scored

    report = report_request(assessment=submitted, actor=team["viewer"])

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in {BoardReport.Status.READY, BoardReport.Status.FAILED}:
            break
        time.sleep(0.3)
    assert report.status == BoardReport.Status.READY, report.error
    assert submitted.organisation.name in pdf_text(report)
