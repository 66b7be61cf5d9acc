"""The assessment workflow:

draft -> ready for sign-off -> submitted -> returned (editable again) | validated
      -> provisionally published -> published.

Every transition checks the role through the access module, locks the assessment, writes an
audit event in the same transaction and e-mails the people who act next.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, Cycle, DomainResponse
from assessments.rules.dates import long_date
from assessments.rules.sign_off import board_meeting_date_problem
from assessments.selectors import incomplete_responses, people_with_role, reviewers_of, unresolved_flag_count
from assessments.services.audit import record
from assessments.services.notifications import assessment_url, notify
from assessments.tasks import queue_cycle_flags, queue_scoring
from organisations.access import may
from organisations.models import Organisation, Role

Status = Assessment.Status


class IncompleteAssessment(Exception):
    def __init__(self, incomplete: list[DomainResponse]):
        self.incomplete = incomplete
        super().__init__(f"{len(incomplete)} domain(s) are not complete.")


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("cycle", "organisation__ics")
        .get(pk=assessment.pk)
    )


def _move(
    assessment: Assessment, to: str, actor: Any, summary: str, comment: str = "", noted: dict | None = None
) -> Assessment:
    """The transition, audited; `noted` is added to the event's `after` (what the actor knew)."""
    before = assessment.status
    assessment.status = to
    assessment.save()
    record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.TRANSITION,
        summary=summary,
        before={"status": before},
        after={"status": to, **(noted or {})},
        comment=comment,
    )
    return assessment


def _reviewed_nationally(assessment: Assessment) -> bool:
    """An ICB's own system assessment is reviewed by national analysts (see the REVIEW rule)."""
    return assessment.organisation.kind == Organisation.Kind.ICB


@transaction.atomic
def assessment_mark_ready(*, assessment: Assessment, actor: Any) -> Assessment:
    """The lead says the answers are complete; refused while any domain is incomplete."""
    locked = _lock(assessment)
    if not may(actor, AssessmentAction.MARK_READY, locked):
        raise PermissionDenied("You cannot mark this assessment ready for sign-off.")
    incomplete = incomplete_responses(locked)
    if incomplete:
        raise IncompleteAssessment(incomplete)
    _move(locked, Status.READY, actor, "Marked ready for board sign-off")
    notify(
        recipients=people_with_role(locked.organisation, Role.APPROVER),
        subject=f"{locked.organisation.name}: digital maturity assessment ready for board sign-off",
        body=f"{actor} has marked the {locked.cycle.name} assessment ready for sign-off.\n\n{assessment_url(locked)}\n",
    )
    return locked


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, actor: Any) -> Assessment:
    locked = _lock(assessment)
    if not may(actor, AssessmentAction.REOPEN, locked):
        raise PermissionDenied("You cannot reopen this assessment.")
    return _move(locked, Status.DRAFT, actor, "Reopened for changes before sign-off")


@transaction.atomic
def assessment_sign_off_and_submit(
    *,
    assessment: Assessment,
    actor: Any,
    name: str,
    role: str,
    meeting_date: datetime.date,
    minute_reference: str,
) -> Assessment:
    """The approver records the board's sign-off and submits; the answers are then locked. The
    board meeting must fall in the cycle's window (assessments.rules.sign_off), whoever calls."""
    locked = _lock(assessment)
    if not may(actor, AssessmentAction.SIGN_OFF, locked):
        raise PermissionDenied("You cannot sign off this assessment.")
    errors = {}
    if not name.strip():
        errors["name"] = "Enter the name of the person who signed off for the board"
    if not role.strip():
        errors["role"] = "Enter their role"
    if not minute_reference.strip():
        errors["minute_reference"] = "Enter the board minute reference"
    meeting_date_problem = board_meeting_date_problem(meeting_date, locked.cycle.opens_on, timezone.localdate())
    if meeting_date_problem:
        errors["meeting_date"] = meeting_date_problem
    if errors:
        raise ValidationError(errors)
    locked.board_sign_off_name = name.strip()
    locked.board_sign_off_role = role.strip()
    locked.board_meeting_date = meeting_date
    locked.board_minute_reference = minute_reference.strip()
    locked.signed_off_by = actor
    locked.submitted_at = timezone.now()
    _move(
        locked,
        Status.SUBMITTED,
        actor,
        f"Board sign-off recorded ({locked.board_sign_off_name}, {locked.board_sign_off_role}, "
        f"meeting {long_date(meeting_date)}, minute {locked.board_minute_reference}) and submitted",
    )
    assessment_id = locked.pk
    transaction.on_commit(lambda: queue_scoring(assessment_id))
    notify(
        # Those who may review it: the ICS's reviewers, or national analysts for an ICB's own.
        recipients=[*reviewers_of(locked), *people_with_role(locked.organisation, Role.ASSESSMENT_LEAD)],
        subject=f"{locked.organisation.name} has submitted its {locked.cycle.name} digital maturity assessment",
        body=(
            f"The assessment was signed off by {locked.board_sign_off_name} and is ready for "
            f"{'national' if _reviewed_nationally(locked) else 'ICS'} review.\n\n{assessment_url(locked)}\n"
        ),
    )
    return locked


def unresolved_flags_message(count: int) -> str:
    return f"Enter why you are validating with {count} unresolved flag{'' if count == 1 else 's'}"


def _review_decision(assessment: Assessment, actor: Any, *, to: str, summary: str, comment: str) -> Assessment:
    """The reviewer's decision on a submitted assessment, told to its lead and approver. A
    return must say what needs changing (the organisation cannot act on a bare "returned"), and
    a validation while flags are unresolved must say why: validating is the reviewer's word that
    the answers hold, so passing over an open warning is a decision that is written down. The
    number of open flags is recorded with the decision either way."""
    locked = _lock(assessment)
    if not may(actor, AssessmentAction.REVIEW, locked):
        raise PermissionDenied("You cannot review this assessment.")
    returned = to == Status.RETURNED
    if returned and not comment:
        raise ValidationError({"comment": "Enter what the organisation needs to change"})
    # Counted under the lock: refreshing flags locks the assessment too, so this is the number
    # the decision is made against.
    open_flags = unresolved_flag_count(locked)
    if not returned and open_flags and not comment:
        raise ValidationError({"comment": unresolved_flags_message(open_flags)})
    _move(locked, to, actor, summary, comment=comment, noted={"open_flags": open_flags})
    outcome, verb = ("returned for changes", "returned") if returned else ("validated", "validated")
    notify(
        recipients=people_with_role(locked.organisation, Role.ASSESSMENT_LEAD, Role.APPROVER),
        subject=f"Your {locked.cycle.name} digital maturity assessment has been {outcome}",
        body=f"{actor} {verb} the assessment"
        + (f" with this comment:\n\n{comment}\n" if returned else ".\n")
        + f"\n{assessment_url(locked)}\n",
    )
    return locked


def _reviewer_title(assessment: Assessment) -> str:
    return "national staff" if _reviewed_nationally(assessment) else "the ICS reviewer"


@transaction.atomic
def assessment_return(*, assessment: Assessment, actor: Any, comment: str) -> Assessment:
    summary = f"Returned for changes by {_reviewer_title(assessment)}"
    returned = _review_decision(assessment, actor, to=Status.RETURNED, summary=summary, comment=comment.strip())
    # A returned assessment leaves the cycle's comparisons: its peers' pattern flags are due again.
    Cycle.objects.filter(pk=returned.cycle_id).update(flags_refreshed_at=None)
    cycle_id = returned.cycle_id
    transaction.on_commit(lambda: queue_cycle_flags(cycle_id))
    return returned


@transaction.atomic
def assessment_validate(*, assessment: Assessment, actor: Any, comment: str = "") -> Assessment:
    summary = f"Validated by {_reviewer_title(assessment)}"
    return _review_decision(assessment, actor, to=Status.VALIDATED, summary=summary, comment=comment.strip())


@transaction.atomic
def assessment_grant_extension(*, assessment: Assessment, actor: Any, until: datetime.date, reason: str) -> Assessment:
    locked = _lock(assessment)
    if not may(actor, AssessmentAction.GRANT_EXTENSION, locked):
        raise PermissionDenied("You cannot grant an extension.")
    if until <= locked.cycle.closes_on:
        raise ValidationError({"until": "The extension must end after the cycle's closing date"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for the extension"})
    before = locked.extension_until
    locked.extension_until = until
    locked.save(update_fields=["extension_until", "updated_at"])
    record(
        assessment=locked,
        actor=actor,
        kind=AuditEvent.Kind.EXTENSION,
        summary=f"Extension granted until {long_date(until)}",
        before={"extension_until": before.isoformat() if before else None},
        after={"extension_until": until.isoformat()},
        comment=reason.strip(),
    )
    return locked
