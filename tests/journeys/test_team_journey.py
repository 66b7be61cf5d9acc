"""A lead builds their team in a real browser: invites a contributor by e-mail, the contributor
makes their account from the link and answers the domain assigned to them, then the lead removes
them, and the contributor's open session is refused at its very next request."""

import re

import pytest
from django.core import mail

from assessments.models import Assessment, DomainResponse
from organisations.models import RoleAssignment, TeamEvent
from tests.journal import FIGURES
from tests.journeys.test_assessment_journeys import Journey, open_cycle, setup  # noqa: F401  (fixture)

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "heron quartz meadow 7"


def test_lead_invites_a_contributor_who_answers_then_is_removed(browser, live_server, world, setup):  # noqa: F811
    cycle = open_cycle("2024/25")
    assessment = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    team_path = f"/organisations/{world.trust_a.ods_code}/team/"

    lead = Journey(browser, live_server.url)
    lead.sign_in(setup["assessment_lead"])
    lead.go(f"/organisations/{world.trust_a.ods_code}/")
    lead.page.get_by_role("link", name="Manage the team").click()
    lead.page.get_by_role("button", name="Invite someone").click()
    lead.page.get_by_label("E-mail address").fill("Priya.Natarajan@nhs.net")
    lead.page.get_by_label("Contributor: answers the domains assigned to them").check()
    lead.submit("Send invitation")
    assert "Invitation sent to priya.natarajan@nhs.net" in lead.page.content()

    [message] = mail.outbox
    link = re.search(r"https?://\S+(/organisations/invitations/\S+/)", message.body).group(1)

    # The contributor, in a browser of their own, makes an account from the link.
    contributor = Journey(browser, live_server.url)
    contributor.page = browser.new_context().new_page()
    contributor.page.set_default_timeout(15_000)
    contributor.go(link)
    contributor.page.get_by_label("First name").fill("Priya")
    contributor.page.get_by_label("Last name").fill("Natarajan")
    contributor.page.get_by_label("Create a password").fill(NEW_PASSWORD)
    contributor.page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    contributor.submit("Create account and join the team")
    assert f"You have joined {world.trust_a.name}" in contributor.page.content()
    priya = RoleAssignment.objects.get(user__email="priya.natarajan@nhs.net", role="contributor").user

    # The lead assigns Smart foundations to her.
    lead.go(base + "assign/")
    lead.page.locator("select[name=measure_smart_foundations]").select_option(value=str(priya.pk))
    lead.submit("Save assignments")
    assigned = list(assessment.responses.filter(assignee=priya).values_list("domain__key", flat=True))
    assert assigned

    # She answers one, and opens the next.
    contributor.answer_domain(base, assigned[0], up_to_level=2, notes="Answered by Priya")
    assert DomainResponse.objects.get(assessment=assessment, domain__key=assigned[0]).updated_by == priya
    contributor.go(f"{base}domains/{assigned[1]}/")

    # The lead removes her.
    lead.go(team_path)
    lead.page.get_by_role("link", name="Change Priya Natarajan's role or remove them").click()
    lead.page.get_by_role("link", name="Remove from the team").click()
    lead.submit("Remove from the team")
    assert "Priya Natarajan has been removed from the team and signed out" in lead.page.content()

    # Her open page can no longer save, and her next page is the sign-in page.
    contributor.page.get_by_label("Notes (optional)").fill("Too late")
    contributor.page.get_by_label("Yes, I've completed this domain").check()
    contributor.page.get_by_role("button", name="Save and continue", exact=True).click()
    contributor.page.wait_for_load_state()
    assert "/sign-in/" in contributor.page.url or "/session/timed-out/" in contributor.page.url
    later = DomainResponse.objects.get(assessment=assessment, domain__key=assigned[1])
    assert later.notes != "Too late"
    contributor.page.goto(live_server.url + base)
    assert "/sign-in/" in contributor.page.url

    # Her answer stays; her domains went back; the history says who did what.
    assert DomainResponse.objects.get(assessment=assessment, domain__key=assigned[0]).notes == "Answered by Priya"
    assert not assessment.responses.filter(assignee=priya).exists()
    assert list(TeamEvent.objects.order_by("created_at", "pk").values_list("kind", flat=True)) == [
        "invited",
        "joined",
        "removed",
    ]
    lead.assert_accessible()
    contributor.assert_accessible()
    FIGURES["Team journey pages checked with axe-core (WCAG 2.2 AA)"] = (
        f"{len(lead.audited) + len(contributor.audited)} kinds, no violations"
    )
