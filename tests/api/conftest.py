"""The API tests reuse the assessment tests' small two-year framework, trust A's open 2025/26
assessment and its team (tests/assessments/conftest.py), and the board report tests' submission
(tests/reports/conftest.py). Callers sign in with a session (force_login); the API's own tokens
come later and change only how a caller signs in.

The access matrix's roles: trust A's lead, contributor, approver and viewer; its ICS's reviewer
and board viewer; another ICS's reviewer; another trust's lead (in another ICS); a national
analyst; someone with no role; and nobody signed in at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from assessments.models import Assessment, AuditEvent, DomainResponse
from tests.assessments import conftest as assessment_fixtures
from tests.reports import conftest as report_fixtures

frameworks = assessment_fixtures.frameworks
cycle = assessment_fixtures.cycle
last_year_cycle = assessment_fixtures.last_year_cycle
assessment = assessment_fixtures.assessment
team = assessment_fixtures.team
scored = report_fixtures.scored
acute_peers = report_fixtures.acute_peers
complete_everything = assessment_fixtures.complete_everything
submit = report_fixtures.submit

ANONYMOUS = "anonymous"
TRUST_A = ["lead", "contributor", "approver", "viewer"]
ICS_1 = ["reviewer", "board"]
OUTSIDERS = ["other_reviewer", "other_lead", "nobody"]
NATIONAL = ["analyst"]
ROLES = [*TRUST_A, *ICS_1, *OUTSIDERS, *NATIONAL, ANONYMOUS]


def sign_in(client, team: dict[str, Any], role: str) -> None:
    if role != ANONYMOUS:
        client.force_login(team[role])


def refused(status_code: int) -> bool:
    return status_code in (401, 403)


def snapshot() -> dict[str, Any]:
    """Row counts of every model but signing in's own, and every answer's version, assignee and
    criteria and every assessment's status: what a refused write must not move."""
    counts: dict[str, Any] = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "axes")
    }
    counts["answers"] = list(
        DomainResponse.objects.order_by("pk").values_list("pk", "version", "assignee_id", "met_criteria", "notes")
    )
    counts["statuses"] = list(Assessment.objects.order_by("pk").values_list("pk", "status"))
    counts["events"] = AuditEvent.objects.count()
    return counts


@pytest.fixture
def unchanged():
    """unchanged() before a refused write, then assert unchanged.still() after it."""

    class Guard:
        def __call__(self):
            self.before = snapshot()
            return self

        def still(self) -> bool:
            return snapshot() == self.before

    return Guard()


def results(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def error_fields(response) -> set[str]:
    """The fields a 400 problem document names (RFC 9457 with `errors`: field and message)."""
    assert response["Content-Type"] == "application/problem+json", response.content
    return {error["field"].split(".")[0] for error in response.json().get("errors", [])}
