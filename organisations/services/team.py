"""A lead's own team: inviting people by e-mail, changing a member's role, removing a member.

Leads manage contributors and viewers only (the MANAGE_ROLES rule); approvers and leads are
appointed by the service desk, so nobody can make themselves, or a friend, the person who signs
off their own assessment. Every change is written as a TeamEvent in its own transaction, and a
removed person is signed out everywhere at once.

An invitation's link carries a random secret of 256 bits; the database keeps only its SHA-256
digest, which is enough for a secret of that size (no slow hash is needed when nothing can be
guessed) and lets the link be looked up by an index.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from organisations.access import TEAM_ROLES_A_LEAD_MANAGES, Action, may
from organisations.models import (
    Invitation,
    Organisation,
    Role,
    RoleAssignment,
    TeamEvent,
    User,
    normalise_email,
)
from organisations.services import role_grant, role_revoke, sessions_end

logger = logging.getLogger(__name__)

TEAM_ROLES = tuple(sorted(TEAM_ROLES_A_LEAD_MANAGES))
# Roles that let a person answer domains: when someone holds none of them any more, whatever was
# assigned to them must go back to the lead (see on_contribution_ended).
ANSWERING_ROLES = frozenset({Role.CONTRIBUTOR, Role.ASSESSMENT_LEAD})


class InvitationUnusable(Exception):
    """The link cannot be used; the message says why and what to do, for the page to show, and
    `status` is the HTTP status the page answers with."""

    def __init__(self, message: str, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


NOT_FOUND = "This invitation link is not valid. Check that you copied the whole link from the e-mail."


def invitation_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The team -> assessments step, without a signal. Assessments sit above organisations, so they
# register here (AppConfig.ready) to hand back the domains of someone who can no longer answer
# them. Listeners run inside the change's transaction: a removal and its hand-back commit together.
ContributionEndedListener = Callable[[Organisation, User, User], Any]
_contribution_ended: dict[str, ContributionEndedListener] = {}


def on_contribution_ended(name: str, listener: ContributionEndedListener) -> None:
    """Register `listener(organisation, member, actor)`, called when `member` stops holding any
    role at `organisation` that lets them answer."""
    _contribution_ended[name] = listener


@transaction.atomic
def team_invite(*, organisation: Organisation, email: str, role: str, actor: User) -> tuple[Invitation, str]:
    """Invite `email` to the team as a contributor or viewer; returns the invitation and the
    link's secret (which only the e-mail carries). Inviting someone again replaces their
    earlier link, so a lost e-mail is fixed by sending another."""
    email = normalise_email(email)
    errors = {}
    if not email:
        errors["email"] = "Enter the e-mail address of the person you want to invite"
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter an e-mail address in the correct format, like name@example.nhs.uk"
    if role not in TEAM_ROLES:
        errors["role"] = "Select whether they will be a contributor or a viewer"
    if errors:
        raise ValidationError(errors)
    if not may(actor, Action.MANAGE_ROLES, RoleAssignment(role=role, organisation=organisation)):
        raise PermissionDenied("You cannot invite people to this organisation's team.")
    # Two leads inviting the same person at once must not both leave a live link.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    held = sorted(
        Role(value).label
        for value in RoleAssignment.objects.filter(organisation=organisation, user__email=email).values_list(
            "role", flat=True
        )
    )
    if held:
        raise ValidationError(
            {"email": f"{email} is already in the team ({', '.join(held).lower()}). Change their role instead."}
        )
    now = timezone.now()
    replaced = list(
        Invitation.objects.filter(
            organisation=organisation, email=email, accepted_at__isnull=True, withdrawn_at__isnull=True
        )
    )
    for earlier in replaced:
        _withdraw(earlier, actor, now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token_digest=invitation_digest(token),
        invited_by=actor,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    invitation._history_user = actor
    invitation.save()
    again = " again (the earlier link no longer works)" if replaced else ""
    _event(organisation, TeamEvent.Kind.INVITED, actor, email, f"{actor} invited {email} as a {_label(role)}{again}")
    _send_invitation(invitation, token)
    return invitation, token


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor: User) -> None:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not may(actor, Action.MANAGE_ROLES, RoleAssignment(role=locked.role, organisation=locked.organisation)):
        raise PermissionDenied("You cannot withdraw this invitation.")
    if locked.accepted_at or locked.withdrawn_at:
        raise ValidationError({"invitation": f"The invitation to {locked.email} has already been {_ended(locked)}."})
    _withdraw(locked, actor, timezone.now())
    _event(
        locked.organisation,
        TeamEvent.Kind.INVITATION_WITHDRAWN,
        actor,
        locked.email,
        f"{actor} withdrew the invitation to {locked.email}",
    )


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The usable invitation behind a link, or InvitationUnusable saying why not."""
    invitations = Invitation.objects.select_related("organisation", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_digest=invitation_digest(token)).first()
    if invitation is None:
        raise InvitationUnusable(NOT_FOUND, status=404)
    status = invitation.status_at(timezone.now())
    if status == Invitation.Status.ACCEPTED:
        raise InvitationUnusable("This invitation has already been accepted. Sign in to use the portal.")
    if status == Invitation.Status.WITHDRAWN:
        raise InvitationUnusable(
            "This invitation has been withdrawn. Ask your organisation's assessment lead if you should be in the team."
        )
    if status == Invitation.Status.EXPIRED:
        raise InvitationUnusable(
            f"This invitation expired on {_when(invitation.expires_at)}. "
            "Ask your organisation's assessment lead to send you a new one."
        )
    inviter = invitation.invited_by
    if inviter is None or not may(
        inviter, Action.MANAGE_ROLES, RoleAssignment(role=invitation.role, organisation=invitation.organisation)
    ):
        # Whoever sent it has since lost the right to add people: their invitations go with it.
        raise InvitationUnusable(
            "The person who invited you can no longer add people to the team. "
            "Ask your organisation's assessment lead to invite you again."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> RoleAssignment:
    """`user` (signed in as the invited address) joins the team with the invited role."""
    invitation = invitation_for_token(token, lock=True)
    if normalise_email(user.email) != invitation.email:
        raise InvitationUnusable(
            f"This invitation was sent to {mask_email(invitation.email)}, not to the address you are signed in "
            "with. Sign out, then open the link again and sign in with the invited address.",
            status=403,
        )
    assignment = role_grant(
        user=user, role=invitation.role, organisation=invitation.organisation, actor=invitation.invited_by
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation._history_user = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _event(
        invitation.organisation,
        TeamEvent.Kind.JOINED,
        user,
        user.email,
        f"{_who(user)} accepted {invitation.invited_by}'s invitation and joined as a {_label(invitation.role)}",
    )
    return assignment


@transaction.atomic
def invitation_accept_new_account(
    *, token: str, first_name: str, last_name: str, job_title: str, password: str
) -> User:
    """Create the invited person's account (the link proves they read mail at the address) and
    accept the invitation with it, all or nothing."""
    invitation = invitation_for_token(token, lock=True)
    if User.objects.filter(email=invitation.email).exists():
        raise InvitationUnusable(
            f"There is already an account for {mask_email(invitation.email)}. Sign in with it to accept the invitation."
        )
    first_name, last_name, job_title = first_name.strip(), last_name.strip(), job_title.strip()
    errors: dict[str, list[str]] = {}
    if not first_name:
        errors["first_name"] = ["Enter your first name"]
    if not last_name:
        errors["last_name"] = ["Enter your last name"]
    for name, value in (("first_name", first_name), ("last_name", last_name), ("job_title", job_title)):
        field = User._meta.get_field(name)
        if len(value) > field.max_length:
            errors[name] = [f"{field.verbose_name.capitalize()} must be {field.max_length} characters or fewer"]
    candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name, last_name=last_name, job_title=job_title
    )
    invitation_accept(token=token, user=user)
    return user


@transaction.atomic
def team_change_role(*, organisation: Organisation, member: User, role: str, actor: User) -> RoleAssignment:
    """Make a contributor a viewer or a viewer a contributor."""
    if role not in TEAM_ROLES:
        raise ValidationError({"role": "Select contributor or viewer"})
    current = _managed_roles(organisation, member, actor)
    if [assignment.role for assignment in current] == [role]:
        return current[0]
    if not may(actor, Action.MANAGE_ROLES, RoleAssignment(role=role, organisation=organisation)):
        raise PermissionDenied("You cannot give this role.")
    before = " and ".join(_label(assignment.role) for assignment in current)
    for assignment in current:
        if assignment.role != role:
            role_revoke(assignment=assignment, actor=actor)
    granted = role_grant(user=member, role=role, organisation=organisation, actor=actor)
    _event(
        organisation,
        TeamEvent.Kind.ROLE_CHANGED,
        actor,
        member.email,
        f"{actor} changed the role of {_who(member)} from {before} to {_label(role)}",
    )
    _after_change(organisation, member, actor)
    return granted


@transaction.atomic
def team_remove(*, organisation: Organisation, member: User, actor: User) -> None:
    """Take `member` out of the team and sign them out at once, on every device. Their saved
    answers stay (they are the organisation's); the domains assigned to them go back to the lead.
    If they hold roles elsewhere, they keep those and simply sign in again."""
    current = _managed_roles(organisation, member, actor)
    for assignment in current:
        role_revoke(assignment=assignment, actor=actor)
    _event(
        organisation,
        TeamEvent.Kind.REMOVED,
        actor,
        member.email,
        f"{actor} removed {_who(member)}, {' and '.join(_label(a.role) for a in current)}, from the team",
    )
    _after_change(organisation, member, actor)
    sessions_end(member)


def mask_email(address: str) -> str:
    """'jane.smith@nhs.net' as 'j…h@nhs.net': enough for its owner to recognise, no more, for a
    page shown to whoever holds a link."""
    local, _, domain = address.partition("@")
    shown = local[0] + "…" + local[-1] if len(local) > 2 else local[:1] + "…"
    return f"{shown}@{domain}"


def _managed_roles(organisation: Organisation, member: User, actor: User) -> list[RoleAssignment]:
    current = list(
        RoleAssignment.objects.select_for_update()
        .filter(organisation=organisation, user=member, role__in=TEAM_ROLES)
        .order_by("role")
    )
    if not current:
        raise ValidationError({"member": f"{member} is not a contributor or viewer of {organisation.name}."})
    if not all(may(actor, Action.MANAGE_ROLES, assignment) for assignment in current):
        raise PermissionDenied("You cannot change this person's role.")
    return current


def _after_change(organisation: Organisation, member: User, actor: User) -> None:
    still_answers = RoleAssignment.objects.filter(
        organisation=organisation, user=member, role__in=sorted(ANSWERING_ROLES)
    ).exists()
    if still_answers:
        return
    for listener in list(_contribution_ended.values()):
        listener(organisation, member, actor)


def _withdraw(invitation: Invitation, actor: User, now: datetime.datetime) -> None:
    invitation.withdrawn_at = now
    invitation._history_user = actor
    invitation.save(update_fields=["withdrawn_at"])


def _event(organisation: Organisation, kind: str, actor: User, email: str, summary: str) -> TeamEvent:
    return TeamEvent.objects.create(
        organisation=organisation, kind=kind, actor=actor, subject_email=email, summary=summary[:300]
    )


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}{reverse('organisations:invitation', args=[token])}"
    organisation = invitation.organisation
    subject = f"Join {organisation.name}'s digital maturity assessment team"
    body = (
        f"{invitation.invited_by} has invited you to join {organisation.name}'s team in the digital maturity "
        f"assessment portal, as a {_label(invitation.role)}.\n\n"
        f"{_ROLE_MEANING[invitation.role]}\n\n"
        f"Accept the invitation by {_when(invitation.expires_at)}:\n\n{link}\n\n"
        "The link works once and only for you: do not forward it. If you did not expect this e-mail, you can "
        "ignore it.\n"
    )
    address = invitation.email

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception:
            # The invitation stands; the lead can send it again from the team page.
            logger.exception("Could not send the invitation to %s", address)

    transaction.on_commit(send)


_ROLE_MEANING = {
    Role.CONTRIBUTOR: "Contributors answer the parts of the assessment their lead assigns to them.",
    Role.VIEWER: "Viewers can read the assessment, its results and board reports, but not change them.",
}


def _who(user: User) -> str:
    # The address as well as the name: two people can share a name, and the history must say who.
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


def _label(role: str) -> str:
    return Role(role).label.lower()


def _ended(invitation: Invitation) -> str:
    return "accepted" if invitation.accepted_at else "withdrawn"


def _when(moment: datetime.datetime) -> str:
    return format_date(timezone.localtime(moment), "j F Y, g:i a")
