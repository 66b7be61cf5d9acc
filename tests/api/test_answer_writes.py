"""Saving an answer and assigning domains through the API: the services the pages call, with
their version check (a stale version is a 409 holding the current answer), their validation (a
400 naming the field) and their access rules (403 for someone who sees the answer but may not
change it, 404 for someone who does not see it); a refused write changes nothing."""

import pytest

from assessments.models import AuditEvent, DomainResponse
from assessments.services.responses import responses_assign
from tests.api.conftest import ANONYMOUS, ROLES, error_fields, refused, sign_in

pytestmark = pytest.mark.django_db


def answer_url(assessment, key: str = "strategy") -> str:
    return f"/api/v1/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/answers/{key}/"


def assign_url(assessment) -> str:
    return f"/api/v1/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/assignments/"


LEVEL_2 = ["c1a", "c1b", "c2a", "c2b"]


def put(client, url: str, body: dict):
    return client.put(url, body, content_type="application/json")


def test_the_lead_saves_an_answer_and_the_level_is_worked_out(client, assessment, team):
    client.force_login(team["lead"])

    response = put(
        client,
        answer_url(assessment),
        {"version": 0, "met_criteria": LEVEL_2, "notes": "Board paper", "complete": True},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["level"] == 2 and body["met_criteria"] == LEVEL_2 and body["version"] == 1
    assert body["status"] == "completed" and body["updated_by"] == team["lead"].email
    saved = assessment.responses.get(domain__key="strategy")
    assert saved.level == 2 and saved.version == 1
    assert AuditEvent.objects.filter(assessment=assessment, kind=AuditEvent.Kind.ANSWER_SAVED).count() == 1


def test_a_stale_version_is_a_conflict_with_the_current_answer_and_saves_nothing(client, assessment, team, unchanged):
    client.force_login(team["lead"])
    put(client, answer_url(assessment), {"version": 0, "met_criteria": LEVEL_2, "notes": "First", "complete": False})
    guard = unchanged()

    response = put(
        client, answer_url(assessment), {"version": 0, "met_criteria": [], "notes": "Second", "complete": True}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["current"]["version"] == 1 and body["current"]["notes"] == "First" and body["current"]["level"] == 2
    assert [change["version"] for change in body["changes"]] == [1] and body["changes"][0]["by"]
    assert guard.still()
    again = put(client, answer_url(assessment), {"version": 1, "met_criteria": [], "notes": "Second", "complete": True})
    assert again.status_code == 200 and again.json()["version"] == 2  # a deliberate replacement


@pytest.mark.parametrize(
    "body, field",
    [
        ({"version": 0, "met_criteria": ["c9z"], "notes": "", "complete": True}, "met_criteria"),
        ({"version": 0, "met_criteria": [], "notes": "x" * 10_001, "complete": True}, "notes"),
        ({"version": 7, "met_criteria": [], "notes": "", "complete": True}, "version"),  # no save ever had it
        ({"met_criteria": [], "notes": "", "complete": True}, "version"),
        ({"version": 0, "met_criteria": "c1a", "notes": "", "complete": True}, "met_criteria"),
        ({"version": 0, "met_criteria": [], "notes": ""}, "complete"),
        ({"version": 0, "met_criteria": [], "complete": True}, "notes"),
    ],
)
def test_a_refused_answer_names_the_field_and_saves_nothing(client, assessment, team, unchanged, body, field):
    client.force_login(team["lead"])
    guard = unchanged()

    response = put(client, answer_url(assessment), body)

    assert response.status_code == 400 and field in error_fields(response), response.content
    assert guard.still()


EDITS = {"lead"}  # a contributor only what is assigned to them: below
SEES_DRAFT = {"lead", "contributor", "approver", "viewer", "reviewer", "analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_saving_an_answer_access_matrix(client, assessment, team, unchanged, role):
    sign_in(client, team, role)
    guard = unchanged()

    response = put(
        client, answer_url(assessment), {"version": 0, "met_criteria": LEVEL_2, "notes": "", "complete": True}
    )

    if role in EDITS:
        assert response.status_code == 200
        return
    if role == ANONYMOUS:
        assert refused(response.status_code)
    else:
        assert response.status_code == (403 if role in SEES_DRAFT else 404), role
    assert guard.still()


def test_a_contributor_saves_only_what_is_assigned_to_them(client, assessment, team, unchanged):
    strategy = assessment.responses.get(domain__key="strategy")
    responses_assign(assessment=assessment, domain_ids=[strategy.pk], assignee=team["contributor"], actor=team["lead"])
    client.force_login(team["contributor"])

    assert (
        put(
            client, answer_url(assessment), {"version": 0, "met_criteria": LEVEL_2, "notes": "", "complete": True}
        ).status_code
        == 200
    )
    guard = unchanged()
    other = put(
        client, answer_url(assessment, "cloud"), {"version": 0, "met_criteria": [], "notes": "", "complete": True}
    )
    assert other.status_code == 403 and guard.still()


def test_a_submitted_assessment_refuses_every_save(client, scored, team, unchanged):
    client.force_login(team["lead"])
    guard = unchanged()
    version = scored.responses.get(domain__key="strategy").version

    response = put(client, answer_url(scored), {"version": version, "met_criteria": [], "notes": "", "complete": True})

    assert response.status_code == 403 and guard.still()


def test_the_lead_assigns_domains_by_key_and_takes_them_back(client, assessment, team):
    client.force_login(team["lead"])

    response = client.post(
        assign_url(assessment),
        {"domains": ["strategy", "cloud"], "assignee": team["contributor"].email.upper()},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["changed"] == 2
    assert {a["domain"]: a["assignee"] for a in response.json()["answers"]} == {
        "strategy": team["contributor"].email,
        "cloud": team["contributor"].email,
    }
    back = client.post(
        assign_url(assessment), {"domains": ["cloud"], "assignee": None}, content_type="application/json"
    )
    assert back.status_code == 200 and back.json()["answers"][0]["assignee"] is None
    assert list(assessment.responses.exclude(assignee=None).values_list("domain__key", flat=True)) == ["strategy"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"domains": ["strategy", "no-such"], "assignee": None}, "domains"),
        ({"domains": [], "assignee": None}, "domains"),
        ({"domains": ["strategy"], "assignee": "nobody-here@example.org"}, "assignee"),
        ({"domains": ["strategy"], "assignee": "viewer"}, "assignee"),  # not an address
        ({"domains": ["strategy"]}, "assignee"),
    ],
)
def test_a_refused_assignment_names_the_field_and_changes_nothing(client, assessment, team, unchanged, body, field):
    client.force_login(team["lead"])
    guard = unchanged()

    response = client.post(assign_url(assessment), body, content_type="application/json")

    assert response.status_code == 400 and field in error_fields(response), response.content
    assert guard.still()


def test_only_a_contributor_or_lead_of_the_organisation_can_be_assigned(client, assessment, team, unchanged):
    client.force_login(team["lead"])
    guard = unchanged()
    for someone in ("viewer", "approver", "other_lead"):
        response = client.post(
            assign_url(assessment),
            {"domains": ["strategy"], "assignee": team[someone].email},
            content_type="application/json",
        )
        assert response.status_code == 400 and "assignee" in error_fields(response)
    assert guard.still()


@pytest.mark.parametrize("role", ROLES)
def test_assigning_access_matrix(client, assessment, team, unchanged, role):
    sign_in(client, team, role)
    guard = unchanged()

    response = client.post(
        assign_url(assessment),
        {"domains": ["strategy"], "assignee": team["contributor"].email},
        content_type="application/json",
    )

    if role == "lead":
        assert response.status_code == 200
        assert DomainResponse.objects.get(assessment=assessment, domain__key="strategy").assignee == team["contributor"]
        return
    if role == ANONYMOUS:
        assert refused(response.status_code)
    else:
        assert response.status_code == (403 if role in SEES_DRAFT else 404), role
    assert guard.still()
