"""The staff pulse in a real browser: the lead starts it and shares its link; staff answer in
browsers of their own, without accounts; with 9 answers the lead sees why nothing is shown yet,
with 12 the comparison with the assessment."""

import pytest

from assessments.models import PulseResponse
from tests.journal import FIGURES
from tests.journeys.test_assessment_journeys import Journey, open_cycle, setup  # noqa: F401  (fixture)

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


def answer(browser, base_url: str, link_path: str, view: str) -> Journey:
    person = Journey.anonymous(browser, base_url)
    person.go(link_path)
    for choice in person.page.locator(f"input[type=radio][value={view}]").all():
        choice.check()
    person.submit("Send my answers")
    assert "Thank you" in person.page.content()
    person.page.context.close()
    return person


def test_a_staff_pulse_shows_nothing_at_nine_answers_and_the_comparison_at_twelve(
    browser,
    live_server,
    world,
    setup,  # noqa: F811
):
    cycle = open_cycle("2024/25")
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    lead = Journey(browser, live_server.url)
    lead.sign_in(setup["assessment_lead"])
    lead.go(base)
    lead.page.get_by_role("link", name="Staff pulse").click()
    lead.submit("Start a staff pulse")
    link = lead.page.locator("#pulse-link").inner_text()
    link_path = link.split("://", 1)[1].split("/", 1)[1]
    link_path = "/" + link_path

    audited = {}
    for number in range(9):
        person = answer(browser, live_server.url, link_path, "agree" if number % 3 else "disagree")
        audited.update(person.audited)
    lead.go(base + "pulse/")
    page = lead.page.content()
    assert "not shown until at least 10 people have answered" in page and "Staff agree" not in page

    for _ in range(3):
        answer(browser, live_server.url, link_path, "agree")
    lead.go(base + "pulse/")
    page = lead.page.content()
    assert "Staff agree" in page and "75%" in page  # 9 of 12 agree with every statement
    assert PulseResponse.objects.count() == 12
    lead.assert_accessible()
    assert not [found for found in audited.values() if found], audited
    FIGURES["Staff pulse journey"] = "12 anonymous answers in 12 browsers; 9 shown as too few, 12 compared"
