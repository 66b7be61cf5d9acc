"""The OpenAPI schema of every endpoint validates without a warning, and lists cost a fixed
number of queries however many rows they hold."""

import pytest
from django.core.management import call_command

from assessments.services.cycles import cycle_open
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in (
        "/api/v1/assessments/{cycle_slug}/{ods_code}/answers/{domain_key}/",
        "/api/v1/systems/{icb_code}/figures/",
        "/api/v1/national/{cycle_slug}/figures/",
        "/api/v1/publications/{cycle_slug}/{release_version}/{kind}/",
        "/api/v1/systems/{icb_code}/packs/{cycle_slug}/",
    ):
        assert f"  {path}:" in text, path


def count_queries(client, url, django_assert_max_num_queries, most):
    client.get(url)  # the session and grants are read once per request anyway
    with django_assert_max_num_queries(most):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("extra", [0, 12])
def test_the_assessment_and_organisation_lists_do_not_grow_with_their_rows(
    client, cycle, team, world, extra, django_assert_max_num_queries
):
    for _ in range(extra):
        factories.OrganisationFactory(ics=world.ics_1)
    cycle_open(cycle=cycle)
    client.force_login(team["analyst"])
    assert client.get("/api/v1/assessments/").json()["count"] == 4 + extra  # trusts A, B and C and ICB 1
    count_queries(client, "/api/v1/assessments/", django_assert_max_num_queries, 8)
    count_queries(client, "/api/v1/organisations/", django_assert_max_num_queries, 8)
    count_queries(client, "/api/v1/systems/", django_assert_max_num_queries, 8)
