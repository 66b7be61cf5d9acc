"""An improvement plan in a real browser: the lead adds a target from a domain page (the domain
prefilled, the criteria it needs shown), is told which field is wrong, adds two actions with
owners, the approver signs the plan off, and the plan shows it; every page passes axe."""

import datetime

import pytest

from assessments.models import ImprovementPlan, PlanAction
from tests.journal import FIGURES
from tests.journeys.test_assessment_journeys import Journey, open_cycle, setup  # noqa: F401  (fixture)

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


def fill_date(page, name: str, when: datetime.date) -> None:
    page.locator(f"input[name={name}_day]").fill(str(when.day))
    page.locator(f"input[name={name}_month]").fill(str(when.month))
    page.locator(f"input[name={name}_year]").fill(str(when.year))


def test_the_lead_plans_two_actions_and_the_approver_signs_the_plan_off(
    browser,
    live_server,
    world,
    setup,  # noqa: F811
):
    cycle = open_cycle("2024/25")
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    later = datetime.date.today() + datetime.timedelta(days=300)
    lead = Journey(browser, live_server.url)
    lead.sign_in(setup["assessment_lead"])
    lead.go(base)
    domain_link = lead.page.locator("a[href*='/domains/']").first.get_attribute("href")
    lead.go(domain_link)
    add = lead.page.get_by_role("link", name="Add to your improvement plan").get_attribute("href")
    lead.go(add)
    assert "What level 1 needs" in lead.page.content()

    lead.submit("Save target")  # no level, no date
    page = lead.page.content()
    assert "There is a problem" in page and "Choose the target level" in page and "Enter the target date" in page
    lead.page.get_by_label("Level 3").check()
    fill_date(lead.page, "target_date", later)
    lead.submit("Save target")
    assert lead.page.url.endswith("/plan/")

    for number, (owner, what) in enumerate(
        [(setup["contributor"], "Replace the wireless network"), (setup["assessment_lead"], "Brief the board")]
    ):
        lead.go(lead.page.get_by_role("link", name="Add an action").first.get_attribute("href").split(lead.base)[-1])
        lead.page.get_by_label("What is to be done").fill(what)
        lead.page.get_by_label("Owner").select_option(value=str(owner.pk))
        fill_date(lead.page, "due_date", later - datetime.timedelta(days=30 * (number + 1)))
        lead.page.get_by_label("In progress").check()
        lead.submit("Save action")
    page = lead.page.content()
    assert "Replace the wireless network" in page and "Brief the board" in page and "0 of 2 actions done" in page

    approver = Journey(browser, live_server.url)
    approver.sign_in(setup["approver"])
    approver.go(base + "plan/")
    approver.go(base + "plan/sign-off/")
    approver.submit("Sign off the plan")
    assert "Signed off by" in approver.page.content()
    plan = ImprovementPlan.objects.get()
    assert plan.status == "signed_off" and plan.signed_off_by == setup["approver"]
    assert PlanAction.objects.filter(target__plan=plan).count() == 2

    lead.go(base + "plan/")
    assert "Reopen the plan" in lead.page.content() and "Add a target" not in lead.page.content()
    lead.assert_accessible()
    approver.assert_accessible()
    FIGURES["Improvement plan journey"] = "a target and two actions added, signed off by the approver"
