"""What the home page shows people about their own work: the domains assigned to them, and the
approver's call to sign off."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Cycle
from assessments.rules.dates import long_date
from assessments.selectors import assessments_visible_to, responses_assigned_in, responses_assigned_to
from assessments.services import responses as answers
from organisations.access import forget_grants
from organisations.models import RoleAssignment
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db


def assign(assessment, lead, person, *keys):
    ids = list(assessment.responses.filter(domain__key__in=keys).values_list("pk", flat=True))
    answers.responses_assign(assessment=assessment, domain_ids=ids, assignee=person, actor=lead)


def home(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    return page.content.decode()


def your_work(body: str) -> str:
    assert 'id="your-work"' in body, "no “Your work” list"
    return body.split('id="your-work"', 1)[1].split('<h2 class="nhsuk-heading-m"', 1)[0]


def domain_url(assessment, key):
    return reverse("assessments:domain", args=[assessment.cycle.slug, assessment.organisation.ods_code, key])


# Your work.


def test_a_contributor_sees_the_domains_assigned_to_them_with_measure_status_and_link(client, assessment, team):
    lead, contributor = team["lead"], team["contributor"]
    assign(assessment, lead, contributor, "strategy", "cloud")
    cloud = assessment.responses.get(domain__key="cloud")
    answers.response_save(
        response_id=cloud.pk, expected_version=cloud.version, answer=answers.Answer(["c1a"], "", False), actor=lead
    )
    work = your_work(home(client, contributor))
    assert "2025/26 assessment: Trust A" in work
    assert "Digital strategy" in work and "Cloud hosting" in work and "Networks" not in work
    assert cloud.domain.measure.name in work
    assert (
        f'href="{domain_url(assessment, "strategy")}"' in work and f'href="{domain_url(assessment, "cloud")}"' in work
    )
    assert "Not started" in work and "In progress" in work
    days = (assessment.cycle.closes_on - timezone.localdate()).days
    assert f"Closes {long_date(assessment.cycle.closes_on)}: {days} days left" in work


def test_a_lead_sees_what_is_assigned_to_them_and_not_what_others_have(client, assessment, team):
    lead = team["lead"]
    assign(assessment, lead, team["contributor"], "strategy")
    assign(assessment, lead, lead, "network")
    work = your_work(home(client, lead))
    assert "Networks" in work and "Digital strategy" not in work


@pytest.mark.parametrize("who", ["lead", "contributor", "viewer", "approver"])
def test_no_work_list_when_nothing_is_assigned(client, assessment, team, who):
    assert 'id="your-work"' not in home(client, team[who])
    assert "Your work" not in home(client, team[who])


@pytest.mark.parametrize("status", [Assessment.Status.READY, Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED])
def test_work_in_an_assessment_no_longer_open_for_answers_is_not_listed(client, assessment, team, status):
    assign(assessment, team["lead"], team["contributor"], "strategy")
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assert "Your work" not in home(client, team["contributor"])


def test_work_past_the_closing_date_is_listed_only_within_an_extension(client, assessment, team):
    contributor = team["contributor"]
    assign(assessment, team["lead"], contributor, "strategy")
    closed = timezone.localdate() - datetime.timedelta(days=1)
    Cycle.objects.filter(pk=assessment.cycle_id).update(opens_on=closed - datetime.timedelta(days=30), closes_on=closed)
    assert "Your work" not in home(client, contributor)

    Assessment.objects.filter(pk=assessment.pk).update(
        extension_until=timezone.localdate() + datetime.timedelta(days=5)
    )
    assert "Digital strategy" in your_work(home(client, contributor))


def test_assigned_work_is_only_from_organisations_where_the_person_contributes(assessment, team):
    contributor = team["contributor"]
    assign(assessment, team["lead"], contributor, "strategy")
    assert [r.domain.key for r in responses_assigned_to(contributor)] == ["strategy"]
    # Made a viewer instead: the assignment stays on the answer but is no longer their work.
    RoleAssignment.objects.filter(user=contributor).update(role="viewer")
    forget_grants(contributor)
    assert list(responses_assigned_to(contributor)) == []
    assert list(responses_assigned_to(team["reviewer"])) == []


def test_assigned_work_costs_a_fixed_number_of_queries(client, assessment, team, django_assert_num_queries):
    lead, contributor = team["lead"], team["contributor"]
    assign(assessment, lead, contributor, "strategy")
    list(responses_assigned_to(contributor))  # the person's grants are read once, then cached
    with django_assert_num_queries(1):
        one = [
            (r.domain.name, r.domain.measure.name, r.assessment.cycle.name, r.assessment.organisation.name)
            for r in responses_assigned_to(contributor)
        ]
    home(client, contributor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))

    assign(assessment, lead, contributor, *assessment.responses.values_list("domain__key", flat=True))
    with django_assert_num_queries(1):
        many = [
            (r.domain.name, r.domain.measure.name, r.assessment.cycle.name, r.assessment.organisation.name)
            for r in responses_assigned_to(contributor)
        ]
    assert len(one) == 1 and len(many) == assessment.responses.count() > 1
    with CaptureQueriesContext(connection) as lots:
        body = client.get(reverse("home")).content.decode()
    assert len(lots) == len(few), [q["sql"] for q in lots.captured_queries]
    assert your_work(body).count('<li class="nhsuk-task-list__item') == len(many)


# Sign off now.


def test_the_approver_is_asked_to_sign_off_an_assessment_ready_for_it(client, assessment, team):
    approver = team["approver"]
    assert "Sign off now" not in home(client, approver)

    complete_everything(assessment, team["lead"])
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.READY)
    body = home(client, approver)
    sign_off = reverse("assessments:sign-off", args=[assessment.cycle.slug, assessment.organisation.ods_code])
    call = body.split("Ready for board sign-off", 1)[1].split("</div>", 1)[0]
    assert "Sign off now" in call and f'href="{sign_off}"' in call
    assert "nhsuk-inset-text" in body.split("Ready for board sign-off", 1)[0].rsplit("<div", 1)[1]


@pytest.mark.parametrize("who", ["lead", "contributor", "viewer", "reviewer"])
def test_only_the_approver_is_asked_to_sign_off(client, assessment, team, who):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.READY)
    assert "Sign off now" not in home(client, team[who])


def test_no_call_to_sign_off_once_submitted(client, assessment, team):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assert "Sign off now" not in home(client, team["approver"])


def assigned_in_home_order(user):
    visible = list(assessments_visible_to(user).order_by("-cycle__name", "organisation__name"))
    return [r.pk for r in responses_assigned_in(user, visible)]


def test_the_home_pages_work_from_its_own_assessments_is_the_assigned_work(assessment, team):
    """responses_assigned_in, given the assessments the home page has read, finds exactly what
    responses_assigned_to would, in the same order, whoever asks and whatever the state."""
    lead, contributor = team["lead"], team["contributor"]
    assign(assessment, lead, contributor, "strategy")
    assign(
        assessment,
        lead,
        lead,
        *assessment.responses.exclude(domain__key="strategy").values_list("domain__key", flat=True),
    )
    for person in team.values():
        assert assigned_in_home_order(person) == [r.pk for r in responses_assigned_to(person)], person
    assert assigned_in_home_order(contributor) and assigned_in_home_order(lead)
    closed = timezone.localdate() - datetime.timedelta(days=1)
    Cycle.objects.filter(pk=assessment.cycle_id).update(opens_on=closed - datetime.timedelta(days=30), closes_on=closed)
    assert assigned_in_home_order(contributor) == [] == list(responses_assigned_to(contributor))
    Assessment.objects.filter(pk=assessment.pk).update(extension_until=timezone.localdate())
    assert assigned_in_home_order(contributor) == [r.pk for r in responses_assigned_to(contributor)] != []
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assert assigned_in_home_order(contributor) == [] == list(responses_assigned_to(contributor))


def test_nobody_with_no_open_assessment_to_work_on_pays_a_query_for_work(assessment, team, django_assert_num_queries):
    visible = list(assessments_visible_to(team["reviewer"]))
    with django_assert_num_queries(0):
        assert responses_assigned_in(team["reviewer"], visible) == []
