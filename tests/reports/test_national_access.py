"""Who sees the national dashboard, its drill-down and downloads: national analysts and framework
administrators. Everyone else, ICS and trust staff alike, gets a plain 404, as for a page that
does not exist; anonymous visitors are sent to sign in."""

import pytest
from django.urls import reverse

from reports.national_cards import DASHBOARD_CARDS, DOMAIN_CARDS, MEASURE_CARDS
from tests import factories
from tests.reports.test_system_access import sign_in

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "no role",
    "lead of trust A (in ICS 1)",
    "ICB 1's own lead",
    "reviewer of ICS 1",
    "board viewer of ICS 1",
    "national analyst",
    "framework admin",
]
SEES = {"national analyst", "framework admin"}


def urls(country) -> list[str]:
    cycle = country.this_year.slug
    return [
        reverse("national:latest"),
        reverse("national:dashboard", args=[cycle]),
        *(reverse("national:chart-csv", args=[cycle, key]) for key in DASHBOARD_CARDS),
        reverse("national:measure", args=[cycle, "smart_foundations"]),
        *(reverse("national:measure-csv", args=[cycle, "smart_foundations", key]) for key in MEASURE_CARDS),
        reverse("national:domain", args=[cycle, "cloud"]),
        *(reverse("national:domain-csv", args=[cycle, "cloud", key]) for key in DOMAIN_CARDS),
    ]


@pytest.mark.parametrize("actor", ACTORS)
def test_every_national_url(client, country_data, actor):
    world, country = country_data
    sign_in(client, world, actor)
    for path in urls(country):
        response = client.get(path)
        if actor == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login")), path
        elif actor in SEES:
            assert response.status_code in (200, 302), path  # "latest" redirects to the cycle
            if response.status_code == 302:
                assert client.get(response.url).status_code == 200
        else:
            assert response.status_code == 404, (path, actor)


def test_someone_with_an_ics_role_and_no_national_one_is_refused(client, country_data):
    world, country = country_data
    user = factories.UserFactory()
    factories.grant(user, "ics_reviewer", world.ics_1)
    factories.grant(user, "ics_board_viewer", world.ics_2)
    client.force_login(user)
    assert client.get(reverse("national:dashboard", args=[country.this_year.slug])).status_code == 404


def test_unknown_cycles_measures_domains_and_charts_are_404(client, country_data):
    world, country = country_data
    sign_in(client, world, "national analyst")
    cycle = country.this_year.slug
    for path in [
        reverse("national:dashboard", args=["2001-02"]),
        reverse("national:chart-csv", args=[cycle, "nothing"]),
        reverse("national:measure", args=[cycle, "nothing"]),
        reverse("national:measure-csv", args=[cycle, "smart_foundations", "nothing"]),
        reverse("national:domain", args=[cycle, "nothing"]),
        reverse("national:domain", args=[cycle, "system"]),  # an ICB-only domain has no trusts' figures
        reverse("national:domain-csv", args=[cycle, "cloud", "nothing"]),
    ]:
        assert client.get(path).status_code == 404, path


def test_posts_are_refused(client, country_data):
    world, country = country_data
    sign_in(client, world, "national analyst")
    assert client.post(reverse("national:dashboard", args=[country.this_year.slug])).status_code == 405
