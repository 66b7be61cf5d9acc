"""Sharing a domain's story with the knowledge base (the assessment lead, from a signed-off
assessment) and withdrawing it. Another organisation's assessment is a plain 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.knowledge import ShareForm
from assessments.models import DomainResponse
from assessments.services import knowledge as knowledge_services
from assessments.views import assessment_or_404, form_status, require


def _response_or_404(assessment, domain_key: str) -> DomainResponse:
    try:
        return selectors.response_for_page(assessment, domain_key)
    except DomainResponse.DoesNotExist:
        raise Http404("No such domain in this assessment") from None


@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    response = _response_or_404(assessment, domain_key)
    require(request.user, AssessmentAction.SHARE_KNOWLEDGE, assessment)
    links = knowledge_services.shareable_links(response)
    existing = knowledge_services.shared_entry_for(response)
    form = ShareForm(request.POST or None, level=response.level, links=links, initial=_initial(existing))
    if request.method == "POST" and form.is_valid():
        try:
            entry = knowledge_services.knowledge_share(
                response=response, entry=form.entry(), consent=form.cleaned_data["consent"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not entry.is_published:
                messages.info(
                    request,
                    f"Saved: {entry.title}. An editor took it off the knowledge base; "
                    "it stays off until they publish it again",
                )
                return redirect(
                    reverse(
                        "assessments:knowledge-share", args=[*presenters.assessment_url_args(assessment), domain_key]
                    )
                )
            messages.success(request, f"Shared with other NHS organisations: {entry.title}")
            return redirect(reverse("knowledge:entry", args=[entry.key]))
    return render(
        request,
        "assessments/knowledge/share.html",
        {
            "assessment": assessment,
            "args": presenters.assessment_url_args(assessment),
            "domain": response.domain,
            "response": response,
            "form": form,
            "existing": existing,
            "has_files": any(item.kind == "file" for item in response.evidence.all()),
        },
        status=form_status(form),
    )


def _initial(existing) -> dict:
    if existing is None:
        return {"cost_band": "unknown"}
    return {
        "title": existing.title,
        "summary": existing.summary,
        "body": existing.body,
        "outcome": existing.outcome,
        "contact": existing.contact,
        "level_from": existing.level_from,
        "cost_band": existing.cost_band,
    }


@require_POST
def withdraw(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    response = _response_or_404(assessment, domain_key)
    existing = knowledge_services.shared_entry_for(response)
    if existing is None:
        raise Http404("Nothing of this domain is shared")
    require(request.user, AssessmentAction.WITHDRAW_KNOWLEDGE, existing)
    knowledge_services.knowledge_withdraw(entry=existing, actor=request.user)
    messages.success(request, f"Withdrawn from the knowledge base: {existing.title}")
    return redirect(
        reverse("assessments:knowledge-share", args=[*presenters.assessment_url_args(assessment), domain_key])
    )
