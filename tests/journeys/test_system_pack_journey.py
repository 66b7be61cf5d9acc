"""An ICS board viewer of North Central London asks for the board pack on the dashboard, in
Debian's Chromium; a real Celery worker renders it while the page follows its progress (with
JavaScript, in place), and the downloaded PDF's text is checked. axe-core on the pack page.

The data is the dashboard journey's (real organisations and frameworks, scores in bulk)."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from organisations.models import Organisation
from reports.models import FigureSet, SystemPack
from tests.journeys import test_system_dashboard_journey as dashboard_journey
from tests.journeys.test_assessment_journeys import Journey
from tests.reports.conftest import squashed

pytestmark = [pytest.mark.needs_chromium, pytest.mark.needs_worker, pytest.mark.django_db(transaction=True)]

NCL = dashboard_journey.NCL
england = dashboard_journey.england


def test_board_viewer_asks_for_the_board_pack_and_a_worker_renders_it(
    browser, live_server, celery_workers, england, tmp_path
):
    cycle, board, in_progress = england
    celery_workers.start()
    journey = Journey(browser, live_server.url)
    page = journey.sign_in(board)
    journey.go(f"/systems/{NCL}/{cycle.slug}/")
    section = page.locator("section.app-board-pack")
    assert "No board pack has been produced" in section.inner_text()

    section.get_by_role("button", name="Create the board pack").click()
    page.wait_for_load_state()
    journey.submissions += 1
    assert page.url.endswith(f"/systems/{NCL}/{cycle.slug}/pack/")
    journey.audit()  # the pack page while the pack is on its way
    # report-status.mjs swaps the versions in place until the download link appears.
    download_link = page.locator("#report-versions a", has_text="Download")
    download_link.wait_for(timeout=90_000)
    assert "Ready" in page.locator("#report-versions").inner_text()
    with page.expect_download() as download:
        download_link.click()
    pdf = Path(download.value.path()).read_bytes()
    journey.assert_accessible()

    pack = SystemPack.objects.get()
    assert pack.status == SystemPack.Status.READY and pack.requested_by == board
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == pack.pages
    text = squashed("\n".join(pages))
    assert squashed("NHS North Central London Integrated Care Board") in text
    assert squashed(f"Digital maturity board pack {cycle.name}") in text
    from assessments.rules.dates import long_datetime

    assert squashed(f"Figures computed {long_datetime(FigureSet.objects.get(cycle=cycle).computed_at)}") in text
    for trust in Organisation.objects.filter(ics__icb_ods_code=NCL, kind=Organisation.Kind.TRUST):
        assert sum(squashed(f"Appendix: {trust.name}") in p for p in map(squashed, pages)) == 1, trust.name
    for trust in in_progress:  # a board viewer's pack never shows work in progress as such
        page_text = squashed(next(p for p in pages if squashed(f"Appendix: {trust.name}") in squashed(p)))
        assert "Notyetsubmitted" in page_text and "Draft" not in page_text

    # Back on the dashboard, the version is listed with its download.
    journey.go(f"/systems/{NCL}/{cycle.slug}/")
    assert f"Number {pack.pk}" in section.inner_text() and "Ready" in section.inner_text()
