"""Schemathesis against the portal's own OpenAPI schema: every operation is called with examples
generated from the schema (valid ones and, for writes, invalid ones), with a real token, over a
trust with something behind every kind of URL. No answer may be a server error, or have a status,
content type or body that the schema does not describe. Bounded and derandomised, so a run is
repeatable and quick; the number of operations and examples is printed in the run's summary."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from organisations.services.tokens import api_token_create
from tests.journal import FIGURES
from tests.wgll.test_every_url import (  # noqa: F401  (fixtures)
    assessment,
    cycle,
    frameworks,
    team,
    trust_a_everything,
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def application():
    """The portal's WSGI application, called in this thread and this test's transaction. As
    Django's own test client does, requests must not close the database connection (on
    PostgreSQL that would end the test's transaction mid-test)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def run_operation(operation, headers: dict, mode: GenerationMode) -> tuple[int, list[str]]:
    calls, failures = 0, []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        nonlocal calls
        calls += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as failure:  # one error naming every failed check
            failures.append(f"{operation.label} ({mode.value}): {str(failure)[:3000]}")

    call()
    return calls, failures


@pytest.mark.parametrize("role", ["national_analyst", "assessment_lead"])
def test_every_operation_answers_as_its_schema_says(application, trust_a_everything, team, role):  # noqa: F811
    user = team["analyst"] if role == "national_analyst" else team["lead"]
    _, token = api_token_create(user=user, name="schemathesis", days=30)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=headers)

    operations, examples, failures = 0, 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        modes = [GenerationMode.POSITIVE]
        if operation.method.upper() != "GET":
            modes.append(GenerationMode.NEGATIVE)  # bad bodies must be refused as documented
        for mode in modes:
            calls, found = run_operation(operation, headers, mode)
            examples += calls
            failures.extend(found)

    FIGURES[f"Schemathesis ({role.replace('_', ' ')})"] = (
        f"{operations} operations, {examples} examples, {len(failures)} failures"
    )
    assert operations > 0
    assert not failures, "\n\n".join(failures)
