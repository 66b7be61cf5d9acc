"""Who sees an ICS's dashboard, drill-down and downloads: its own reviewers and board viewers and
national staff. Everyone else, the ICS's own trusts' people included, gets a plain 404, exactly
as for an ICS that does not exist; so does anyone asking for another ICS's."""

import csv
import io

import pytest
from django.urls import reverse

from tests import factories
from tests.assessments.conftest import frameworks  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

ACTORS = {
    "anonymous": None,
    "no role": (None, None),
    "lead of trust A (in ICS 1)": ("assessment_lead", "trust_a"),
    "ICB 1's own lead": ("assessment_lead", "icb_1"),
    "reviewer of ICS 1": ("ics_reviewer", "ics_1"),
    "board viewer of ICS 1": ("ics_board_viewer", "ics_1"),
    "reviewer of ICS 2": ("ics_reviewer", "ics_2"),
    "board viewer of ICS 2": ("ics_board_viewer", "ics_2"),
    "national analyst": ("national_analyst", None),
    "framework admin": ("framework_admin", None),
}
SEES_ICS_1 = {"reviewer of ICS 1", "board viewer of ICS 1", "national analyst", "framework admin"}


def urls(country, icb_code: str) -> list[str]:
    cycle = country.this_year.slug
    dashboard = [icb_code, cycle]
    return [
        reverse("systems:latest", args=[icb_code]),
        reverse("systems:dashboard", args=dashboard),
        *(reverse("systems:chart-csv", args=[*dashboard, key]) for key in ("measures", "spread", "trend")),
        reverse("systems:measure", args=[*dashboard, "smart_foundations"]),
        reverse("systems:measure-csv", args=[*dashboard, "smart_foundations"]),
        reverse("systems:domain", args=[*dashboard, "cloud"]),
        *(reverse("systems:domain-csv", args=[*dashboard, "cloud", key]) for key in ("levels", "domain-trend")),
    ]


def sign_in(client, world, actor):
    spec = ACTORS[actor]
    if spec is None:
        return
    user = factories.UserFactory()
    role, where = spec
    if role:
        factories.grant(user, role, getattr(world, where) if where else None)
    client.force_login(user)


@pytest.mark.parametrize("actor", list(ACTORS))
def test_every_dashboard_url_of_ics_1(client, country_data, actor):
    world, country = country_data
    sign_in(client, world, actor)
    for path in urls(country, world.ics_1.icb_ods_code):
        response = client.get(path)
        if actor == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login")), path
        elif actor in SEES_ICS_1:
            assert response.status_code in (200, 302), path  # "latest" redirects to the cycle
            if response.status_code == 302:
                assert client.get(response.url).status_code == 200
        else:
            assert response.status_code == 404, (path, actor)


@pytest.mark.parametrize("actor", ["reviewer of ICS 1", "board viewer of ICS 1"])
def test_another_ics_is_a_plain_404(client, country_data, actor):
    world, country = country_data
    sign_in(client, world, actor)
    for path in urls(country, world.ics_2.icb_ods_code) + urls(country, "QXX"):
        assert client.get(path).status_code == 404, path


def test_unknown_cycles_measures_domains_and_charts_are_404(client, country_data):
    world, country = country_data
    sign_in(client, world, "national analyst")
    code, cycle = world.ics_1.icb_ods_code, country.this_year.slug
    for path in [
        reverse("systems:dashboard", args=[code, "2001-02"]),
        reverse("systems:chart-csv", args=[code, cycle, "nothing"]),
        reverse("systems:measure", args=[code, cycle, "nothing"]),
        reverse("systems:domain", args=[code, cycle, "nothing"]),
        reverse("systems:domain", args=[code, cycle, "system"]),  # an ICB-only domain has no trusts' figures
        reverse("systems:domain-csv", args=[code, cycle, "cloud", "nothing"]),
    ]:
        assert client.get(path).status_code == 404, path


def test_posts_are_refused(client, country_data):
    world, country = country_data
    sign_in(client, world, "national analyst")
    path = reverse("systems:dashboard", args=[world.ics_1.icb_ods_code, country.this_year.slug])
    assert client.post(path).status_code == 405


def test_the_csv_holds_exactly_the_cards_figures(client, country_data):
    world, country = country_data
    sign_in(client, world, "board viewer of ICS 1")
    from organisations.models import User
    from reports import dashboard_cards, dashboards

    response = client.get(
        reverse("systems:chart-csv", args=[world.ics_1.icb_ods_code, country.this_year.slug, "spread"])
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    user = User.objects.get(pk=client.session["_auth_user_id"])
    card = dashboard_cards.spread_card(dashboards.system_dashboard(user, world.ics_1, country.this_year))
    assert rows[0] == list(card.columns)
    assert [row[0] for row in rows[1:]] == [row[0] for row in card.rows]
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in card.rows]
