"""A national analyst publishes a cycle, in Debian's Chromium: the provisional release with its
review window, the announced date, a trust lead who checks and queries its provisional figures
(checked against the database by a computation of this test's own), the analyst's answer, and
publication by the beat task at the announced time (the test moves the clock).

The data: the real organisations and the real 2025/26 framework, every organisation's assessment
validated with scores drawn at random by the pure scoring rules (in bulk: this journey is about
publishing figures, not answering).
"""

import datetime
import random
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessments.models import Assessment, Cycle, CycleEvent, ProvisionalQuery
from assessments.tasks import publish_due_cycles_task
from benchmarks.dashboards import bulk_scores
from framework.models import FrameworkVersion
from organisations.models import Organisation
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


def levels_in_database(cycle: Cycle, ods_code: str) -> dict[str, int]:
    """Each domain's stored level for the organisation, by domain name, read with plain SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.name, ds.level
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

    # The analyst releases every validated assessment for a fortnight's review.
    page = journey.sign_in(analyst)
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
    journey.assert_accessible()
