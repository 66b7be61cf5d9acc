"""Without a broker, in "thread" mode (the development default), a requested report is rendered
on the background thread after the page has answered, not while the person waits for it."""

import threading

import pytest

from assessments.tasks import wait_for_inprocess_tasks
from reports import services
from reports.models import BoardReport

# The background thread has its own database connection: it must see what the test committed.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_request_answers_before_the_render_and_the_report_is_ready_after(
    client, scored, team, settings, monkeypatch
):
    settings.WGLL_INPROCESS_TASKS = "thread"
    rendering, finish, finished = threading.Event(), threading.Event(), threading.Event()
    real_pdf = services.report_pdf

    def slow_pdf(data, on_step=None):
        rendering.set()
        assert finish.wait(10), "the test never let the render finish"
        pdf = real_pdf(data, on_step=on_step)
        finished.set()
        return pdf

    monkeypatch.setattr(services, "report_pdf", slow_pdf)
    client.force_login(team["lead"])
    try:
        response = client.post(f"/reports/{scored.cycle.slug}/{scored.organisation.ods_code}/request/")

        assert response.status_code == 302
        assert not finished.is_set()  # the page answered while the render had not finished
        assert rendering.wait(30)  # ... and the render is under way on the background thread
        assert BoardReport.objects.get(assessment=scored).status == BoardReport.Status.RENDERING
    finally:
        finish.set()
        wait_for_inprocess_tasks(timeout=60)

    report = BoardReport.objects.get(assessment=scored)
    assert report.status == BoardReport.Status.READY, report.error
    assert report.file and finished.is_set()
