"""The team pages and the invitation page: who may open them, what the forms say when the input
is wrong, and what each outcome does; and the hand-back of a removed person's domains."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from assessments.models import AuditEvent, DomainResponse
from organisations.models import Invitation, RoleAssignment, TeamEvent
from organisations.services.team import team_invite
from tests.assessments import conftest as assessment_fixtures
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

frameworks = assessment_fixtures.frameworks
cycle = assessment_fixtures.cycle
assessment = assessment_fixtures.assessment
team = assessment_fixtures.team

PASSWORD = "cobalt lantern orchard 42"


def team_url(world, name="organisations:team", *args):
    return reverse(name, args=[world.trust_a.ods_code, *args])


def test_the_lead_sees_the_team_with_who_can_be_changed(client, world, team):
    client.force_login(team["lead"])
    page = client.get(team_url(world)).content.decode()
    assert team["contributor"].email in page and team["approver"].email in page
    assert page.count("Appointed by the service desk") == 2  # the lead and the approver
    assert reverse("organisations:team-member", args=[world.trust_a.ods_code, team["contributor"].pk]) in page
    detail = client.get(reverse("organisations:detail", args=[world.trust_a.ods_code])).content.decode()
    assert "Manage the team" in detail


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("contributor", 403),
        ("approver", 403),
        ("viewer", 403),
        ("reviewer", 403),  # sees the trust through its ICS, manages nobody
        ("analyst", 403),
        ("other_lead", 404),
        ("same_ics_lead", 404),
        ("other_reviewer", 404),
        ("nobody", 404),
    ],
)
def test_nobody_else_opens_the_team_pages(client, world, team, who, status):
    client.force_login(team[who])
    invitation, _ = team_invite(organisation=world.trust_a, email="x@nhs.net", role="viewer", actor=team["lead"])
    member = team["contributor"].pk
    before = (RoleAssignment.objects.count(), Invitation.objects.filter(withdrawn_at=None).count())
    for url in (
        team_url(world),
        team_url(world, "organisations:team-invite"),
        team_url(world, "organisations:team-member", member),
        team_url(world, "organisations:team-member-remove", member),
    ):
        assert client.get(url).status_code == status, url
        assert client.post(url, {"email": "y@nhs.net", "role": "viewer"}).status_code == status, url
    withdraw = team_url(world, "organisations:team-invitation-withdraw", invitation.pk)
    assert client.post(withdraw).status_code == status
    assert before == (RoleAssignment.objects.count(), Invitation.objects.filter(withdrawn_at=None).count())
    if who != "nobody":
        assert (
            "Manage the team"
            not in client.get(reverse("organisations:detail", args=[world.trust_a.ods_code])).content.decode()
        )


def test_a_bad_invitation_form_shows_what_is_wrong(client, world, team):
    client.force_login(team["lead"])
    response = client.post(team_url(world, "organisations:team-invite"), {"email": "nope", "role": "approver"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Select whether they will be a contributor or a viewer" in page
    assert not Invitation.objects.exists()

    response = client.post(team_url(world, "organisations:team-invite"), {"email": "nope", "role": "viewer"})
    assert "Enter an e-mail address in the correct format" in response.content.decode()
    response = client.post(
        team_url(world, "organisations:team-invite"), {"email": team["viewer"].email, "role": "contributor"}
    )
    assert "already in the team" in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_invite_accept_with_a_new_account(client, world, team, django_capture_on_commit_callbacks):
    client.force_login(team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            team_url(world, "organisations:team-invite"), {"email": "Ada.Okafor@nhs.net", "role": "contributor"}
        )
    assert response.status_code == 302
    assert "ada.okafor@nhs.net" in client.get(team_url(world)).content.decode()
    link = re.search(r"http\S+/organisations/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("127.0.0.1:8000")[-1] if "127.0.0.1" in link else "/" + link.split("/", 3)[3]
    client.logout()

    page = client.get(path).content.decode()
    assert "Create your account" in page and "a…r@nhs.net" in page
    response = client.post(path, {"first_name": "Ada", "last_name": "Okafor", "password": PASSWORD})
    assert response.status_code == 400 and "The passwords do not match" in response.content.decode()
    response = client.post(
        path, {"first_name": "Ada", "last_name": "Okafor", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/").content.decode()
    assert f"joined {world.trust_a.name}" in home
    assert RoleAssignment.objects.filter(user__email="ada.okafor@nhs.net", role="contributor").exists()
    # The link was used up.
    assert client.get(path).status_code == 410


def test_an_existing_account_signs_in_then_accepts(client, world, team):
    colleague = UserFactory(email="colleague@nhs.net")
    _, token = team_invite(organisation=world.trust_a, email=colleague.email, role="viewer", actor=team["lead"])
    path = reverse("organisations:invitation", args=[token])

    page = client.get(path).content.decode()
    assert "Sign in to accept" in page and f"/sign-in/?next={path}" in page
    assert client.post(path).status_code == 200  # anonymous: nothing to accept with
    assert not RoleAssignment.objects.filter(user=colleague).exists()

    client.force_login(team["other_lead"])
    response = client.get(path)
    assert response.status_code == 403 and "Sign out" in response.content.decode()
    assert client.post(path).status_code == 403
    assert not RoleAssignment.objects.filter(user=team["other_lead"], organisation=world.trust_a).exists()

    client.force_login(colleague)
    assert "Accept and join the team" in client.get(path).content.decode()
    assert client.post(path).status_code == 302
    assert RoleAssignment.objects.filter(user=colleague, role="viewer", organisation=world.trust_a).exists()


def test_unknown_and_withdrawn_links(client, world, team):
    response = client.get(reverse("organisations:invitation", args=["not-a-real-token"]))
    assert response.status_code == 404 and "not valid" in response.content.decode()
    invitation, token = team_invite(organisation=world.trust_a, email="x@nhs.net", role="viewer", actor=team["lead"])
    client.force_login(team["lead"])
    client.post(team_url(world, "organisations:team-invitation-withdraw", invitation.pk))
    client.logout()
    response = client.get(reverse("organisations:invitation", args=[token]))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_changing_and_removing_through_the_pages(client, world, team, assessment):
    contributor = team["contributor"]
    response = assessment.responses.first()
    DomainResponse.objects.filter(pk=response.pk).update(assignee=contributor)
    client.force_login(team["lead"])

    bad = client.post(team_url(world, "organisations:team-member", contributor.pk), {"role": "approver"})
    assert bad.status_code == 400 and "Select contributor or viewer" in bad.content.decode()
    assert client.get(team_url(world, "organisations:team-member", team["approver"].pk)).status_code == 404

    client.post(team_url(world, "organisations:team-member", contributor.pk), {"role": "viewer"})
    assert list(contributor.role_assignments.values_list("role", flat=True)) == ["viewer"]
    # A viewer answers nothing: the domain went back, and the trail says why.
    response.refresh_from_db()
    assert response.assignee is None
    assert AuditEvent.objects.filter(assessment=assessment, summary__contains="can no longer answer").exists()

    confirm = client.get(team_url(world, "organisations:team-member-remove", contributor.pk)).content.decode()
    assert "signed out at once" in confirm
    assert client.post(team_url(world, "organisations:team-member-remove", contributor.pk)).status_code == 302
    assert not contributor.role_assignments.exists()
    assert list(TeamEvent.objects.values_list("kind", flat=True)) == ["removed", "role_changed"]
    history = client.get(team_url(world)).content.decode()
    assert "removed" in history and contributor.email in history
