"""Organisations, ICSs, framework versions and cycles: keyed on codes, filtered with django-filter,
scoped like the pages (an ICS its caller may not see is a 404, like one that does not exist)."""

import pytest

from organisations.models import Programme, ProgrammeMembership
from tests.api.conftest import ANONYMOUS, ROLES, refused, results, sign_in
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SEES_ICS_1 = {"reviewer", "board", "analyst"}
SEES_TRUST_A = {"lead", "contributor", "approver", "viewer", "reviewer", "board", "analyst"}


def test_an_organisation_has_its_care_settings_and_programmes_with_their_notes(client, world, team):
    programme = Programme.objects.create(key="frontline-digitisation", name="Frontline digitisation")
    ProgrammeMembership.objects.create(programme=programme, organisation=world.trust_a, note="Joined in 2023")
    client.force_login(team["lead"])

    body = client.get(f"/api/v1/organisations/{world.trust_a.ods_code}/").json()

    assert body["care_settings"] == ["acute", "community"] and body["main_care_setting"] == "acute"
    assert body["ics"] == world.ics_1.icb_ods_code and body["region"] == world.ics_1.region.ods_code
    assert body["programmes"] == ["frontline-digitisation"]
    assert body["programme_memberships"] == [
        {"programme": "frontline-digitisation", "name": "Frontline digitisation", "note": "Joined in 2023"}
    ]


def test_organisations_filter_on_any_care_setting_kind_ics_and_region(client, world, team):
    client.force_login(team["analyst"])

    def codes(query: str) -> set[str]:
        return {row["ods_code"] for row in results(client.get(f"/api/v1/organisations/?{query}"))}

    assert codes("care_setting=community") == {world.trust_a.ods_code}  # not its main setting
    assert codes("main_care_setting=community") == set()
    assert codes("care_setting=mental_health") == {world.trust_c.ods_code}
    assert codes("kind=icb") == {world.icb_1.ods_code}
    assert codes(f"ics={world.ics_2.icb_ods_code}") == {world.trust_b.ods_code}
    assert world.trust_b.ods_code in codes(f"region={world.ics_2.region.ods_code}")


def test_a_system_lists_its_members_by_ods_code(client, world, team):
    client.force_login(team["reviewer"])

    body = client.get(f"/api/v1/systems/{world.ics_1.icb_ods_code}/").json()

    assert body["icb_ods_code"] == world.ics_1.icb_ods_code and body["region"] == world.ics_1.region.ods_code
    assert body["members"] == sorted([world.trust_a.ods_code, world.trust_c.ods_code, world.icb_1.ods_code])


@pytest.mark.parametrize("role", ROLES)
def test_systems_are_scoped_like_the_pages(client, world, team, role):
    sign_in(client, team, role)
    detail = client.get(f"/api/v1/systems/{world.ics_1.icb_ods_code}/")
    listing = client.get("/api/v1/systems/")
    if role == ANONYMOUS:
        assert refused(detail.status_code) and refused(listing.status_code)
        return
    assert detail.status_code == (200 if role in SEES_ICS_1 else 404)
    codes = {row["icb_ods_code"] for row in results(listing)}
    assert (world.ics_1.icb_ods_code in codes) == (role in SEES_ICS_1)
    if role == "other_reviewer":
        assert codes == {world.ics_2.icb_ods_code}


@pytest.mark.parametrize("role", ROLES)
def test_organisations_are_scoped_like_the_pages(client, world, team, role):
    sign_in(client, team, role)
    detail = client.get(f"/api/v1/organisations/{world.trust_a.ods_code}/")
    if role == ANONYMOUS:
        assert refused(detail.status_code)
        return
    assert detail.status_code == (200 if role in SEES_TRUST_A else 404)


def test_lists_page_in_a_total_order_with_a_smaller_page_when_asked(client, world, team):
    for _ in range(4):
        OrganisationFactory(ics=world.ics_1)
    client.force_login(team["analyst"])

    seen, url = [], "/api/v1/organisations/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["ods_code"] for row in body["results"]]
        url = body["next"]

    assert seen == sorted(seen) and len(seen) == len(set(seen)) == body["count"] == 8


def test_a_framework_version_nests_measures_domains_levels_and_criteria(client, frameworks, team):
    client.force_login(team["nobody"])

    body = client.get("/api/v1/frameworks/2025-26/").json()

    measure = next(m for m in body["measures"] if m["key"] == "smart_foundations")
    cloud = next(d for d in measure["domains"] if d["key"] == "cloud")
    assert cloud["replaces"] == ["infra"] and [level["number"] for level in cloud["levels"]] == [1, 2, 3, 4, 5]
    assert cloud["levels"][0]["criteria"] == [
        {"key": "c1a", "text": "Criterion 1a is met.", "replaces": []},
        {"key": "c1c", "text": "Criterion 1c is met.", "replaces": []},
    ]
    assert [d["key"] for d in body["domains"]] == [d["key"] for m in body["measures"] for d in m["domains"]]


def test_cycles_say_where_publication_has_got_to(client, cycle, last_year_cycle, team):
    client.force_login(team["nobody"])  # cycles are nobody's data

    listing = results(client.get("/api/v1/cycles/"))
    body = client.get("/api/v1/cycles/2025-26/").json()

    assert [row["slug"] for row in listing] == ["2025-26", "2024-25"]
    assert body["name"] == "2025/26" and body["framework"] == "2025/26"
    assert body["opens_on"] == cycle.opens_on.isoformat() and body["closes_on"] == cycle.closes_on.isoformat()
    assert body["publication"] == {
        "release": "unpublished",
        "review_opens_on": None,
        "review_closes_on": None,
        "publication_at": None,
        "publication_announced_at": None,
        "published_at": None,
    }
    assert client.get("/api/v1/cycles/2023-24/").status_code == 404
    client.logout()
    assert refused(client.get("/api/v1/cycles/").status_code)
