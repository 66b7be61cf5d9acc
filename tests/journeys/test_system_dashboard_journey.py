"""An ICS board viewer of North Central London, in Debian's Chromium: the dashboard's figures
against the scores in the database (computed here independently), the drill-down to a domain,
one chart's CSV, the same figures without JavaScript, and axe-core on every dashboard page.

The data: the real organisations and the real 2024/25 and 2025/26 frameworks, every organisation's
assessment submitted with scores drawn at random by the pure scoring rules (in bulk: this journey
is about reading figures, not answering), two of North Central London's trusts left in progress
this year, and each cycle's comparison figures computed by the real refresh. The board pack's
journey (requested here, rendered by a real worker) is test_system_pack_journey.py.
"""

import csv
import io
import random
import statistics
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment, AssessmentScore, Cycle
from benchmarks.dashboards import bulk_scores
from framework.models import FrameworkVersion
from organisations.models import IntegratedCareSystem, Organisation
from reports.refresh import cycle_figures_refresh
from tests.factories import UserFactory, grant
from tests.journeys.test_assessment_journeys import Journey

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

NCL = "QMJ"


def one(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.fixture
def england():
    call_command("load_organisations", verbosity=0)
    call_command("load_framework", verbosity=0)
    rng = random.Random(10)
    today = timezone.localdate()
    organisations = list(Organisation.objects.all())
    ncl_trusts = list(Organisation.objects.filter(ics__icb_ods_code=NCL, kind=Organisation.Kind.TRUST).order_by("name"))
    in_progress = ncl_trusts[:2]
    cycles = []
    for name, opened in (("2024/25", 500), ("2025/26", 100)):
        cycle = Cycle.objects.create(
            name=name,
            framework=FrameworkVersion.objects.get(version=name),
            opens_on=today - timezone.timedelta(days=opened),
            closes_on=today - timezone.timedelta(days=opened - 90),
        )
        chosen = [o for o in organisations if not (name == "2025/26" and o in in_progress)]
        bulk_scores(cycle, chosen, rng, status=Assessment.Status.VALIDATED if name == "2024/25" else "submitted")
        cycles.append(cycle)
    last, this = cycles
    Assessment.objects.bulk_create(
        Assessment(cycle=this, organisation=o, status=s)
        for o, s in zip(in_progress, ["draft", "ready_for_sign_off"], strict=True)
    )
    previous = dict(Assessment.objects.filter(cycle=last).values_list("organisation_id", "pk"))
    for assessment in Assessment.objects.filter(cycle=this):
        Assessment.objects.filter(pk=assessment.pk).update(previous_id=previous.get(assessment.organisation_id))
    for cycle in cycles:
        cycle_figures_refresh(cycle_id=cycle.pk)
    board = UserFactory(first_name="Board", last_name="Viewer")
    grant(board, "ics_board_viewer", IntegratedCareSystem.objects.get(icb_ods_code=NCL))
    return this, board, in_progress


def expected_figures(cycle):
    scores = AssessmentScore.objects.filter(
        assessment__cycle=cycle,
        assessment__status__in=Assessment.SUBMITTED_OR_LATER,
        assessment__organisation__kind=Organisation.Kind.TRUST,
    ).select_related("assessment__organisation__ics")
    mine = [s.overall for s in scores if s.assessment.organisation.ics.icb_ods_code == NCL]
    everyone = [s.overall for s in scores]
    return {
        "median": one(statistics.median(mine)),
        "mean": one(sum(mine) / len(mine)),
        "lowest": min(mine),
        "highest": max(mine),
        "england": one(statistics.median(everyone)),
        "counted": len(mine),
    }


def summary_value(page, key: str) -> str:
    row = page.locator(".nhsuk-summary-list__row", has=page.locator("dt", has_text=key)).first
    return row.locator("dd").inner_text()


def test_board_viewer_reads_the_dashboard_drills_down_and_downloads(browser, live_server, england, tmp_path):
    cycle, board, in_progress = england
    expected = expected_figures(cycle)
    journey = Journey(browser, live_server.url)
    page = journey.sign_in(board)

    page.get_by_role("link", name="North Central London").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/systems/{NCL}/{cycle.slug}/")
    journey.audit()
    median = summary_value(page, "Median overall score")
    assert median.startswith(str(expected["median"]))
    assert f"lowest {expected['lowest']}, highest {expected['highest']}" in median
    assert summary_value(page, "Plain average").strip() == str(expected["mean"])
    assert str(expected["england"]) in summary_value(page, "All trusts in England")
    assert f"of which {expected['counted']} with submitted results" in summary_value(page, "Trusts in the system")
    table = page.locator("table.app-heatmap")
    for trust in in_progress:
        row = table.locator("tr", has=page.locator("th", has_text=trust.name))
        assert "Not yet submitted" in row.inner_text()
        assert row.locator("a").count() == 0  # a board viewer never opens work in progress

    # The chart card: its CSV holds what its table shows (each part is a tab with JavaScript).
    page.locator("#spread .nhsuk-tabs__tab", has_text="Download").click()
    with page.expect_download() as download:
        page.locator("a[href$='/charts/spread.csv']").first.click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Measure", "Lowest", "Median", "Highest", "Trusts"]
    assert len(rows) == 8  # seven measures
    page.locator("#spread .nhsuk-tabs__tab", has_text="Table").click()
    spread_table = page.locator("#spread table").first
    assert spread_table.is_visible()
    for measure, lowest, median_value, highest, _ in rows[1:]:
        cells = spread_table.locator("tr", has=page.locator("th", has_text=measure)).first.inner_text()
        assert lowest in cells and median_value in cells and highest in cells

    # Drill down: a measure, then a domain, then the trusts at each level.
    page.get_by_role("link", name="Smart foundations").first.click()
    page.wait_for_load_state()
    journey.audit()
    page.locator("table a").first.click()
    page.wait_for_load_state()
    journey.audit()
    assert "Which trusts are at each level" in page.content()
    listed = page.locator("#at-level a").count()
    assert listed >= 1
    assert all(t.name not in page.locator("#at-level").inner_text() for t in in_progress)

    journey.assert_accessible()


def test_without_javascript_the_dashboard_shows_the_same_figures(browser, live_server, england):
    cycle, board, _ = england
    expected = expected_figures(cycle)
    journey = Journey(browser, live_server.url)
    journey.sign_in(board)
    path = f"/systems/{NCL}/{cycle.slug}/"
    journey.go(path)
    with_js = journey.page.locator("table.app-heatmap").inner_text()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.context.add_cookies(journey.page.context.cookies())
    page.goto(live_server.url + path)
    assert page.locator("table.app-heatmap").inner_text() == with_js
    assert summary_value(page, "Median overall score").startswith(str(expected["median"]))
    # Every card's sections are headed and visible: chart, table, download, about.
    for heading in ("Chart", "Table", "Download", "About"):
        assert page.locator("h3", has_text=heading).count() >= 3, heading
    context.close()
