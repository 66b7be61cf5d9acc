"""Who can see and change what, over every page, API endpoint and admin screen of this issue.

Actors are described relative to trust A (in ICS 1): its own team, a trust in the same ICS,
a trust in another ICS, ICS 1's and ICS 2's people, national staff, nobody and anonymous.
"""

import pytest
from django.urls import reverse

from organisations.models import Organisation, RoleAssignment
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

ACTORS = {
    "anonymous": None,
    "no role": (None, None),
    "lead of A": ("assessment_lead", "trust_a"),
    "contributor of A": ("contributor", "trust_a"),
    "approver of A": ("approver", "trust_a"),
    "viewer of A": ("viewer", "trust_a"),
    "lead of C (same ICS)": ("assessment_lead", "trust_c"),
    "lead of B (other ICS)": ("assessment_lead", "trust_b"),
    "reviewer of ICS 1": ("ics_reviewer", "ics_1"),
    "board viewer of ICS 1": ("ics_board_viewer", "ics_1"),
    "reviewer of ICS 2": ("ics_reviewer", "ics_2"),
    "national analyst": ("national_analyst", None),
    "framework admin": ("framework_admin", None),
}
SEES_A = {
    "lead of A",
    "contributor of A",
    "approver of A",
    "viewer of A",
    "reviewer of ICS 1",
    "board viewer of ICS 1",
    "national analyst",
    "framework admin",
}
EDITS_A = {"lead of A"}
SEES_ICS_1 = {"reviewer of ICS 1", "board viewer of ICS 1", "national analyst", "framework admin"}


def sign_in(client, world, actor: str):
    spec = ACTORS[actor]
    if spec is None:
        return None
    user = UserFactory()
    role, where = spec
    if role:
        grant(user, role, getattr(world, where) if where else None)
    client.force_login(user)
    return user


def expected(actor: str, allowed: set[str], denied_status: int = 404) -> int:
    if actor == "anonymous":
        return 302
    return 200 if actor in allowed else denied_status


@pytest.mark.parametrize("actor", ACTORS)
def test_organisation_page(client, world, actor):
    sign_in(client, world, actor)
    response = client.get(reverse("organisations:detail", args=[world.trust_a.ods_code]))
    assert response.status_code == expected(actor, SEES_A)


@pytest.mark.parametrize("actor", ACTORS)
def test_care_settings_form(client, world, actor):
    sign_in(client, world, actor)
    response = client.get(reverse("organisations:care-settings", args=[world.trust_a.ods_code]))
    # Those who can see A but not edit it get 403; those who cannot see it get 404.
    assert response.status_code == expected(actor, EDITS_A, 403 if actor in SEES_A else 404)


@pytest.mark.parametrize("actor", ACTORS)
def test_care_settings_change_is_refused_and_changes_nothing(client, world, actor):
    sign_in(client, world, actor)
    response = client.post(
        reverse("organisations:care-settings", args=[world.trust_a.ods_code]),
        {"care_settings": ["ambulance"], "main_care_setting": "ambulance"},
    )
    world.trust_a.refresh_from_db()
    if actor in EDITS_A:
        assert response.status_code == 302
        assert world.trust_a.care_settings == ["ambulance"]
    else:
        assert response.status_code in {302, 403, 404}
        assert response.status_code != 302 or response.url.startswith(reverse("login"))
        assert world.trust_a.care_settings == ["acute", "community"]
        assert world.trust_a.care_settings_source == "reference_data"


@pytest.mark.parametrize("actor", ACTORS)
def test_system_page(client, world, actor):
    sign_in(client, world, actor)
    response = client.get(reverse("organisations:system", args=[world.ics_1.icb_ods_code]))
    assert response.status_code == expected(actor, SEES_ICS_1)


@pytest.mark.parametrize("actor", ACTORS)
def test_organisation_list_shows_only_what_the_actor_may_see(client, world, actor):
    sign_in(client, world, actor)
    response = client.get(reverse("organisations:list"))
    if actor == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert (world.trust_a.name in page) == (actor in SEES_A)
    assert (world.trust_b.name in page) == (
        actor in {"lead of B (other ICS)", "reviewer of ICS 2", "national analyst", "framework admin"}
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_api_organisation_detail_and_list(client, world, actor):
    sign_in(client, world, actor)
    detail = client.get(f"/api/v1/organisations/{world.trust_a.ods_code}/")
    listing = client.get("/api/v1/organisations/")
    if actor == "anonymous":
        assert detail.status_code == listing.status_code == 401
        return
    assert detail.status_code == (200 if actor in SEES_A else 404)
    codes = {row["ods_code"] for row in listing.json()["results"]}
    assert (world.trust_a.ods_code in codes) == (actor in SEES_A)


@pytest.mark.parametrize("actor", ACTORS)
def test_api_refuses_every_write(client, world, actor):
    sign_in(client, world, actor)
    response = client.patch(
        f"/api/v1/organisations/{world.trust_a.ods_code}/", {"name": "Hacked"}, content_type="application/json"
    )
    assert response.status_code in {401, 403, 404, 405}
    assert Organisation.objects.get(pk=world.trust_a.pk).name == "Trust A"


def test_framework_pages_are_for_signed_in_users_only(client, world):
    assert client.get(reverse("framework:versions")).status_code == 302
    assert client.get("/api/v1/frameworks/").status_code == 401
    client.force_login(UserFactory())
    assert client.get(reverse("framework:versions")).status_code == 200


class TestAdmin:
    """Staff who are not superusers see only their scope in the admin and can change nothing."""

    @pytest.fixture
    def staff_lead_of_a(self, client, world):
        user = UserFactory(is_staff=True)
        grant(user, "assessment_lead", world.trust_a)
        client.force_login(user)
        return user

    def test_organisation_list_is_scoped(self, client, world, staff_lead_of_a):
        page = client.get(reverse("admin:organisations_organisation_changelist")).content.decode()
        assert "Trust A" in page
        assert "Trust B" not in page and "Trust C" not in page

    def test_another_trusts_organisation_is_not_found(self, client, world, staff_lead_of_a):
        url = reverse("admin:organisations_organisation_change", args=[world.trust_b.pk])
        response = client.get(url)
        assert response.status_code == 302  # admin redirects to its index for objects outside the queryset
        assert response.url == reverse("admin:index")
        history = client.get(reverse("admin:organisations_organisation_history", args=[world.trust_b.pk]))
        assert history.status_code == 404

    def test_own_organisation_is_read_only(self, client, world, staff_lead_of_a):
        url = reverse("admin:organisations_organisation_change", args=[world.trust_a.pk])
        response = client.post(url, {"name": "Hacked", "ods_code": "HACK"})
        assert response.status_code == 403
        world.trust_a.refresh_from_db()
        assert world.trust_a.name == "Trust A"

    def test_role_assignments_are_scoped(self, client, world, staff_lead_of_a):
        other = UserFactory(email="someone@trust-b.nhs.uk")
        grant(other, "contributor", world.trust_b)
        page = client.get(reverse("admin:organisations_roleassignment_changelist")).content.decode()
        assert "someone@trust-b.nhs.uk" not in page
        assignment = RoleAssignment.objects.get(user=other)
        delete = client.post(
            reverse("admin:organisations_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
        )
        assert delete.status_code in {302, 403, 404}
        assert RoleAssignment.objects.filter(pk=assignment.pk).exists()

    def test_team_changes_are_scoped(self, client, world, staff_lead_of_a):
        from organisations.services.team import team_invite

        team_invite(organisation=world.trust_a, email="mine@trust-a.nhs.uk", role="viewer", actor=staff_lead_of_a)
        other_lead = UserFactory()
        grant(other_lead, "assessment_lead", world.trust_b)
        team_invite(organisation=world.trust_b, email="theirs@trust-b.nhs.uk", role="viewer", actor=other_lead)
        page = client.get(reverse("admin:organisations_teamevent_changelist")).content.decode()
        assert "mine@trust-a.nhs.uk" in page and "theirs@trust-b.nhs.uk" not in page

    def test_people_list_is_for_the_service_desk_only(self, client, world, staff_lead_of_a):
        assert client.get(reverse("admin:organisations_user_changelist")).status_code == 403

    def test_non_staff_cannot_enter_the_admin(self, client, world):
        user = UserFactory()
        grant(user, "assessment_lead", world.trust_a)
        client.force_login(user)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "login" in response.url
