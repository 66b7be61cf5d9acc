"""E-mails link to the portal by its full address (settings.SITE_URL), never by a bare path."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from assessments.rules.dates import long_date
from assessments.services import publication, workflow
from assessments.services.notifications import absolute_url
from assessments.services.responses import responses_assign
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db

SITE = "https://dma.example.nhs.uk"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def overview(assessment) -> str:
    return f"{SITE}/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/"


@pytest.mark.parametrize("site_url", [SITE, f"{SITE}/"])
def test_absolute_url_puts_the_site_address_before_a_path(settings, site_url):
    settings.SITE_URL = site_url
    assert absolute_url("/assessments/2025-26/RAL/") == f"{SITE}/assessments/2025-26/RAL/"


def test_every_workflow_email_links_to_the_assessment_by_its_full_address(
    assessment, team, django_capture_on_commit_callbacks
):
    complete_everything(assessment, team["lead"])
    meeting = datetime.date.today() - datetime.timedelta(days=3)
    today = timezone.localdate()
    day = today + datetime.timedelta(days=35)
    day += datetime.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)
    publish_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    steps = [
        lambda: workflow.assessment_mark_ready(assessment=assessment, actor=team["lead"]),
        lambda: workflow.assessment_sign_off_and_submit(
            assessment=assessment, actor=team["approver"], name="Jo Chair", role="Chair",
            meeting_date=meeting, minute_reference="BM/25/117",
        ),
        lambda: workflow.assessment_return(assessment=assessment, actor=team["reviewer"], comment="Add evidence"),
        lambda: workflow.assessment_mark_ready(assessment=assessment, actor=team["lead"]),
        lambda: workflow.assessment_sign_off_and_submit(
            assessment=assessment, actor=team["approver"], name="Jo Chair", role="Chair",
            meeting_date=meeting, minute_reference="BM/25/118",
        ),
        lambda: workflow.assessment_validate(assessment=assessment, actor=team["reviewer"]),
        lambda: publication.cycle_release_provisionally(
            cycle=assessment.cycle, actor=team["analyst"], opens_on=today, closes_on=today,
        ),
        lambda: publication.cycle_announce_publication(
            cycle=assessment.cycle, actor=team["analyst"], publication_at=publish_at,
        ),
        lambda: publication.cycles_publish_due(now=publish_at),
    ]  # fmt: skip
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()

    assert len(mail.outbox) == len(steps) - 1  # announcing the date e-mails nobody: it is on the portal
    for message in mail.outbox:
        assert f"\n{overview(assessment)}\n" in message.body, message.subject
        assert "\n/assessments/" not in message.body


def test_the_assignment_email_links_to_the_assessment_and_gives_the_closing_date(
    assessment, team, django_capture_on_commit_callbacks
):
    cloud = assessment.responses.get(domain__key="cloud")
    with django_capture_on_commit_callbacks(execute=True):
        responses_assign(assessment=assessment, domain_ids=[cloud.pk], assignee=team["contributor"], actor=team["lead"])

    [message] = mail.outbox
    assert message.to == [team["contributor"].email]
    assert "- Cloud hosting" in message.body
    assert f"Answer them by {long_date(assessment.cycle.closes_on)}," in message.body
    assert overview(assessment) in message.body


def test_the_assignment_email_gives_the_end_of_an_extension_as_the_closing_date(
    assessment, team, django_capture_on_commit_callbacks
):
    until = assessment.cycle.closes_on + datetime.timedelta(days=14)
    extended = workflow.assessment_grant_extension(
        assessment=assessment, actor=team["analyst"], until=until, reason="Board meeting moved"
    )
    cloud = assessment.responses.get(domain__key="cloud")
    with django_capture_on_commit_callbacks(execute=True):
        responses_assign(assessment=extended, domain_ids=[cloud.pk], assignee=team["contributor"], actor=team["lead"])

    assert f"Answer them by {long_date(until)}," in mail.outbox[-1].body
