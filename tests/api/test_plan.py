"""The improvement plan through the API: what the plan page shows, to whom the page shows it."""

import datetime

import pytest
from django.urls import reverse

from assessments.services.plans import plan_action_save, plan_target_save
from tests.api.conftest import ANONYMOUS, ICS_1, NATIONAL, ROLES, TRUST_A, sign_in

pytestmark = pytest.mark.django_db

LATER = datetime.date.today() + datetime.timedelta(days=200)


@pytest.fixture
def planned(assessment, team):
    target = plan_target_save(
        assessment=assessment, domain_key="strategy", target_level=2, target_date=LATER, version=None,
        actor=team["lead"],
    )  # fmt: skip
    plan_action_save(
        target=target, description="Write it", owner=team["contributor"], due_date=LATER, status="done",
        version=None, actor=team["lead"],
    )  # fmt: skip
    return assessment


@pytest.mark.parametrize("role", ROLES)
def test_the_plan_is_seen_by_the_organisation_its_ics_and_national_staff(client, planned, team, role):
    sign_in(client, team, role)
    response = client.get(reverse("api-plan", args=[planned.cycle.slug, planned.organisation.ods_code]))
    if role == ANONYMOUS:
        assert response.status_code in (401, 403)
    elif role in {*TRUST_A, *ICS_1, *NATIONAL}:
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "draft" and body["version"] == 2
        [target] = body["targets"]
        assert (target["domain"], target["current_level"], target["target_level"]) == ("strategy", None, 2)
        assert target["criteria"] == ["c1a", "c1b", "c2a", "c2b"]
        assert target["actions"][0]["status"] == "done" and target["actions"][0]["owner"]
    else:
        assert response.status_code == 404
