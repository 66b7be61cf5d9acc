"""The knowledge base in a real browser, every page checked with axe: the lead of a trust opens a
weak domain and sees blueprints that fit it, follows them to the knowledge base filtered to the
domain, searches and reads one; once the assessment is signed off, the lead shares what the trust
did in a domain (refused first without consent), and a lead of another trust finds it."""

import pytest

from assessments.models import Assessment
from framework.knowledge_services import knowledge_load
from framework.models import KnowledgeEntry
from tests import factories
from tests.assessments.conftest import complete_everything
from tests.framework.conftest import named_organisation_codes
from tests.journeys.test_assessment_journeys import Journey, open_cycle, setup  # noqa: F401  (fixture)
from tests.reports.conftest import submit

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_lead_finds_blueprints_for_a_weak_domain_and_shares_their_own(browser, live_server, world, setup):  # noqa: F811
    for code in sorted(named_organisation_codes()):
        factories.OrganisationFactory(ods_code=code, name=f"Trust {code}", ics=world.ics_2)
    knowledge_load()
    cycle = open_cycle("2025/26")
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    lead = Journey(browser, live_server.url)
    lead.sign_in(setup["assessment_lead"])

    lead.go(base + "domains/closed_loop_barcoding/")
    blueprints = lead.page.locator("#blueprint-list")
    assert "Closed-loop medicines administration with EPMA and barcode scanning" in blueprints.inner_text()
    lead.page.get_by_role("link", name="See everything in the knowledge base for").click()
    lead.page.wait_for_load_state()
    lead.audit()
    assert "domain=closed_loop_barcoding" in lead.page.url
    lead.page.get_by_label("Search the knowledge base").fill("barcode scanning")
    lead.submit("Search")
    lead.page.get_by_role("link", name="Closed-loop medicines administration with EPMA and barcode scanning").click()
    lead.page.wait_for_load_state()
    lead.audit()
    assert "Reviewed blueprint" in lead.page.content() and "Medication safety team" in lead.page.content()

    assessment = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    complete_everything(assessment, setup["assessment_lead"], level=3)
    submit(assessment, {"lead": setup["assessment_lead"], "approver": setup["approver"]})
    lead.go(base + "domains/digital_strategy/")
    lead.page.get_by_role("link", name="Share what your organisation did in this domain").click()
    lead.page.wait_for_load_state()
    lead.page.get_by_label("Title").fill("A digital strategy our clinicians wrote")
    lead.page.get_by_label("Summary").fill("Ten clinical priorities and a costed roadmap the board approved.")
    lead.page.get_by_label("What you did").fill("1. Listening events.\n2. A roadmap costed with finance.")
    lead.page.get_by_label("Contact").fill("Digital programme office")
    lead.page.get_by_label("Level 1", exact=True).check()
    lead.submit("Share")
    assert "There is a problem" in lead.page.content()  # no consent yet: nothing shared
    assert not KnowledgeEntry.objects.filter(kind="shared").exists()
    lead.page.get_by_label("Our organisation agrees to share this with other NHS organisations").check()
    lead.submit("Share")
    assert "Shared by the organisation, not reviewed" in lead.page.content()

    other = factories.UserFactory()
    factories.grant(other, "assessment_lead", world.trust_b)
    reader = Journey(browser, live_server.url)
    reader.sign_in(other)
    reader.go("/knowledge/?q=clinicians+wrote")
    assert "A digital strategy our clinicians wrote" in reader.page.content()
    lead.assert_accessible()
    reader.assert_accessible()
