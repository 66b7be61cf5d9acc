"""Saving answers, confirming last year's, and delegating domains. Every save is one transaction
with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, DomainResponse
from assessments.rules import scoring
from assessments.rules.dates import long_date
from assessments.selectors import changes_since
from assessments.services.audit import record, response_snapshot
from assessments.services.notifications import assessment_url, notify
from framework.selectors import domain_criteria
from organisations.access import may
from organisations.models import Role, RoleAssignment

STALE_PAGE = "This page is out of date or was changed: reload it and enter your answer again"
NOT_ASSIGNABLE = "Select a contributor or lead of this organisation"


class EditConflict(Exception):
    """Someone else saved the domain after this person opened it."""

    def __init__(self, current: DomainResponse, changes: list[AuditEvent]):
        self.current = current
        self.changes = changes
        super().__init__("This domain was changed by someone else while you were editing it.")


@dataclass(frozen=True)
class Answer:
    met_criteria: list[str]
    notes: str
    complete: bool


def response_lock(response_id: int) -> DomainResponse:
    """One domain's answer, locked for the rest of the transaction, with what access rules read."""
    return (
        DomainResponse.objects.select_for_update(of=("self",))
        .select_related("assessment__cycle", "assessment__organisation", "domain", "assignee")
        .get(pk=response_id)
    )


@transaction.atomic
def response_save(*, response_id: int, expected_version: int, answer: Answer, actor: Any) -> DomainResponse:
    """Save one domain's answer, refusing it if someone else saved since `expected_version`.

    The level is computed here by the scoring rule, never taken from the form.
    """
    response = response_lock(response_id)
    if not may(actor, AssessmentAction.EDIT_RESPONSE, response):
        raise PermissionDenied("You cannot change this domain.")
    if expected_version > response.version:
        # No save ever had this version: the page was tampered with, not overtaken by a colleague.
        raise ValidationError(STALE_PAGE)
    if response.version != expected_version:
        raise EditConflict(response, changes_since(response, expected_version))
    criteria = domain_criteria(response.domain)
    known = [key for level in sorted(criteria) for key in criteria[level]]
    unknown = sorted(set(answer.met_criteria) - set(known))
    if unknown:
        raise ValidationError({"met_criteria": "Select only criteria of this domain"})
    if len(answer.notes) > 10_000:
        raise ValidationError({"notes": "Notes must be 10,000 characters or fewer"})
    before = response_snapshot(response)
    was_carried_forward = response.status == DomainResponse.Status.CARRIED_FORWARD
    response.met_criteria = [key for key in known if key in set(answer.met_criteria)]
    response.level = scoring.domain_level(criteria, response.met_criteria)
    response.notes = answer.notes
    response.status = DomainResponse.Status.COMPLETED if answer.complete else DomainResponse.Status.IN_PROGRESS
    response.version += 1
    response.updated_by = actor
    response.updated_at = timezone.now()
    response.save()
    after = response_snapshot(response)
    unchanged = {k: v for k, v in before.items() if k != "status"} == {k: v for k, v in after.items() if k != "status"}
    confirmed = was_carried_forward and unchanged and answer.complete
    record(
        assessment=response.assessment,
        actor=actor,
        kind=AuditEvent.Kind.ANSWER_CONFIRMED if confirmed else AuditEvent.Kind.ANSWER_SAVED,
        summary=f"{response.domain.name}: "
        + ("last year's answer confirmed" if confirmed else f"level {before['level']} → {response.level}"),
        domain=response.domain,
        before=before,
        after=after,
        response_version=response.version,
    )
    return response


@transaction.atomic
def responses_confirm_carried_forward(*, assessment, actor: Any, measure_key: str | None = None) -> int:
    """Confirm, in one step, every carried-forward answer the actor may edit (optionally of one
    measure). Each confirmation is audited per domain, exactly as if saved one by one."""
    responses = (
        DomainResponse.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, status=DomainResponse.Status.CARRIED_FORWARD)
        .select_related("assessment__cycle", "assessment__organisation", "domain", "assignee")
    )
    if measure_key:
        responses = responses.filter(domain__measure__key=measure_key)
    confirmed = 0
    for response in responses:
        if not may(actor, AssessmentAction.EDIT_RESPONSE, response):
            continue
        before = response_snapshot(response)
        response.status = DomainResponse.Status.COMPLETED
        response.version += 1
        response.updated_by = actor
        response.updated_at = timezone.now()
        response.save(update_fields=["status", "version", "updated_by", "updated_at"])
        record(
            assessment=response.assessment,
            actor=actor,
            kind=AuditEvent.Kind.ANSWER_CONFIRMED,
            summary=f"{response.domain.name}: last year's answer confirmed (level {response.level})",
            domain=response.domain,
            before=before,
            after=response_snapshot(response),
            response_version=response.version,
        )
        confirmed += 1
    return confirmed


@transaction.atomic
def responses_assign(*, assessment, domain_ids: list[int], assignee: Any | None, actor: Any) -> int:
    """Delegate domains to a contributor (or the lead); None takes them back."""
    if not may(actor, AssessmentAction.ASSIGN, assessment):
        raise PermissionDenied("You cannot assign work on this assessment.")
    if (
        assignee is not None
        and not RoleAssignment.objects.filter(
            user=assignee, organisation=assessment.organisation, role__in=[Role.CONTRIBUTOR, Role.ASSESSMENT_LEAD]
        ).exists()
    ):
        raise ValidationError({"assignee": NOT_ASSIGNABLE})
    responses = list(
        DomainResponse.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, pk__in=domain_ids)
        .select_related("domain", "assignee")
    )
    if len(responses) != len(set(domain_ids)):
        raise ValidationError({"domains": "Select domains of this assessment"})
    changed = []
    for response in responses:
        if response.assignee_id == (assignee.pk if assignee else None):
            continue
        before = {"assignee": response.assignee.email if response.assignee_id else None}
        response.assignee = assignee
        response.save(update_fields=["assignee"])
        record(
            assessment=assessment,
            actor=actor,
            kind=AuditEvent.Kind.ASSIGNED,
            summary=f"{response.domain.name}: assigned to {assignee or 'nobody'}",
            domain=response.domain,
            before=before,
            after={"assignee": assignee.email if assignee else None},
        )
        changed.append(response)
    if changed and assignee is not None and assignee.pk != actor.pk:
        names = "\n".join(f"- {r.domain.name}" for r in changed)
        notify(
            recipients=[assignee],
            subject=f"You have been assigned domains of the {assessment.cycle.name} digital maturity assessment",
            body=(
                f"{actor} assigned you these domains of {assessment.organisation.name}'s assessment:\n\n{names}\n\n"
                f"Answer them by {long_date(assessment.editing_deadline)}, when the assessment closes for changes.\n\n"
                f"{assessment_url(assessment)}\n"
            ),
        )
    return len(changed)


def responses_hand_back(*, organisation: Any, member: Any, actor: Any) -> int:
    """Unassign the domains of `organisation`'s unsubmitted assessments that were assigned to
    `member`, who can no longer answer them (removed from the team, or now a viewer).

    Called by the team service inside its transaction (organisations.services.team's
    contribution-ended hook), so the hand-back commits with the change. The answers they saved
    stay as they are; only the assignment moves, and the trail says why."""
    responses = list(
        DomainResponse.objects.select_for_update(of=("self",))
        .filter(assessment__organisation=organisation, assignee=member)
        .exclude(assessment__status__in=sorted(Assessment.SUBMITTED_OR_LATER))
        .select_related("domain", "assessment")
    )
    for response in responses:
        response.assignee = None
        response.save(update_fields=["assignee"])
        record(
            assessment=response.assessment,
            actor=actor,
            kind=AuditEvent.Kind.ASSIGNED,
            summary=f"{response.domain.name}: assigned to nobody, as {member} can no longer answer it",
            domain=response.domain,
            before={"assignee": member.email},
            after={"assignee": None},
        )
    return len(responses)
