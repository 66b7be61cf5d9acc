"""Reads of organisations and roles, always scoped to what the user may see."""

from typing import Any

from django.db.models import Q, QuerySet

from organisations.access import grants_for, visible_organisations_q
from organisations.models import IntegratedCareSystem, Organisation, Region, RoleAssignment


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


def regions() -> QuerySet[Region]:
    """The NHS England regions: reference data, the same for everyone signed in."""
    return Region.objects.order_by("name")
