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


def test_the_royal_free_plans_a_weak_domain_and_the_next_board_report_shows_it(browser, live_server):
    """On the seeded demo data: the Royal Free's lead opens a weak domain, adds it to the plan with
    two actions, the approver signs the plan off, and the board report made after the submission
    lists the target (real PDF text)."""
    import io
    from pathlib import Path

    from pypdf import PdfReader

    from assessments.models import Assessment
    from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
    from demo.facts import DEMO_TRUST_PEERS
    from demo.history import demo_history_seed
    from demo.people import DEMO_TRUST, demo_users_create
    from framework.services import DEFINITIONS_DIR, framework_load
    from organisations.models import User
    from organisations.services import organisations_load_reference_data
    from tests.assessments.conftest import complete_everything
    from tests.journeys.test_assessment_journeys import PASSWORD

    organisations_load_reference_data()
    framework_load(path=DEFINITIONS_DIR)
    demo_users_create()
    demo_history_seed(organisations=[DEMO_TRUST, *DEMO_TRUST_PEERS])
    users = {email: User.objects.get(email=email) for email in ("lead@demo.nhs.uk", "approver@demo.nhs.uk")}
    for user in users.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    assert not ImprovementPlan.objects.filter(assessment__organisation__ods_code=DEMO_TRUST).exists()
    base = f"/assessments/2025-26/{DEMO_TRUST}/"
    later = datetime.date.today() + datetime.timedelta(days=300)

    lead = Journey(browser, live_server.url)
    lead.sign_in(users["lead@demo.nhs.uk"])
    lead.go(base + "domains/appointments_online/")
    lead.go(lead.page.get_by_role("link", name="Add to your improvement plan").get_attribute("href"))
    current = int(lead.page.locator("text=Current level in").inner_text().split("level ")[-1].rstrip("."))
    lead.page.get_by_label(f"Level {current + 1}").check()
    fill_date(lead.page, "target_date", later)
    lead.submit("Save target")
    for what in ("Offer online booking in outpatients", "Publish clinic slots to the NHS App"):
        lead.go(base + "plan/targets/appointments_online/actions/add/")
        lead.page.get_by_label("What is to be done").fill(what)
        lead.page.get_by_label("Owner").select_option(value=str(users["lead@demo.nhs.uk"].pk))
        fill_date(lead.page, "due_date", later - datetime.timedelta(days=60))
        lead.submit("Save action")
    approver = Journey(browser, live_server.url)
    approver.sign_in(users["approver@demo.nhs.uk"])
    approver.go(base + "plan/sign-off/")
    approver.submit("Sign off the plan")
    assert "Signed off by" in approver.page.content()

    # The assessment is then submitted and scored (through the services: the journey is the plan's).
    assessment = Assessment.objects.get(cycle__name="2025/26", organisation__ods_code=DEMO_TRUST)
    complete_everything(assessment, users["lead@demo.nhs.uk"], level=2)
    assessment_mark_ready(assessment=assessment, actor=users["lead@demo.nhs.uk"])
    assessment_sign_off_and_submit(
        assessment=assessment, actor=users["approver@demo.nhs.uk"], name="Grace Okafor", role="Chief Executive",
        meeting_date=datetime.date.today(), minute_reference="TB/26/12",
    )  # fmt: skip
    lead.go(f"/reports/2025-26/{DEMO_TRUST}/")
    lead.submit("Create the board report")
    download_link = lead.page.locator("a", has_text="Download").first
    download_link.wait_for(timeout=60_000)
    with lead.page.expect_download() as download:
        download_link.click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Improvementplan" in text and "Managingappointmentsonline" in text and f"Level{current + 1}" in text
    lead.assert_accessible()
    approver.assert_accessible()
