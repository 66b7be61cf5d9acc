"""ICS and national comparison figures through the API: read from the precomputed rows the
dashboards read, with the disclosure module's reason wherever a group is too small, and the
dashboards' access (an ICS's figures for whoever may see the ICS, the national ones for
national staff; anyone else a 404)."""

import pytest

from assessments.models import Cycle, PreReleaseAccess
from assessments.rules.disclosure import suppression
from reports.models import Figure
from reports.refresh import cycle_figures_refresh
from tests.api.conftest import ANONYMOUS, ROLES, refused, results, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(scored, acute_peers):
    """Trust A (ICS 1, alone there) and six acute peers (ICS 2) scored, the figures computed."""
    cycle_figures_refresh(cycle_id=scored.cycle_id)
    return scored.cycle


def rows(client, url: str) -> list[dict]:
    found, next_url = [], url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        found += response.json()["results"]
        next_url = response.json()["next"]
    return found


def test_an_ics_of_one_trust_shows_sizes_and_the_reason_only(client, figures, team, world):
    client.force_login(team["board"])

    found = rows(client, f"/api/v1/systems/{world.ics_1.icb_ods_code}/figures/?cycle=2025-26")

    own = [row for row in found if row["scope"] == "ics"]
    assert own and {row["scope_key"] for row in own} == {world.ics_1.icb_ods_code}
    overall = next(row for row in own if row["measure"] is None)
    assert overall["size"] == 1 and overall["shown"] is False
    assert overall["median"] is None and overall["mean"] is None and overall["level_counts"] in ({}, None)
    assert overall["suppressed_reason"] == suppression(overall["group"], 1).reason
    assert overall["group"].startswith("Trusts in ")
    england = next(r for r in found if r["scope"] == "national" and r["measure"] is None)
    stored = Figure.objects.get(figure_set__cycle=figures, scope="national", measure_key="", domain_key="")
    assert england["size"] == stored.size == 7 and england["shown"] is True and england["suppressed_reason"] is None
    assert england["median"] == str(stored.median) and england["computed_at"]
    assert not any(row["scope"] in ("ics", "region") and row["scope_key"] != world.ics_1.icb_ods_code for row in found)


def test_the_ics_figures_default_to_the_latest_cycle_with_results(client, figures, team, world):
    client.force_login(team["reviewer"])
    latest = results(client.get(f"/api/v1/systems/{world.ics_1.icb_ods_code}/figures/"))
    assert latest and {row["cycle"] for row in latest} == {"2025/26"}
    assert client.get(f"/api/v1/systems/{world.ics_1.icb_ods_code}/figures/?cycle=2019-20").status_code == 404


SEES_ICS_1 = {"reviewer", "board", "analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_ics_figures_are_for_whoever_may_see_the_ics(client, figures, team, world, role):
    sign_in(client, team, role)
    response = client.get(f"/api/v1/systems/{world.ics_1.icb_ods_code}/figures/?cycle=2025-26")
    if role == ANONYMOUS:
        assert refused(response.status_code)
    else:
        assert response.status_code == (200 if role in SEES_ICS_1 else 404)


def test_national_figures_filter_and_page_through_every_group(client, figures, team, world):
    client.force_login(team["analyst"])

    everything = rows(client, "/api/v1/national/2025-26/figures/?page_size=10")
    overall = rows(client, "/api/v1/national/2025-26/figures/?overall=true&scope=ics")

    assert len(everything) == Figure.objects.filter(figure_set__cycle=figures).count()
    keys = [(r["scope"], r["scope_key"], r["measure"] or "", r["domain"] or "") for r in everything]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {r["scope_key"] for r in overall} == {world.ics_1.icb_ods_code, world.ics_2.icb_ods_code}
    assert all(r["measure"] is None and r["domain"] is None for r in overall)
    ics_2 = next(r for r in overall if r["scope_key"] == world.ics_2.icb_ods_code)
    assert ics_2["size"] == 6 and ics_2["shown"] is True and ics_2["median"] is not None


def test_national_counts_say_how_far_everyone_has_got(client, figures, team):
    client.force_login(team["analyst"])

    counts = results(client.get("/api/v1/national/2025-26/counts/"))

    england = next(r for r in counts if r["topic"] == "progress" and r["scope"] == "national")
    assert england["counts"]["submitted"] == 7  # trust A and its six peers
    assert any(r["topic"] == "flags" for r in counts)


SEES_NATIONAL = {"analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_national_figures_are_for_national_staff_and_recorded_before_publication(client, figures, team, role):
    sign_in(client, team, role)
    for path in ("figures", "counts"):
        response = client.get(f"/api/v1/national/2025-26/{path}/")
        if role == ANONYMOUS:
            assert refused(response.status_code)
        else:
            assert response.status_code == (200 if role in SEES_NATIONAL else 404)
    seen = PreReleaseAccess.objects.filter(cycle=figures, recorded_by__isnull=True)
    assert list(seen.values_list("user_id", flat=True)) == ([team[role].pk] if role in SEES_NATIONAL else [])


def test_a_published_cycles_figures_are_not_recorded_as_pre_release(client, figures, team):
    Cycle.objects.filter(pk=figures.pk).update(release=Cycle.Release.FINAL)
    client.force_login(team["analyst"])
    assert client.get("/api/v1/national/2025-26/figures/").status_code == 200
    assert not PreReleaseAccess.objects.exists()
