"""Peers a level ahead: the page of an assessment's weakest domains with their peers, asking one
to get in touch, and the organisation's requests both ways (accept, decline, withdraw)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import peers as peer_selectors
from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.peers import PeerRequestForm
from assessments.services import peers as peer_services
from assessments.views import assessment_or_404, form_status, require
from organisations.access import may
from organisations.selectors import organisations_visible_to


@require_safe
def peers(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    require(request.user, AssessmentAction.VIEW_PEERS, assessment)
    can_ask = may(request.user, AssessmentAction.ASK_PEER, assessment.organisation)
    return render(
        request,
        "assessments/peers/peers.html",
        {
            "assessment": assessment,
            "args": [cycle_slug, ods_code],
            "page": peer_selectors.peers_page(assessment),
            "can_ask": can_ask,
            "asked": peer_selectors.asked_already(assessment.organisation) if can_ask else set(),
        },
    )


@require_http_methods(["GET", "POST"])
def peer_ask(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    """Asking one peer about one domain: `to` (its ODS code) and `domain` (a key of this
    assessment) come with the link from the peers page and back with the form."""
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    organisation = assessment.organisation
    require(request.user, AssessmentAction.ASK_PEER, organisation)
    source = request.POST if request.method == "POST" else request.GET
    domain = peer_selectors.assessment_domain(assessment, source.get("domain", ""))
    peer = peer_selectors.peer_to_ask(assessment, source.get("to", ""), domain.key) if domain else None
    if peer is None or domain is None:
        raise Http404("No such peer or domain")
    form = PeerRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            peer_services.peer_request_send(
                from_organisation=organisation,
                to_organisation=peer,
                domain_key=domain.key,
                domain_name=domain.name,
                message=form.cleaned_data["message"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Request sent to {peer.name}: their lead will accept or decline it")
            return redirect("peer-requests", organisation.ods_code)
    return render(
        request,
        "assessments/peers/ask.html",
        {"assessment": assessment, "args": [cycle_slug, ods_code], "peer": peer, "domain": domain, "form": form},
        status=form_status(form),
    )


def _organisation_or_404(request: HttpRequest, ods_code: str):
    organisation = get_object_or_404(organisations_visible_to(request.user).prefetch_related(None), ods_code=ods_code)
    require(request.user, AssessmentAction.VIEW_PEER_REQUESTS, organisation)
    return organisation


@require_safe
def peer_requests(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _organisation_or_404(request, ods_code)
    incoming, outgoing = peer_selectors.peer_requests_of(organisation)
    user = request.user
    return render(
        request,
        "assessments/peers/requests.html",
        {
            "organisation": organisation,
            "incoming": [(r, may(user, AssessmentAction.ANSWER_PEER_REQUEST, r)) for r in incoming],
            "outgoing": [(r, may(user, AssessmentAction.WITHDRAW_PEER_REQUEST, r)) for r in outgoing],
        },
    )


DECISIONS = {"accept", "decline", "withdraw"}


@require_POST
def peer_request_decide(request: HttpRequest, ods_code: str, request_id: int) -> HttpResponse:
    organisation = _organisation_or_404(request, ods_code)
    found = peer_selectors.peer_request_of(organisation, request_id)
    if found is None:
        raise Http404("No such request")
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        messages.error(request, "Choose to accept, decline or withdraw the request")
        return redirect("peer-requests", organisation.ods_code)
    try:
        if decision == "withdraw":
            peer_services.peer_request_withdraw(request=found, actor=request.user)
            messages.success(request, f"Request to {found.to_organisation.name} withdrawn")
        else:
            peer_services.peer_request_answer(request=found, accept=decision == "accept", actor=request.user)
            if decision == "accept":
                messages.success(request, f"Accepted: {found.from_organisation.name} can now see your contact details")
            else:
                messages.success(request, f"Request from {found.from_organisation.name} declined")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("peer-requests", organisation.ods_code)
