"""Asking a peer a level ahead to get in touch, and their answer.

No contact details pass on asking: the asked organisation's leads are told who asked, about
which domain, and the message. Only when one of them accepts does each side see the other's
named person (name, job title, e-mail) on its peer requests page; a declined or withdrawn
request shows neither. Every change is kept in the request's history with its actor.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import PeerContactRequest
from assessments.selectors import people_with_role
from assessments.services.notifications import absolute_url, notify
from organisations.access import may
from organisations.models import Organisation, Role

MESSAGE_MAX = 2000
Status = PeerContactRequest.Status


def requests_url(organisation: Organisation) -> str:
    return absolute_url(reverse("peer-requests", args=[organisation.ods_code]))


@transaction.atomic
def peer_request_send(
    *,
    from_organisation: Organisation,
    to_organisation: Organisation,
    domain_key: str,
    domain_name: str,
    message: str,
    actor: Any,
) -> PeerContactRequest:
    """Ask `to_organisation` to get in touch about a domain; its leads are told. One request per
    pair and domain waits at a time (the database holds that too)."""
    if not may(actor, AssessmentAction.ASK_PEER, from_organisation):
        raise PermissionDenied("You cannot ask other organisations to get in touch for this organisation.")
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Enter a message saying what you would like to ask them"})
    if len(message) > MESSAGE_MAX:
        raise ValidationError({"message": f"The message must be {MESSAGE_MAX} characters or fewer"})
    asked = Organisation.objects.select_for_update().get(pk=to_organisation.pk)
    if asked.pk == from_organisation.pk or asked.kind != from_organisation.kind:
        raise ValidationError({"message": f"You cannot ask {asked.name} to get in touch as a peer"})
    if not asked.peer_suggestions:
        raise ValidationError({"message": f"{asked.name} has chosen not to be contacted as a peer"})
    waiting = PeerContactRequest.objects.filter(
        from_organisation=from_organisation, to_organisation=asked, domain_key=domain_key, status=Status.PENDING
    )
    refusal = ValidationError(
        {"message": f"You have already asked {asked.name} about {domain_name}: wait for their reply, or withdraw it"}
    )
    if waiting.exists():
        raise refusal
    request = PeerContactRequest(
        from_organisation=from_organisation,
        to_organisation=asked,
        domain_key=domain_key,
        domain_name=domain_name,
        message=message,
        requested_by=actor,
    )
    request._history_user = actor
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # sent twice at once: the other one stands
        raise refusal from None
    notify(
        recipients=people_with_role(asked, Role.ASSESSMENT_LEAD),
        subject=f"{from_organisation.name} would like to talk to you about {domain_name}",
        body=(
            f"{from_organisation.name} is working on {domain_name}, in which your organisation has reached a "
            f"higher level, and asks whether someone could get in touch.\n\nTheir message:\n{message}\n\n"
            "Nobody's contact details are shared unless you accept. Accept or decline here: "
            f"{requests_url(asked)}\n"
        ),
    )
    return request


def _locked(request: PeerContactRequest) -> PeerContactRequest:
    return (
        PeerContactRequest.objects.select_for_update()
        .select_related("from_organisation", "to_organisation", "requested_by")
        .get(pk=request.pk)
    )


@transaction.atomic
def peer_request_answer(*, request: PeerContactRequest, accept: bool, actor: Any) -> PeerContactRequest:
    """The asked organisation's lead accepts (sharing their own contact details and seeing the
    asker's) or declines; the asker and their organisation's leads are told."""
    locked = _locked(request)
    if locked.status != Status.PENDING:
        raise ValidationError({"decision": f"This request has already been {locked.get_status_display().lower()}"})
    if not may(actor, AssessmentAction.ANSWER_PEER_REQUEST, locked):
        raise PermissionDenied("Only the assessment lead of the organisation asked can answer this request.")
    locked.status = Status.ACCEPTED if accept else Status.DECLINED
    locked.responded_by = actor
    locked.responded_at = timezone.now()
    locked._history_user = actor
    locked.save(update_fields=["status", "responded_by", "responded_at"])
    asked, asking = locked.to_organisation, locked.from_organisation
    outcome = (
        f"accepted: you can now see the contact details of {actor.get_full_name() or actor.email}"
        if accept
        else "declined"
    )
    notify(
        recipients=[locked.requested_by, *people_with_role(asking, Role.ASSESSMENT_LEAD)],
        subject=f"{asked.name} {'accepted' if accept else 'declined'} your request about {locked.domain_name}",
        body=f"{asked.name} {outcome}.\n\nYour organisation's peer requests: {requests_url(asking)}\n",
    )
    return locked


@transaction.atomic
def peer_request_withdraw(*, request: PeerContactRequest, actor: Any) -> PeerContactRequest:
    """The asker (or their lead) takes back a request still waiting; nobody is told."""
    locked = _locked(request)
    if locked.status != Status.PENDING:
        raise ValidationError({"decision": f"This request has already been {locked.get_status_display().lower()}"})
    if not may(actor, AssessmentAction.WITHDRAW_PEER_REQUEST, locked):
        raise PermissionDenied("Only the person who sent this request, or their assessment lead, can withdraw it.")
    locked.status = Status.WITHDRAWN
    locked.responded_by = actor
    locked.responded_at = timezone.now()
    locked._history_user = actor
    locked.save(update_fields=["status", "responded_by", "responded_at"])
    return locked
