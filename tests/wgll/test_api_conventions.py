"""What every API endpoint shares: errors as RFC 9457 problem details (never a stack trace),
numbered pages in a stable order, a request budget per token, and an OpenAPI 3.1 schema with
its documentation page served from the portal itself."""

import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from organisations.api import OrganisationViewSet
from organisations.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def analyst_token(world, person):
    _, token = api_token_create(user=person("national_analyst"), name="Job", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    return body


def test_anonymous_requests_are_told_how_to_authenticate(client, world):
    body = assert_problem(client.get("/api/v1/organisations/"), 401)
    assert "credentials" in body["detail"].lower()


def test_an_unknown_endpoint_is_a_problem_not_a_page(client, analyst_token):
    body = assert_problem(client.get("/api/v1/no-such-thing/", **analyst_token), 404)
    assert "/api/v1/no-such-thing/" in body["detail"]
    assert_problem(client.get("/api/v1/organisations/ZZZ99/", **analyst_token), 404)


def test_a_bad_filter_names_the_field(client, analyst_token):
    body = assert_problem(client.get("/api/v1/organisations/?kind=hospital", **analyst_token), 400)
    assert [error["field"] for error in body["errors"]] == ["kind"]
    assert "hospital" in body["errors"][0]["message"]


def test_a_method_not_allowed_is_a_problem(client, analyst_token):
    assert_problem(client.delete("/api/v1/organisations/", **analyst_token), 405)


def test_an_unexpected_error_is_logged_and_answered_without_a_trace(client, analyst_token, caplog):
    with mock.patch.object(OrganisationViewSet, "get_queryset", side_effect=RuntimeError("secret internals")):
        response = client.get("/api/v1/organisations/", **analyst_token)
    body = assert_problem(response, 500)
    assert "secret internals" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert "logged" in body["detail"]
    assert "secret internals" in caplog.text


def test_each_token_has_its_own_budget(client, world, person, settings):
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    with mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", {"api": "3/minute"}):
        _, first = api_token_create(user=person("national_analyst"), name="A", days=30)
        _, second = api_token_create(user=person("national_analyst"), name="B", days=30)
        for _ in range(3):
            assert client.get("/api/v1/frameworks/", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 200
        response = client.get("/api/v1/frameworks/", HTTP_AUTHORIZATION=f"Bearer {first}")
        body = assert_problem(response, 429)
        assert int(response["Retry-After"]) > 0 and "throttled" in body["detail"].lower()
        assert client.get("/api/v1/frameworks/", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    cache.clear()


def test_pages_are_numbered_stable_and_complete(client, world, analyst_token):
    seen, url = [], "/api/v1/organisations/?page_size=2"
    while url:
        body = client.get(url, **analyst_token).json()
        seen.extend(row["ods_code"] for row in body["results"])
        url = body["next"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == body["count"]


def test_the_schema_is_openapi_3_1_and_valid(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert text.startswith("openapi: 3.1.0")
    assert "apiToken" in text and "scheme: bearer" in text
    assert "#/components/schemas/Problem" in text


def test_the_documentation_page_uses_only_the_portals_own_files(client, world, person):
    client.force_login(person("national_analyst"))
    page = client.get(reverse("api-docs"))
    html = page.content.decode()
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not re.match(r"(https?:)?//", source) for source in sources), sources
    assert "<script>" not in html.replace(" ", "")  # no inline script: the policy refuses it
    script = next(source for source in sources if "script" in source)
    assert client.get(script).status_code == 200
