"""Progress anyone can see: who is doing what on the task list, and what each assessment on the
home page waits for, with the days left."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import Assessment
from assessments.presenters import waiting_on
from assessments.services.responses import responses_assign
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db


def test_the_task_list_says_who_is_doing_what(client, assessment, team):
    responses = list(assessment.responses.order_by("pk"))
    responses_assign(
        assessment=assessment,
        domain_ids=[r.pk for r in responses[:3]],
        assignee=team["contributor"],
        actor=team["lead"],
    )
    client.force_login(team["lead"])
    page = client.get(reverse("assessments:overview", args=[assessment.cycle.slug, assessment.organisation.ods_code]))
    html = page.content.decode()
    assert "Who is doing what" in html
    assert "0 of 3 completed" in html and f"0 of {len(responses) - 3} completed" in html and "Not assigned" in html


def test_nothing_assigned_shows_no_table(client, assessment, team):
    client.force_login(team["lead"])
    page = client.get(reverse("assessments:overview", args=[assessment.cycle.slug, assessment.organisation.ods_code]))
    assert "Who is doing what" not in page.content.decode()


def test_the_home_card_says_what_each_assessment_waits_for(client, assessment, team):
    today = datetime.date.today()
    assessment.total, assessment.completed = 30, 12
    text = waiting_on(assessment, today)
    left = (assessment.editing_deadline - today).days
    assert text.startswith("Waiting on your team: 18 domains to finish.") and f"{left} days left" in text

    complete_everything(assessment, team["lead"])
    client.force_login(team["lead"])
    home = client.get("/").content.decode()
    assert "Every domain is answered: waiting on the lead to mark it ready for sign-off" in home

    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.READY)
    assert "Waiting on the approver" in client.get("/").content.decode()
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assert "waiting on the ICS reviewer" in client.get("/").content.decode()
