"""Pages at the narrowest screen the NHS design system supports (320 CSS pixels, WCAG 2.2
reflow): nothing may need scrolling sideways, however long the names, codes and addresses."""

import pytest

from organisations.models import Organisation, Programme, ProgrammeMembership
from tests.factories import OrganisationFactory, SystemFactory, UserFactory, grant
from tests.journeys.test_assessment_journeys import Journey

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 900}


@pytest.fixture
def long_named_trust(db) -> Organisation:
    """A trust with the long names, codes and e-mail addresses real ones have."""
    system = SystemFactory(name="NHS North Central London Integrated Care Board")
    trust = OrganisationFactory(
        ods_code="RAL",
        name="Royal Free London NHS Foundation Trust",
        official_name="ROYAL FREE LONDON NHS FOUNDATION TRUST",
        ics=system,
        care_settings=["acute", "community"],
    )
    programme = Programme.objects.create(key="gde", name="Global Digital Exemplar (acute, 2016 cohort)")
    ProgrammeMembership.objects.create(programme=programme, organisation=trust)
    return trust


def test_the_organisation_page_fits_a_320_pixel_screen(browser, live_server, long_named_trust):
    lead = UserFactory(
        first_name="Alexandra-Catherine", last_name="Montgomery-Fitzwilliam",
        email="alexandra-catherine.montgomery-fitzwilliam@royalfree-london.nhs.uk",
    )  # fmt: skip
    grant(lead, "assessment_lead", long_named_trust)
    for n, role in enumerate(("contributor", "approver", "viewer")):
        person = UserFactory(email=f"digital.transformation.programme.office{n}@royalfree-london.nhs.uk")
        grant(person, role, long_named_trust)

    journey = Journey(browser, live_server.url)
    page = journey.sign_in(lead)
    page.set_viewport_size(NARROW)
    journey.go(f"/organisations/{long_named_trust.ods_code}/")
    assert "Royal Free London NHS Foundation Trust" in page.content()
    assert "alexandra-catherine.montgomery-fitzwilliam@royalfree-london.nhs.uk" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the page is {width} px wide at {NARROW['width']} px: it scrolls sideways"
    journey.assert_accessible()


def test_your_work_sign_off_and_publication_fit_a_320_pixel_screen(browser, live_server, long_named_trust):
    """The home page's own-work list and call to sign off, and the publication check, are read
    at 320 px and checked with axe-core like every other page."""
    from django.core.management import call_command

    from assessments.models import Assessment, DomainResponse
    from tests.journeys.test_assessment_journeys import open_cycle

    call_command("load_framework", verbosity=0)
    contributor = UserFactory(email="digital.transformation.programme.office@royalfree-london.nhs.uk")
    approver = UserFactory(email="chief.executive.office.board.secretary@royalfree-london.nhs.uk")
    analyst = UserFactory()
    grant(contributor, "contributor", long_named_trust)
    grant(approver, "approver", long_named_trust)
    grant(analyst, "national_analyst")
    draft = Assessment.objects.get(cycle=open_cycle("2025/26"), organisation=long_named_trust)
    DomainResponse.objects.filter(assessment=draft, domain__measure__key="smart_foundations").update(
        assignee=contributor
    )
    ready = Assessment.objects.get(cycle=open_cycle("2024/25"), organisation=long_named_trust)
    Assessment.objects.filter(pk=ready.pk).update(status=Assessment.Status.READY)

    journey = Journey(browser, live_server.url)
    for person, path, expected in (
        (contributor, "/", "Your work"),
        (approver, "/", "Sign off now"),
        (analyst, "/assessments/cycles/2024-25/publish/", "Nothing can be released yet"),
    ):
        page = journey.sign_in(person)
        page.set_viewport_size(NARROW)
        journey.audited.pop("/", None)  # each person's home is a different page
        journey.go(path)
        assert expected in page.content()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{path} is {width} px wide at {NARROW['width']} px"
        problems = {kind: found for kind, found in journey.audited.items() if found}
        assert not problems, problems
    Assessment.objects.filter(pk=ready.pk).update(status=Assessment.Status.VALIDATED)
    journey.audited.clear()
    journey.go("/assessments/cycles/2024-25/publish/")
    assert "Release 1 validated assessment provisionally" in page.content()
    journey.go("/assessments/cycles/2024-25/publish/provisional/")
    assert "1 assessment has been validated" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    journey.assert_accessible()
