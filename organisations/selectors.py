"""Reads of organisations and roles, always scoped to what the user may see."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from organisations.access import TEAM_ROLES_A_LEAD_MANAGES, grants_for, visible_organisations_q
from organisations.models import (
    ApiToken,
    IntegratedCareSystem,
    Invitation,
    Organisation,
    Region,
    RoleAssignment,
    TeamEvent,
    User,
)


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(visible_organisations_q(user))
        .select_related("ics__region")
        .prefetch_related("programmes")
    )


def systems_visible_to(user: Any) -> QuerySet[IntegratedCareSystem]:
    """An ICS is visible to its own reviewers and board viewers and to national staff."""
    grants = grants_for(user)
    systems = IntegratedCareSystem.objects.select_related("region")
    if grants.sees_everything:
        return systems
    return systems.filter(pk__in=list(grants.at_ics))


def role_assignments_visible_to(user: Any) -> QuerySet[RoleAssignment]:
    """Who holds which role, as far as the user may see the organisation or ICS concerned;
    national roles are visible to national staff only."""
    grants = grants_for(user)
    assignments = RoleAssignment.objects.select_related("user", "organisation", "ics", "granted_by")
    if grants.sees_everything:
        return assignments
    return assignments.filter(
        visible_organisations_q(user, prefix="organisation__") | Q(ics_id__in=list(grants.at_ics))
    )


def organisation_team(organisation: Organisation) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(organisation=organisation).select_related("user")


@dataclass(frozen=True)
class Member:
    """One person of a team with every role they hold there; `managed` when all of them are
    roles a lead may change (contributor, viewer), so the page offers "Change" only then."""

    user: User
    roles: tuple[str, ...]

    @property
    def managed(self) -> bool:
        return all(role in TEAM_ROLES_A_LEAD_MANAGES for role in self.roles)

    @property
    def role_labels(self) -> str:
        return ", ".join(RoleAssignment(role=role).get_role_display() for role in self.roles)


def team_members(organisation: Organisation) -> list[Member]:
    """The organisation's people, one entry each, by name."""
    roles: dict[int, list[str]] = {}
    people: dict[int, User] = {}
    for assignment in organisation_team(organisation).order_by("user__first_name", "user__last_name", "user__email"):
        people.setdefault(assignment.user_id, assignment.user)
        roles.setdefault(assignment.user_id, []).append(assignment.role)
    return [Member(user=people[pk], roles=tuple(sorted(roles[pk]))) for pk in people]


def team_member(organisation: Organisation, user_id: int) -> Member | None:
    """A contributor or viewer of the organisation (someone a lead may change), or None."""
    return next((m for m in team_members(organisation) if m.user.pk == user_id and m.managed), None)


def open_invitations(organisation: Organisation) -> list[tuple[Invitation, str]]:
    """Invitations neither accepted nor withdrawn, with their status now (waiting or expired)."""
    now = timezone.now()
    invitations = organisation.invitations.filter(accepted_at__isnull=True, withdrawn_at__isnull=True).select_related(
        "invited_by"
    )
    return [(invitation, invitation.status_at(now)) for invitation in invitations]


def team_history(organisation: Organisation, limit: int = 50) -> QuerySet[TeamEvent]:
    return organisation.team_events.select_related("actor")[:limit]


def team_events_visible_to(user: Any) -> QuerySet[TeamEvent]:
    return TeamEvent.objects.filter(visible_organisations_q(user, prefix="organisation__")).select_related(
        "organisation", "actor"
    )


def regions() -> QuerySet[Region]:
    """The NHS England regions: reference data, the same for everyone signed in."""
    return Region.objects.order_by("name")


def api_tokens_of(user: Any) -> QuerySet[ApiToken]:
    """A person's own API tokens, newest first; nobody sees anyone else's."""
    return ApiToken.objects.filter(user=user).order_by("-created", "digest")
