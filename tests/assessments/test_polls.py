"""Polling colleagues on a domain: links that need no account, work once and expire, views tallied
beside each criterion for the person answering, and never a change to the answer itself."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import DomainResponse, PollRequest
from assessments.services.polls import PollUnusable, parse_colleagues, poll_answer, poll_send
from assessments.services.responses import responses_assign
from tests.assessments.conftest import complete_everything
from tests.reports.conftest import submit

pytestmark = pytest.mark.django_db


def strategy(assessment) -> DomainResponse:
    return assessment.responses.select_related("domain").get(domain__key="strategy")


def criteria_keys(response) -> list[str]:
    return [c.key for level in response.domain.levels.all() for c in level.criteria.all()]


def links(outbox) -> list[str]:
    return [re.search(r"https?://[^/\s]+(/poll/\S+/)", message.body).group(1) for message in outbox]


def test_colleagues_are_read_one_a_line():
    assert parse_colleagues("Ada Okafor <Ada.Okafor@nhs.net>\n\n  bo@nhs.net,\nbo@nhs.net") == [
        ("Ada Okafor", "ada.okafor@nhs.net"),
        ("", "bo@nhs.net"),
    ]
    with pytest.raises(ValidationError, match="Line 2"):
        parse_colleagues("ada@nhs.net\nnot an address")
    with pytest.raises(ValidationError, match="at least one"):
        parse_colleagues("  \n")


def test_the_lead_asks_two_colleagues_who_answer_without_accounts(
    client, assessment, team, django_capture_on_commit_callbacks
):
    response = strategy(assessment)
    keys = criteria_keys(response)
    client.force_login(team["lead"])
    page = reverse("assessments:poll", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(page, {"colleagues": "Ada Okafor <ada@nhs.net>\nbo@nhs.net"})
    assert sent.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@nhs.net", "bo@nhs.net"]
    assert not PollRequest.objects.filter(token_digest__in=[link.split("/")[2] for link in links(mail.outbox)])

    first, second = links(mail.outbox)
    colleague = Client()
    assert "is each of these met?" in colleague.get(first).content.decode()
    bad = colleague.post(first, {f"view_{keys[0]}": "met"})
    assert bad.status_code == 400 and "Choose met, not met or don" in bad.content.decode()
    views = {f"view_{key}": "met" for key in keys} | {f"comment_{keys[0]}": "We have a board-approved strategy"}
    assert "Thank you" in colleague.post(first, views).content.decode()
    assert colleague.post(first, views).status_code == 410  # once only
    Client().post(second, {f"view_{key}": ("not_met" if key == keys[0] else "dont_know") for key in keys})

    domain_page = client.get(
        reverse("assessments:domain", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])
    ).content.decode()
    assert (
        "Colleagues: 1 met, 1 not met, 0 don&#39;t know" in domain_page or "Colleagues: 1 met, 1 not met" in domain_page
    )
    assert "2 of the 2 colleagues asked have answered" in domain_page
    assert "We have a board-approved strategy" in client.get(page).content.decode()
    # The answer itself is untouched.
    response.refresh_from_db()
    assert response.met_criteria == [] and response.version == 0


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("approver", 403), ("reviewer", 403)])
def test_only_those_answering_the_domain_ask(client, assessment, team, who, status):
    client.force_login(team[who])
    page = reverse("assessments:poll", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])
    assert client.get(page).status_code == 200
    assert client.post(page, {"colleagues": "ada@nhs.net"}).status_code == status
    assert not PollRequest.objects.exists()


@pytest.mark.parametrize("who", ["other_lead", "same_ics_lead", "other_reviewer", "board"])
def test_another_organisations_people_see_nothing(client, assessment, team, who):
    client.force_login(team[who])
    page = reverse("assessments:poll", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])
    assert client.get(page).status_code == 404
    assert client.post(page, {"colleagues": "ada@nhs.net"}).status_code == 404
    assert not PollRequest.objects.exists()


def test_an_assignee_asks_only_about_their_own_domains(assessment, team):
    response = strategy(assessment)
    responses_assign(assessment=assessment, domain_ids=[response.pk], assignee=team["contributor"], actor=team["lead"])
    response.refresh_from_db()
    poll_send(response=response, colleagues=[("", "ada@nhs.net")], actor=team["contributor"])
    other = assessment.responses.exclude(pk=response.pk).first()
    with pytest.raises(PermissionDenied):
        poll_send(response=other, colleagues=[("", "ada@nhs.net")], actor=team["contributor"])


def test_links_expire_and_close_with_the_assessment(assessment, team, django_capture_on_commit_callbacks):
    response = strategy(assessment)
    with django_capture_on_commit_callbacks(execute=True):
        poll_send(response=response, colleagues=[("", "ada@nhs.net"), ("", "bo@nhs.net")], actor=team["lead"])
    expired, later = (link.split("/")[2] for link in links(mail.outbox))
    PollRequest.objects.filter(email="ada@nhs.net").update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(PollUnusable, match="expired"):
        poll_answer(token=expired, views={}, comments={})
    complete_everything(assessment, team["lead"])
    submit(assessment, team)
    with pytest.raises(PollUnusable, match="no longer taking answers"):
        poll_answer(token=later, views={}, comments={})
    assert not PollRequest.objects.filter(answered_at__isnull=False).exists()
