"""Polling colleagues in a real browser: the lead asks two colleagues about a domain; each answers
through the link in their e-mail, in a browser of their own and without an account; the lead
sees the tallies beside each criterion, and the answer is still theirs to give."""

import re

import pytest
from django.core import mail

from assessments.models import Assessment, DomainResponse
from tests.journeys.test_assessment_journeys import Journey, open_cycle, setup  # noqa: F401  (fixture)

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_lead_polls_two_colleagues_and_sees_their_views(browser, live_server, world, setup):  # noqa: F811
    cycle = open_cycle("2024/25")
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    lead = Journey(browser, live_server.url)
    lead.sign_in(setup["assessment_lead"])
    lead.go(base + "domains/digital_strategy/")
    lead.page.get_by_role("link", name="Ask colleagues for their view").click()
    lead.page.get_by_label("Who would you like to ask?").fill("Ada Okafor <ada.okafor@nhs.net>\nbo.li@nhs.net")
    lead.submit("Send")
    assert "Asked 2 colleagues" in lead.page.content()

    paths = [re.search(r"https?://[^/\s]+(/poll/\S+/)", message.body).group(1) for message in mail.outbox]
    assert len(paths) == 2
    for path, view in zip(paths, ["met", "not_met"], strict=True):
        colleague = Journey.anonymous(browser, live_server.url)
        colleague.go(path)
        for choice in colleague.page.locator(f"input[type=radio][value={view}]").all():
            choice.check()
        colleague.submit("Send my view")
        assert "Thank you" in colleague.page.content()
        colleague.assert_accessible()
        colleague.page.context.close()

    lead.go(base + "domains/digital_strategy/")
    page = lead.page.content()
    assert "2 of the 2 colleagues asked have answered" in page
    assert page.count("Colleagues: 1 met, 1 not met, 0 don") >= 3
    response = DomainResponse.objects.get(assessment__cycle=cycle, assessment__organisation=world.trust_a,
                                          domain__key="digital_strategy")  # fmt: skip
    assert response.met_criteria == [] and response.assessment.status == Assessment.Status.DRAFT
    lead.assert_accessible()
