"""Who may do what: the one place the portal decides access.

Every page, API endpoint, admin screen and task asks here, in one of two ways:

* `may(user, action, target)` for "may this user do X to Y";
* `visible_organisations_q(user)` (through the scoped selectors) for "which of these may this
  user see", so that another organisation's object is a plain 404, exactly like one that does
  not exist.

Higher layers (assessments, reports) register the rules for their own actions with `@rule`, in
terms of the role helpers below, so they never re-implement role checks and this module never
imports them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Q

from organisations.models import ICS_ROLES, NATIONAL_ROLES, Organisation, Role, RoleAssignment
from organisations.prepared import PreparedQuery


class Action(StrEnum):
    VIEW_ORGANISATION = "view_organisation"
    EDIT_CARE_SETTINGS = "edit_care_settings"
    EDIT_PEER_SETTINGS = "edit_peer_settings"
    VIEW_SYSTEM = "view_system"
    MANAGE_ROLES = "manage_roles"
    MANAGE_TEAM = "manage_team"
    ADMINISTER_FRAMEWORKS = "administer_frameworks"
    VIEW_NATIONAL = "view_national"


@dataclass(frozen=True)
class Grants:
    """Everything a user holds, read from the database once per request."""

    superuser: bool = False
    national: frozenset[str] = frozenset()
    at_organisation: dict[int, frozenset[str]] = field(default_factory=dict)
    at_ics: dict[int, frozenset[str]] = field(default_factory=dict)
    # The ODS code of each organisation in at_organisation, read in the same query: every page's
    # navigation links a one-organisation person to their organisation without another query.
    organisation_codes: dict[int, str] = field(default_factory=dict)

    @property
    def sees_everything(self) -> bool:
        return self.superuser or bool(self.national)

    @property
    def has_any_role(self) -> bool:
        return self.superuser or bool(self.national or self.at_organisation or self.at_ics)


NO_GRANTS = Grants()
_CACHE_ATTRIBUTE = "_wgll_grants"


def grants_for(user: Any) -> Grants:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_GRANTS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    national: set[str] = set()
    at_organisation: dict[int, set[str]] = defaultdict(set)
    at_ics: dict[int, set[str]] = defaultdict(set)
    codes: dict[int, str] = {}
    for role, organisation_id, ics_id, ods_code in _role_rows(user.pk):
        if organisation_id:
            at_organisation[organisation_id].add(role)
            codes[organisation_id] = ods_code
        elif ics_id:
            at_ics[ics_id].add(role)
        else:
            national.add(role)
    grants = Grants(
        superuser=user.is_superuser,
        national=frozenset(national),
        at_organisation={key: frozenset(value) for key, value in at_organisation.items()},
        at_ics={key: frozenset(value) for key, value in at_ics.items()},
        organisation_codes=codes,
    )
    setattr(user, _CACHE_ATTRIBUTE, grants)
    return grants


# Every signed-in request reads its person's roles, and building that one query through the ORM
# cost several times what running it does: its SQL is written once per process (prepared.py).
_role_rows = PreparedQuery(
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id).values_list(
        "role", "organisation_id", "ics_id", "organisation__ods_code"
    )
)


def forget_grants(user: Any) -> None:
    """Drop the cached grants after a role change made within the same request."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# Role helpers: the vocabulary rules are written in.


def holds_at_organisation(user: Any, organisation: Organisation, *roles: str) -> bool:
    return bool(grants_for(user).at_organisation.get(organisation.pk, frozenset()) & set(roles))


def holds_any_role_at_organisation(user: Any, organisation: Organisation) -> bool:
    """Any role at all at the organisation itself (not at its ICS, not national): someone who
    belongs to it, and so is no independent judge of its answers."""
    return organisation.pk in grants_for(user).at_organisation


def holds_at_ics(user: Any, ics_id: int, *roles: str) -> bool:
    return bool(grants_for(user).at_ics.get(ics_id, frozenset()) & set(roles))


def holds_nationally(user: Any, *roles: str) -> bool:
    grants = grants_for(user)
    return grants.superuser or bool(grants.national & set(roles))


def sees_organisation(user: Any, organisation: Organisation) -> bool:
    """Any role at the organisation, any role at its ICS, or any national role."""
    grants = grants_for(user)
    return grants.sees_everything or organisation.pk in grants.at_organisation or organisation.ics_id in grants.at_ics


def visible_organisations_q(user: Any, prefix: str = "") -> Q:
    """The filter behind every scoped selector: `prefix` reaches an Organisation from the
    queried model (e.g. "organisation__" from an assessment)."""
    grants = grants_for(user)
    if grants.sees_everything:
        return Q()
    if not grants.at_organisation and not grants.at_ics:
        return Q(pk__in=[])
    return Q(**{f"{prefix}pk__in": list(grants.at_organisation)}) | Q(**{f"{prefix}ics_id__in": list(grants.at_ics)})


# The rule table.

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        if action in _RULES:
            raise RuntimeError(f"A rule for {action!r} is already registered.")
        _RULES[action] = function
        return function

    return register


def may(user: Any, action: str, target: Any = None) -> bool:
    """May `user` do `action` to `target`? Unknown actions are refused, never allowed."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    check = _RULES.get(action)
    if check is None:
        raise LookupError(f"No access rule for {action!r}.")
    return check(user, target)


@rule(Action.VIEW_ORGANISATION)
def _view_organisation(user: Any, organisation: Organisation) -> bool:
    return sees_organisation(user, organisation)


@rule(Action.EDIT_CARE_SETTINGS)
def _edit_care_settings(user: Any, organisation: Organisation) -> bool:
    # Care settings choose the domains an organisation answers and its benchmark peer group,
    # so only the organisation's own lead (or the national service desk) may correct them.
    return holds_at_organisation(user, organisation, Role.ASSESSMENT_LEAD) or grants_for(user).superuser


@rule(Action.EDIT_PEER_SETTINGS)
def _edit_peer_settings(user: Any, organisation: Organisation) -> bool:
    # Whether others may suggest and contact the organisation is its own lead's decision.
    return holds_at_organisation(user, organisation, Role.ASSESSMENT_LEAD) or grants_for(user).superuser


@rule(Action.VIEW_SYSTEM)
def _view_system(user: Any, ics: Any) -> bool:
    return grants_for(user).sees_everything or ics.pk in grants_for(user).at_ics


TEAM_ROLES_A_LEAD_MANAGES = frozenset({Role.CONTRIBUTOR, Role.VIEWER})


@rule(Action.MANAGE_ROLES)
def _manage_roles(user: Any, assignment: RoleAssignment | None) -> bool:
    """Leads manage their own organisation's contributors and viewers; every other role is
    granted by the national service desk, so no lead can make themselves (or a colleague) the
    approver who signs off their own assessment."""
    grants = grants_for(user)
    if grants.superuser:
        return True
    if assignment is None:  # may this user manage roles anywhere at all?
        return any(Role.ASSESSMENT_LEAD in roles for roles in grants.at_organisation.values())
    return (
        assignment.role in TEAM_ROLES_A_LEAD_MANAGES
        and assignment.organisation_id is not None
        and Role.ASSESSMENT_LEAD in grants.at_organisation.get(assignment.organisation_id, frozenset())
    )


@rule(Action.MANAGE_TEAM)
def _manage_team(user: Any, organisation: Organisation) -> bool:
    """The team pages: the organisation's own leads (and the service desk)."""
    return holds_at_organisation(user, organisation, Role.ASSESSMENT_LEAD) or grants_for(user).superuser


@rule(Action.ADMINISTER_FRAMEWORKS)
def _administer_frameworks(user: Any, _target: Any) -> bool:
    return holds_nationally(user, Role.FRAMEWORK_ADMIN)


@rule(Action.VIEW_NATIONAL)
def _view_national(user: Any, _target: Any) -> bool:
    return holds_nationally(user, *NATIONAL_ROLES)


# Readers who are no one in particular.


class StandIn:
    """A reader who is no one in particular: holds exactly the grants given, and nothing else.

    For documents written for a kind of reader rather than for the person who asked (the ICS
    board pack is written for "an ICS board viewer of this ICS"): rendering them as a stand-in
    lets the same rules and scoped selectors decide what they show, so a document can never show
    its readers more than their own pages would, whoever pressed the button."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    pk = id = None

    def __init__(self, grants: Grants) -> None:
        setattr(self, _CACHE_ATTRIBUTE, grants)

    def __repr__(self) -> str:
        return f"StandIn({getattr(self, _CACHE_ATTRIBUTE)!r})"


def stand_in_at_ics(role: str, ics_id: int) -> StandIn:
    """A stand-in holding one ICS role at one ICS (e.g. an ICS board viewer of ics_id)."""
    if role not in ICS_ROLES:
        raise ValueError(f"{role!r} is not an ICS role.")
    return StandIn(Grants(at_ics={ics_id: frozenset({role})}))
