"""A national analyst publishes a cycle, in Debian's Chromium: the national dashboard first (which puts
them on the pre-release access list), the provisional release with its
review window, the announced date, a trust lead who checks and queries its provisional figures
(checked against the database by a computation of this test's own), the analyst's answer, and
publication by the beat task at the announced time (the test moves the clock), and the national
files made at publication (CSV, XLSX, data dictionary) downloaded and checked against the database.

The data: the real organisations and the real 2025/26 framework, every organisation's assessment
validated with scores drawn at random by the pure scoring rules (in bulk: this journey is about
publishing figures, not answering).
"""

import csv
import datetime
import io
import random
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Assessment, AssessmentScore, Cycle, CycleEvent, PreReleaseAccess, ProvisionalQuery
from assessments.tasks import publish_due_cycles_task
from benchmarks.dashboards import bulk_scores
from framework.models import FrameworkVersion
from organisations.models import Organisation
from reports.refresh import cycle_figures_refresh
from tests.factories import UserFactory, grant
from tests.journeys.test_assessment_journeys import Journey

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

TRUST = "RAL"  # Royal Free London


@pytest.fixture
def validated_country():
    call_command("load_organisations", verbosity=0)
    call_command("load_framework", verbosity=0)
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name="2025/26",
        framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today - datetime.timedelta(days=200),
        closes_on=today - datetime.timedelta(days=100),
    )
    bulk_scores(cycle, list(Organisation.objects.all()), random.Random(11), status=Assessment.Status.VALIDATED)
    analyst = UserFactory(first_name="Nat", last_name="Analyst")
    grant(analyst, "national_analyst")
    lead = UserFactory(first_name="Lee", last_name="Lead")
    grant(lead, "assessment_lead", Organisation.objects.get(ods_code=TRUST))
    return cycle, analyst, lead


def levels_in_database(cycle: Cycle, ods_code: str, by: str = "name") -> dict[str, int]:
    """Each domain's stored level for the organisation, by domain name (or key), read with plain SQL."""
    column = {"name": "d.name", "key": "d.key"}[by]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {column}, ds.level
            FROM assessments_domainscore ds
            JOIN assessments_assessmentscore s ON s.id = ds.score_id
            JOIN assessments_assessment a ON a.id = s.assessment_id
            JOIN organisations_organisation o ON o.id = a.organisation_id
            JOIN framework_domain d ON d.id = ds.domain_id
            WHERE a.cycle_id = %s AND o.ods_code = %s
            """,
            [cycle.pk, ods_code],
        )
        return dict(cursor.fetchall())


def fill_date(page, name: str, day: datetime.date) -> None:
    page.locator(f"input[name={name}_day]").fill(str(day.day))
    page.locator(f"input[name={name}_month]").fill(str(day.month))
    page.locator(f"input[name={name}_year]").fill(str(day.year))


def next_weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def test_analyst_releases_a_lead_queries_and_the_beat_task_publishes_on_time(browser, live_server, validated_country):
    cycle, analyst, lead = validated_country
    validated = Assessment.objects.filter(cycle=cycle).count()
    today = timezone.localdate()
    journey = Journey(browser, live_server.url)

    # The analyst opens the national dashboard (and so is on the pre-release access list), then
    # releases every validated assessment for a fortnight's review.
    cycle_figures_refresh(cycle_id=cycle.pk)
    page = journey.sign_in(analyst)
    page.get_by_role("link", name="national dashboard").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/national/{cycle.slug}/")
    journey.audit()
    assert PreReleaseAccess.objects.filter(cycle=cycle, user=analyst).exists()
    journey.go(f"/assessments/cycles/{cycle.slug}/publish/")
    page.get_by_role("link", name=f"Release {validated} validated assessments provisionally").click()
    page.wait_for_load_state()
    fill_date(page, "closes_on", today + datetime.timedelta(days=14))
    page.get_by_label(f"I have checked the figures: {validated} assessments").check()
    journey.submit("Release provisionally")
    assert f"{validated} assessments released provisionally for review" in page.content()

    # A date too soon is refused with the reason; five weeks ahead is announced.
    page.get_by_role("link", name="Announce the publication date").click()
    page.wait_for_load_state()
    fill_date(page, "publication_date", next_weekday(today + datetime.timedelta(days=10)))
    journey.submit("Announce the date")
    assert "There is a problem" in page.content() and "at least 4 weeks ahead" in page.content()
    day = next_weekday(today + datetime.timedelta(days=35))
    fill_date(page, "publication_date", day)
    journey.submit("Announce the date")
    assert "Publication announced for" in page.content()
    cycle.refresh_from_db()
    at = cycle.publication_at
    assert timezone.localtime(at).date() == day and timezone.localtime(at).time() == datetime.time(9, 30)

    # The trust lead sees the date on the home page, then exactly its figures, and queries one.
    page = journey.sign_in(lead)
    assert "results will be published on" in page.content()
    journey.go(f"/assessments/{cycle.slug}/{TRUST}/")
    page.get_by_role("link", name="Check the provisional results").click()
    page.wait_for_load_state()
    journey.audit()
    assert "Not yet published" in page.content()
    expected = levels_in_database(cycle, TRUST)
    shown = {}
    for row in page.locator("table tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td, th").all()]
        if len(cells) == 3 and cells[1] == "Domain level":
            shown[cells[0]] = int(cells[2])
    assert shown == expected
    domain = sorted(expected)[0]
    page.get_by_label("Which domain is your query about?").select_option(label=domain)
    page.get_by_label("Your query", exact=True).fill("We went live with electronic prescribing in May.")
    journey.submit("Send the query")
    assert "Your query was sent to the national analysts" in page.content()

    # The analyst answers it; the lead sees the answer.
    page = journey.sign_in(analyst)
    journey.go(f"/assessments/cycles/{cycle.slug}/publish/queries/")
    assert "We went live with electronic prescribing" in page.content(), page.content()[-6000:]
    page.get_by_role("link", name="Respond").first.click()
    page.wait_for_load_state()
    page.get_by_label("Answered: the figures stand").check()
    page.get_by_label("Your response").fill("The level reflects the evidence at the closing date.")
    journey.submit("Send the response")
    assert ProvisionalQuery.objects.get().status == ProvisionalQuery.Status.ANSWERED

    # The clock reaches the announced time: the beat task publishes, once.
    with mock.patch("django.utils.timezone.now", return_value=at - datetime.timedelta(minutes=1)):
        assert publish_due_cycles_task.apply().get() == []
    with mock.patch("django.utils.timezone.now", return_value=at + datetime.timedelta(seconds=20)):
        assert publish_due_cycles_task.apply().get() == [cycle.name]
    assert Assessment.objects.filter(cycle=cycle, status=Assessment.Status.PUBLISHED).count() == validated
    assert CycleEvent.objects.filter(cycle=cycle, kind=CycleEvent.Kind.PUBLISHED).count() == 1

    # Published: anyone signed in sees the results, and the query stays the trust's own.
    stranger = UserFactory()
    grant(stranger, "assessment_lead", Organisation.objects.exclude(ods_code=TRUST).filter(kind="trust").first())
    page = journey.sign_in(stranger)
    journey.go(f"/assessments/{cycle.slug}/{TRUST}/results/")
    assert "Published results" in page.content()
    assert "electronic prescribing" not in page.content()

    # The national files were made at publication; they say what the database holds.
    journey.go(f"/publications/{cycle.slug}/")
    files = {}
    for kind in ("csv", "xlsx", "dictionary-csv"):
        with page.expect_download() as download:
            page.locator(f"a[href$='/v1/{kind}/']").first.click()
        files[kind] = Path(download.value.path()).read_bytes()
    rows = {row["ods_code"]: row for row in csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig")))}
    assert set(rows) == set(Organisation.objects.values_list("ods_code", flat=True))
    for ods_code in (TRUST, *random.Random(3).sample(sorted(rows), 20)):
        expected = levels_in_database(cycle, ods_code, by="key")
        shown = {
            key.removeprefix("domain_"): value for key, value in rows[ods_code].items() if key.startswith("domain_")
        }
        assert {key: int(value) for key, value in shown.items() if value} == expected, ods_code
        overall = AssessmentScore.objects.get(
            assessment__cycle=cycle, assessment__organisation__ods_code=ods_code
        ).overall
        assert rows[ods_code]["overall"] == str(overall)
    sheet = load_workbook(io.BytesIO(files["xlsx"]), read_only=True).worksheets
    assert len(sheet) == 2
    header, *data = [list(row) for row in sheet[0].iter_rows(values_only=True)]
    assert header == list(next(iter(rows.values())).keys()) and len(data) == len(rows)
    dictionary = list(csv.DictReader(io.StringIO(files["dictionary-csv"].decode("utf-8-sig"))))
    wide = [entry for entry in dictionary if entry["file"].startswith("wide")]
    assert [entry["column"] for entry in wide] == header  # every column, in order
    assert all(entry["type"] and entry["meaning"] and entry["allowed_values"] for entry in dictionary)
    journey.assert_accessible()
