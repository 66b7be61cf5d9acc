"""From score to action in a real browser, on the seeded demo data (issue 13's journey): the Royal
Free's lead opens a weak domain of its published 2024/25 assessment and finds blueprints for it and
two peers a level ahead with the reasons; adds a target and two actions to the improvement plan;
the approver signs the plan off; and the next version of the board report shows the plan. Every
page passes axe."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from assessments.models import Assessment, DomainScore, ImprovementPlan
from demo.facts import DEMO_TRUST_PEERS
from demo.history import demo_history_seed
from demo.people import DEMO_TRUST, demo_users_create
from framework.models import KnowledgeEntry
from framework.services import DEFINITIONS_DIR, framework_load
from organisations.models import User
from organisations.services import organisations_load_reference_data
from tests.journal import FIGURES
from tests.journeys.test_assessment_journeys import PASSWORD, Journey
from tests.journeys.test_plan_journey import fill_date

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

WEAK_DOMAIN = "appointments_online"  # the Royal Free's weakest in the demo (demo/facts.py holds its peers)


@pytest.fixture
def demo(transactional_db):
    organisations_load_reference_data()
    framework_load(path=DEFINITIONS_DIR)
    call_command("load_knowledge", verbosity=0)
    demo_users_create()
    demo_history_seed(organisations=[DEMO_TRUST, *DEMO_TRUST_PEERS])
    emails = {"lead": "lead@demo.nhs.uk", "contributor": "contributor@demo.nhs.uk", "approver": "approver@demo.nhs.uk"}
    users = {name: User.objects.get(email=email) for name, email in emails.items()}
    for user in users.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return users


def test_the_royal_free_turns_a_weak_domain_into_a_signed_off_plan_on_its_board_report(browser, live_server, demo):
    assessment = Assessment.objects.select_related("cycle").get(
        cycle__name="2024/25", organisation__ods_code=DEMO_TRUST
    )
    level = DomainScore.objects.get(score__assessment=assessment, domain_key=WEAK_DOMAIN).level
    base = f"/assessments/{assessment.cycle.slug}/{DEMO_TRUST}/"
    due = datetime.date.today() + datetime.timedelta(days=300)

    lead = Journey(browser, live_server.url)
    lead.sign_in(demo["lead"])
    lead.go(f"{base}domains/{WEAK_DOMAIN}/")
    lead.audit()
    blueprint_titles = lead.page.locator("#blueprint-list > li > a").all_inner_texts()
    for_domain = {e.title for e in KnowledgeEntry.objects.all() if WEAK_DOMAIN in e.domain_keys}
    assert blueprint_titles and set(blueprint_titles) <= for_domain
    peers = lead.page.locator("#peers li")
    peer_count = peers.count()
    assert peer_count >= 2
    reasons = [peers.nth(n).inner_text() for n in range(2)]
    assert all(f"Level {level + 1}" in text or f"Level {level + 2}" in text for text in reasons)
    assert all("same care setting" in text for text in reasons)

    # A target a level up, by the date chosen, with the unmet criteria it needs shown.
    lead.page.get_by_role("link", name="Add to your improvement plan").click()
    lead.page.wait_for_load_state()
    lead.audit()
    assert f"What level {level + 1} needs" in lead.page.content()
    lead.page.get_by_label(f"Level {level + 1}").check()
    fill_date(lead.page, "target_date", due)
    lead.submit("Save target")
    assert lead.page.url.endswith("/plan/")

    for owner, what in (
        (demo["contributor"], "Launch online booking for outpatients"),
        (demo["lead"], "Report uptake to the board"),
    ):
        lead.page.get_by_role("link", name="Add an action").first.click()
        lead.page.wait_for_load_state()
        lead.page.get_by_label("What is to be done").fill(what)
        lead.page.get_by_label("Owner").select_option(value=str(owner.pk))
        fill_date(lead.page, "due_date", due - datetime.timedelta(days=60))
        lead.page.get_by_label("In progress").check()
        lead.submit("Save action")
    page = lead.page.content()
    assert "Launch online booking for outpatients" in page and "Report uptake to the board" in page
    lead.audit()

    approver = Journey(browser, live_server.url)
    approver.sign_in(demo["approver"])
    approver.go(base + "plan/sign-off/")
    approver.audit()
    approver.submit("Sign off the plan")
    assert "Signed off by" in approver.page.content()
    plan = ImprovementPlan.objects.get(assessment=assessment)
    assert plan.status == "signed_off" and plan.signed_off_by == demo["approver"]

    # The next board report shows the plan: signing off refreshed a report the trust had (the
    # plan is in its fingerprint); a trust without one creates it.
    lead.go(f"/reports/{assessment.cycle.slug}/{DEMO_TRUST}/")
    create = lead.page.get_by_role("button", name="Create the board report")
    if create.count():
        create.click()
    download = lead.page.locator("a", has_text="Download").first
    download.wait_for(timeout=60_000)
    with lead.page.expect_download() as file:
        download.click()
    pdf = PdfReader(io.BytesIO(Path(file.value.path()).read_bytes()))
    text = "".join(" ".join(page.extract_text() for page in pdf.pages).split())  # PDF text spacing varies
    assert "Improvementplan" in text and "Managingappointmentsonline" in text and f"Level{level + 1}" in text
    assert "0of2" in text  # its two actions, none done yet
    lead.assert_accessible()
    approver.assert_accessible()
    FIGURES["Improvement journey"] = (
        f"weak domain {WEAK_DOMAIN} at level {level}: {len(blueprint_titles)} blueprints, "
        f"{peer_count} peers a level ahead; a target and two actions signed off and on the next board report"
    )
