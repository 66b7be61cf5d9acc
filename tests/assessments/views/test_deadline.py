"""The closing date and the days left, shown under the heading of every page of an assessment."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.rules.dates import long_date

pytestmark = pytest.mark.django_db

PAGES = [
    ("overview", "lead", Assessment.Status.DRAFT),
    ("check", "lead", Assessment.Status.DRAFT),
    ("changes", "lead", Assessment.Status.DRAFT),
    ("assign", "lead", Assessment.Status.DRAFT),
    ("history", "lead", Assessment.Status.DRAFT),
    ("sign-off", "approver", Assessment.Status.READY),
    ("domain", "viewer", Assessment.Status.DRAFT),
]


def page_url(name, assessment):
    a = [assessment.cycle.slug, assessment.organisation.ods_code]
    return reverse(f"assessments:{name}", args=[*a, "strategy"] if name == "domain" else a)


def deadline_paragraph(body: str) -> str:
    assert 'id="deadline"' in body, "the page does not show the closing date"
    return body.split('id="deadline"', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize(("name", "who", "status"), PAGES)
def test_every_assessment_page_shows_the_closing_date_and_the_days_left(client, assessment, team, name, who, status):
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    days = (assessment.cycle.closes_on - timezone.localdate()).days
    client.force_login(team[who])
    page = client.get(page_url(name, assessment))
    assert page.status_code == 200
    assert f"Closes {long_date(assessment.cycle.closes_on)}: {days} days left" in deadline_paragraph(
        page.content.decode()
    )


def test_the_pages_say_when_the_assessment_closes_today_or_closed(client, assessment, team):
    client.force_login(team["viewer"])
    today = timezone.localdate()
    type(assessment.cycle).objects.filter(pk=assessment.cycle_id).update(opens_on=today, closes_on=today)
    assert f"Closes today, {long_date(today)}" in deadline_paragraph(
        client.get(page_url("overview", assessment)).content.decode()
    )

    yesterday = today - datetime.timedelta(days=1)
    type(assessment.cycle).objects.filter(pk=assessment.cycle_id).update(
        opens_on=yesterday - datetime.timedelta(days=30), closes_on=yesterday
    )
    body = client.get(page_url("domain", assessment)).content.decode()
    assert f"Closed on {long_date(yesterday)}" in deadline_paragraph(body)


def test_an_extension_is_shown_with_the_new_date(client, assessment, team):
    closes = timezone.localdate() - datetime.timedelta(days=2)
    until = timezone.localdate() + datetime.timedelta(days=10)
    type(assessment.cycle).objects.filter(pk=assessment.cycle_id).update(
        opens_on=closes - datetime.timedelta(days=30), closes_on=closes
    )
    Assessment.objects.filter(pk=assessment.pk).update(extension_until=until)
    client.force_login(team["lead"])
    body = client.get(page_url("check", assessment)).content.decode()
    assert f"Closes {long_date(until)} (extended from {long_date(closes)}): 10 days left" in deadline_paragraph(body)
