import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from organisations.access import Action, grants_for, may
from organisations.models import RoleAssignment
from organisations.services import role_grant, role_revoke
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def test_lead_grants_contributors_and_viewers_at_their_own_organisation(world, person):
    lead = person("assessment_lead", world.trust_a)
    colleague = UserFactory()

    role_grant(user=colleague, role="contributor", organisation=world.trust_a, actor=lead)
    role_grant(user=colleague, role="viewer", organisation=world.trust_a, actor=lead)

    assert set(RoleAssignment.objects.filter(user=colleague).values_list("role", flat=True)) == {
        "contributor",
        "viewer",
    }
    assert may(colleague, Action.VIEW_ORGANISATION, world.trust_a)


@pytest.mark.parametrize("role", ["approver", "assessment_lead"])
def test_lead_cannot_appoint_the_approver_or_another_lead(world, person, role):
    """The approver signs off the assessment the lead prepares, so the lead cannot choose them."""
    lead = person("assessment_lead", world.trust_a)
    colleague = UserFactory()
    with pytest.raises(PermissionDenied):
        role_grant(user=colleague, role=role, organisation=world.trust_a, actor=lead)
    assert not RoleAssignment.objects.filter(user=colleague).exists()


def test_lead_cannot_grant_at_another_organisation(world, person):
    lead = person("assessment_lead", world.trust_a)
    with pytest.raises(PermissionDenied):
        role_grant(user=UserFactory(), role="contributor", organisation=world.trust_b, actor=lead)


@pytest.mark.parametrize("role", ["contributor", "viewer", "approver"])
def test_other_roles_cannot_grant_anything(world, person, role):
    actor = person(role, world.trust_a)
    with pytest.raises(PermissionDenied):
        role_grant(user=UserFactory(), role="viewer", organisation=world.trust_a, actor=actor)


def test_service_desk_grants_any_role_at_the_right_scope(world):
    desk = UserFactory(is_superuser=True, is_staff=True)
    user = UserFactory()
    role_grant(user=user, role="approver", organisation=world.trust_a, actor=desk)
    role_grant(user=user, role="ics_reviewer", ics=world.ics_1, actor=desk)
    role_grant(user=user, role="national_analyst", actor=desk)
    assert RoleAssignment.objects.filter(user=user).count() == 3


@pytest.mark.parametrize(
    ("role", "where", "field"),
    [
        ("contributor", "ics_1", "organisation"),
        ("ics_reviewer", "trust_a", "ics"),
        ("national_analyst", "trust_a", "role"),
    ],
)
def test_a_role_at_the_wrong_scope_is_refused(world, role, where, field):
    desk = UserFactory(is_superuser=True)
    target = getattr(world, where)
    kwargs = {"ics": target} if where.startswith("ics") else {"organisation": target}
    with pytest.raises(ValidationError) as error:
        role_grant(user=UserFactory(), role=role, actor=desk, **kwargs)
    assert field in error.value.message_dict


def test_the_database_enforces_role_scopes_too(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=UserFactory(), role="national_analyst", organisation=world.trust_a)


def test_granting_twice_is_harmless(world):
    desk = UserFactory(is_superuser=True)
    user = UserFactory()
    first = role_grant(user=user, role="viewer", organisation=world.trust_a, actor=desk)
    second = role_grant(user=user, role="viewer", organisation=world.trust_a, actor=desk)
    assert first.pk == second.pk


def test_revoking_removes_access_and_is_recorded_with_the_actor(world, person):
    lead = person("assessment_lead", world.trust_a)
    colleague = UserFactory()
    assignment = role_grant(user=colleague, role="contributor", organisation=world.trust_a, actor=lead)
    assignment_id = assignment.pk

    role_revoke(assignment=assignment, actor=lead)

    assert not may(colleague, Action.VIEW_ORGANISATION, world.trust_a)
    history = RoleAssignment.history.filter(id=assignment_id).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]
    assert history.last().history_user == lead


def test_a_lead_cannot_revoke_the_approver(world, person):
    lead = person("assessment_lead", world.trust_a)
    approver = grant(UserFactory(), "approver", world.trust_a)
    with pytest.raises(PermissionDenied):
        role_revoke(assignment=approver, actor=lead)
    assert RoleAssignment.objects.filter(pk=approver.pk).exists()


def test_inactive_users_and_unknown_actions(world, person):
    lead = person("assessment_lead", world.trust_a)
    lead.is_active = False
    assert not may(lead, Action.VIEW_ORGANISATION, world.trust_a)
    assert grants_for(lead).has_any_role is False
    with pytest.raises(LookupError):
        may(UserFactory(), "launch_rockets", world.trust_a)


def test_grants_are_read_in_one_query_that_is_the_orms_own(world, person):
    """grants_for runs the ORM's SQL written once per process (organisations.access._role_rows):
    the same rows as the queryset it stands for, for roles at an organisation, an ICS and
    nationally, in one query, and nobody else's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organisations.access import _role_rows, forget_grants

    user = person("assessment_lead", world.trust_a)
    grant(user, "ics_reviewer", world.ics_1)
    grant(user, "national_analyst")
    person("assessment_lead", world.trust_b)  # someone else's role, never among these
    assert _role_rows.is_prepared(user.pk)
    assert sorted(_role_rows(user.pk), key=str) == sorted(_role_rows.build(user.pk), key=str)
    assert len(_role_rows(user.pk)) == 3
    forget_grants(user)
    with CaptureQueriesContext(connection) as queries:
        grants = grants_for(user)
    assert len(queries) == 1
    assert grants.national == {"national_analyst"}
    assert grants.at_ics == {world.ics_1.pk: {"ics_reviewer"}}
    assert grants.at_organisation == {world.trust_a.pk: {"assessment_lead"}}
    assert grants.organisation_codes == {world.trust_a.pk: world.trust_a.ods_code}
