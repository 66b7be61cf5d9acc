"""A lead's team: invitations (hashed, single-use, expiring, bound to an address and to the
inviter's right to add people), role changes and removals, each audited and each refused
cleanly, changing nothing, when it should not happen."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from organisations.models import Invitation, RoleAssignment, TeamEvent
from organisations.services import role_revoke
from organisations.services.team import (
    InvitationUnusable,
    invitation_accept,
    invitation_accept_new_account,
    invitation_digest,
    invitation_withdraw,
    mask_email,
    team_change_role,
    team_invite,
    team_remove,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "cobalt lantern orchard 42"


def invite(world, lead, email="new.colleague@nhs.net", role="contributor", capture=None):
    return team_invite(organisation=world.trust_a, email=email, role=role, actor=lead)


def rows():
    return (
        Invitation.objects.count(),
        RoleAssignment.objects.count(),
        TeamEvent.objects.count(),
        User.objects.count(),
    )


def test_an_invitation_stores_only_a_digest_and_mails_the_link(world, person, django_capture_on_commit_callbacks):
    lead = person("assessment_lead", world.trust_a)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(world, lead, email="  New.Colleague@NHS.net ")

    assert invitation.email == "new.colleague@nhs.net"
    assert invitation.token_digest == invitation_digest(token) != token
    assert not Invitation.objects.filter(token_digest__contains=token).exists()
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)
    [message] = mail.outbox
    assert message.to == ["new.colleague@nhs.net"]
    assert f"/organisations/invitations/{token}/" in message.body
    assert "contributor" in message.body and world.trust_a.name in message.subject
    assert TeamEvent.objects.get().kind == "invited"


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("", "contributor", "email"),
        ("not an address", "contributor", "email"),
        ("someone@nhs.net", "approver", "role"),
        ("someone@nhs.net", "assessment_lead", "role"),
        ("someone@nhs.net", "", "role"),
    ],
)
def test_bad_invitations_name_the_field_and_change_nothing(world, person, email, role, field):
    lead = person("assessment_lead", world.trust_a)
    before = rows()
    with pytest.raises(ValidationError) as error:
        invite(world, lead, email=email, role=role)
    assert field in error.value.message_dict
    assert rows() == before
    assert not mail.outbox


@pytest.mark.parametrize("role", ["contributor", "viewer", "approver"])
def test_only_the_lead_invites(world, person, role):
    actor = person(role, world.trust_a)
    before = rows()
    with pytest.raises(PermissionDenied):
        invite(world, actor)
    assert rows() == before


def test_a_lead_of_another_organisation_cannot_invite_to_this_one(world, person):
    with pytest.raises(PermissionDenied):
        invite(world, person("assessment_lead", world.trust_b))
    assert not Invitation.objects.exists()


def test_someone_already_in_the_team_is_not_invited_again(world, person):
    lead = person("assessment_lead", world.trust_a)
    viewer = person("viewer", world.trust_a)
    with pytest.raises(ValidationError) as error:
        invite(world, lead, email=viewer.email.upper())
    assert "already in the team (viewer)" in error.value.message_dict["email"][0]


def test_inviting_again_replaces_the_earlier_link(world, person):
    lead = person("assessment_lead", world.trust_a)
    first, first_token = invite(world, lead)
    second, _ = invite(world, lead)

    first.refresh_from_db()
    assert first.withdrawn_at is not None
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        invitation_accept(token=first_token, user=UserFactory(email="new.colleague@nhs.net"))
    assert "again" in TeamEvent.objects.filter(kind="invited").first().summary
    assert second.status_at(timezone.now()) == Invitation.Status.PENDING


def test_an_existing_account_accepts_once(world, person, django_user_model):
    lead = person("assessment_lead", world.trust_a)
    colleague = UserFactory(email="new.colleague@nhs.net")
    _, token = invite(world, lead)

    assignment = invitation_accept(token=token, user=colleague)

    assert (assignment.role, assignment.organisation, assignment.granted_by) == ("contributor", world.trust_a, lead)
    assert assignment.history.get().history_user == lead
    with pytest.raises(InvitationUnusable, match="already been accepted"):
        invitation_accept(token=token, user=colleague)
    assert RoleAssignment.objects.filter(user=colleague).count() == 1
    assert TeamEvent.objects.filter(kind="joined", subject_email=colleague.email).exists()


def test_the_link_is_only_for_the_invited_address(world, person):
    lead = person("assessment_lead", world.trust_a)
    _, token = invite(world, lead)
    stranger = UserFactory(email="someone.else@nhs.net")
    with pytest.raises(InvitationUnusable) as problem:
        invitation_accept(token=token, user=stranger)
    assert problem.value.status == 403 and "n…e@nhs.net" in str(problem.value)
    assert not RoleAssignment.objects.filter(user=stranger).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_link_says_so(world, person):
    lead = person("assessment_lead", world.trust_a)
    invitation, token = invite(world, lead)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(InvitationUnusable, match="expired on") as problem:
        invitation_accept(token=token, user=UserFactory(email="new.colleague@nhs.net"))
    assert problem.value.status == 410


def test_an_unknown_link_is_not_found(world):
    with pytest.raises(InvitationUnusable) as problem:
        invitation_accept(token="made-up", user=UserFactory())
    assert problem.value.status == 404


def test_a_link_dies_with_the_inviters_right_to_add_people(world, person):
    """A lead who is replaced cannot go on adding people through links already sent."""
    lead = person("assessment_lead", world.trust_a)
    _, token = invite(world, lead)
    desk = UserFactory(is_superuser=True)
    role_revoke(assignment=RoleAssignment.objects.get(user=lead), actor=desk)
    with pytest.raises(InvitationUnusable, match="can no longer add people"):
        invitation_accept(token=token, user=UserFactory(email="new.colleague@nhs.net"))
    assert RoleAssignment.objects.count() == 0


def test_a_new_account_is_made_with_the_invited_address(world, person):
    lead = person("assessment_lead", world.trust_a)
    _, token = invite(world, lead, role="viewer")

    user = invitation_accept_new_account(
        token=token, first_name=" Ada ", last_name="Okafor", job_title="Deputy CNIO", password=PASSWORD
    )

    assert (user.email, user.first_name, user.job_title) == ("new.colleague@nhs.net", "Ada", "Deputy CNIO")
    assert user.check_password(PASSWORD)
    assert list(user.role_assignments.values_list("role", "organisation")) == [("viewer", world.trust_a.pk)]


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "  "}, "last_name"),
        ({"job_title": "x" * 201}, "job_title"),
        ({"password": "short"}, "password"),
        ({"password": "password123456"}, "password"),
        ({"password": "new.colleague@nhs.net"}, "password"),
    ],
)
def test_a_new_account_with_bad_details_changes_nothing(world, person, details, field):
    lead = person("assessment_lead", world.trust_a)
    _, token = invite(world, lead)
    before = rows()
    values = {"first_name": "Ada", "last_name": "Okafor", "job_title": "", "password": PASSWORD, **details}
    with pytest.raises(ValidationError) as error:
        invitation_accept_new_account(token=token, **values)
    assert field in error.value.message_dict
    assert rows() == before
    assert Invitation.objects.get().accepted_at is None


def test_a_new_account_cannot_take_over_an_existing_address(world, person):
    lead = person("assessment_lead", world.trust_a)
    existing = UserFactory(email="new.colleague@nhs.net")
    _, token = invite(world, lead)
    with pytest.raises(InvitationUnusable, match="already an account"):
        invitation_accept_new_account(token=token, first_name="A", last_name="B", job_title="", password=PASSWORD)
    existing.refresh_from_db()
    assert not existing.check_password(PASSWORD)


def test_withdrawing_stops_the_link(world, person):
    lead = person("assessment_lead", world.trust_a)
    invitation, token = invite(world, lead)
    invitation_withdraw(invitation=invitation, actor=lead)
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        invitation_accept(token=token, user=UserFactory(email="new.colleague@nhs.net"))
    with pytest.raises(ValidationError):
        invitation_withdraw(invitation=invitation, actor=lead)
    assert TeamEvent.objects.filter(kind="invitation_withdrawn").count() == 1


def test_a_lead_of_another_organisation_cannot_withdraw(world, person):
    invitation, _ = invite(world, person("assessment_lead", world.trust_a))
    with pytest.raises(PermissionDenied):
        invitation_withdraw(invitation=invitation, actor=person("assessment_lead", world.trust_b))
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


def test_changing_a_role_swaps_it_and_is_audited(world, person):
    lead = person("assessment_lead", world.trust_a)
    contributor = person("contributor", world.trust_a)

    team_change_role(organisation=world.trust_a, member=contributor, role="viewer", actor=lead)

    assert list(contributor.role_assignments.values_list("role", flat=True)) == ["viewer"]
    event = TeamEvent.objects.get()
    assert (event.kind, event.actor, event.subject_email) == ("role_changed", lead, contributor.email)
    assert "from contributor to viewer" in event.summary


@pytest.mark.parametrize("target_role", ["approver", "assessment_lead"])
def test_a_lead_cannot_change_service_desk_appointments(world, person, target_role):
    lead = person("assessment_lead", world.trust_a)
    appointed = person(target_role, world.trust_a)
    before = rows()
    with pytest.raises(ValidationError):
        team_change_role(organisation=world.trust_a, member=appointed, role="viewer", actor=lead)
    with pytest.raises(ValidationError):
        team_remove(organisation=world.trust_a, member=appointed, actor=lead)
    assert rows() == before


def test_a_lead_cannot_change_another_organisations_people(world, person):
    contributor = person("contributor", world.trust_a)
    other_lead = person("assessment_lead", world.trust_b)
    with pytest.raises((PermissionDenied, ValidationError)):
        team_change_role(organisation=world.trust_a, member=contributor, role="viewer", actor=other_lead)
    with pytest.raises((PermissionDenied, ValidationError)):
        team_remove(organisation=world.trust_a, member=contributor, actor=other_lead)
    assert list(contributor.role_assignments.values_list("role", flat=True)) == ["contributor"]


def test_removing_ends_the_members_sessions_everywhere(world, person, client):
    lead = person("assessment_lead", world.trust_a)
    contributor = person("contributor", world.trust_a)
    client.force_login(contributor)
    assert client.get("/").status_code == 200

    team_remove(organisation=world.trust_a, member=contributor, actor=lead)

    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/sign-in/")
    assert not contributor.role_assignments.exists()
    assert TeamEvent.objects.get().kind == "removed"


def test_mask_email():
    assert mask_email("jane.smith@nhs.net") == "j…h@nhs.net"
    assert mask_email("jo@nhs.net") == "j…@nhs.net"
