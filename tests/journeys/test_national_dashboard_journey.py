"""A national analyst, in Debian's Chromium: from the home page's headline to the national
dashboard, a card's table against the scores in the database (computed here independently), its
CSV download, the drill-down to a measure and a domain, and axe-core on every page.

The data: the real organisations and the real 2024/25 and 2025/26 frameworks, every
organisation's assessment submitted with scores drawn at random by the pure scoring rules (in
bulk: this journey is about reading figures), 2025/26 still open with three trusts not yet
submitted, and each cycle's figures and counts computed by the real refresh.
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
from organisations.models import Organisation
from reports.refresh import cycle_figures_refresh
from tests.factories import UserFactory, grant
from tests.journeys.test_assessment_journeys import Journey

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


def one(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.fixture
def england():
    call_command("load_organisations", verbosity=0)
    call_command("load_framework", verbosity=0)
    rng = random.Random(12)
    today = timezone.localdate()
    organisations = list(Organisation.objects.order_by("ods_code"))
    waiting = [o for o in organisations if o.kind == Organisation.Kind.TRUST][:3]
    cycles = []
    for name, opened, closes in (("2024/25", 500, -410), ("2025/26", 30, 20)):
        cycle = Cycle.objects.create(
            name=name,
            framework=FrameworkVersion.objects.get(version=name),
            opens_on=today - timezone.timedelta(days=opened),
            closes_on=today + timezone.timedelta(days=closes),
        )
        chosen = [o for o in organisations if not (name == "2025/26" and o in waiting)]
        bulk_scores(cycle, chosen, rng, status=Assessment.Status.VALIDATED if name == "2024/25" else "submitted")
        cycles.append(cycle)
    this = cycles[1]
    Assessment.objects.bulk_create(
        Assessment(cycle=this, organisation=o, status=s)
        for o, s in zip(waiting, ["draft", "draft", "ready_for_sign_off"], strict=True)
    )
    for cycle in cycles:
        cycle_figures_refresh(cycle_id=cycle.pk)
    analyst = UserFactory(first_name="National", last_name="Analyst")
    grant(analyst, "national_analyst")
    return this, analyst


def regional_medians(cycle) -> dict[str, tuple[Decimal, int]]:
    scores = AssessmentScore.objects.filter(
        assessment__cycle=cycle,
        assessment__status__in=Assessment.SUBMITTED_OR_LATER,
        assessment__organisation__kind=Organisation.Kind.TRUST,
    ).values_list("assessment__organisation__ics__region__name", "overall")
    by_region: dict[str, list[Decimal]] = {}
    for region, overall in scores:
        by_region.setdefault(region, []).append(overall)
    return {region: (one(statistics.median(values)), len(values)) for region, values in by_region.items()}


def test_analyst_opens_the_dashboard_reads_a_card_and_downloads_its_csv(browser, live_server, england):
    cycle, analyst = england
    expected = regional_medians(cycle)
    journey = Journey(browser, live_server.url)
    page = journey.sign_in(analyst)
    headline = page.locator("#national-headline").inner_text()
    assert "2025/26 submissions" in headline and "20 days left" in headline
    assert "3 not started" not in headline  # two drafts with nothing saved, one ready for sign-off
    assert "2 not started" in headline

    page.get_by_role("link", name="See the national dashboard").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/national/{cycle.slug}/")
    journey.audit()

    # The regions card: its table shows each region's median, and its CSV holds the same rows.
    page.locator("#regions .nhsuk-tabs__tab", has_text="Table").click()
    table = page.locator("#regions table").first
    assert table.is_visible()
    for region, (median, size) in expected.items():
        cells = table.locator("tr", has=page.locator("th", has_text=region)).first.inner_text()
        assert str(median) in cells and str(size) in cells, region
    page.locator("#regions .nhsuk-tabs__tab", has_text="Download").click()
    with page.expect_download() as download:
        page.locator("a[href$='/charts/regions.csv']").first.click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Region", "Median", "Mean", "Lowest", "Highest", "Trusts"]
    assert {row[0]: (Decimal(row[1]), int(row[5])) for row in rows[1:]} == expected

    # Drill down: a measure, then one of its domains.
    page.get_by_role("link", name="Smart foundations").first.click()
    page.wait_for_load_state()
    journey.audit()
    page.locator("main ul.nhsuk-list a").first.click()
    page.wait_for_load_state()
    journey.audit()
    assert "at each level" in page.content()
    journey.assert_accessible()


def test_without_javascript_every_card_reads_as_headed_sections(browser, live_server, england):
    cycle, analyst = england
    journey = Journey(browser, live_server.url)
    journey.sign_in(analyst)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.context.add_cookies(journey.page.context.cookies())
    page.goto(f"{live_server.url}/national/{cycle.slug}/")
    for heading in ("Chart", "Table", "Download", "About"):
        assert page.locator("h3", has_text=heading).count() >= 8, heading
    assert page.locator("#progress-systems table").first.is_visible()
    context.close()
