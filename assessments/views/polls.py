"""Polling colleagues on a domain: the page where the person answering it asks colleagues (and
sees who answered, with their comments), and the page a colleague answers on without an account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.polls import PollAnswerForm, PollSendForm
from assessments.models import DomainResponse
from assessments.services.polls import PollUnusable, parse_colleagues, poll_answer, poll_for_token, poll_send
from assessments.views import assessment_or_404, require
from organisations.access import may


@require_http_methods(["GET", "POST"])
def poll(request: HttpRequest, cycle_slug: str, ods_code: str, domain_key: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    try:
        response = selectors.response_for_page(assessment, domain_key)
    except DomainResponse.DoesNotExist:
        raise Http404("No such domain in this assessment") from None
    can_ask = may(request.user, AssessmentAction.EDIT_RESPONSE, response)
    form = PollSendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(request.user, AssessmentAction.EDIT_RESPONSE, response)
        if form.is_valid():
            try:
                sent = poll_send(
                    response=response, colleagues=parse_colleagues(form.cleaned_data["colleagues"]), actor=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Asked {len(sent)} {'colleague' if len(sent) == 1 else 'colleagues'}")
                return redirect("assessments:poll", cycle_slug, ods_code, domain_key)
    texts = selectors.criterion_texts(response)
    return render(
        request,
        "assessments/polls/poll.html",
        {
            "assessment": assessment,
            "args": presenters.assessment_url_args(assessment),
            "domain": response.domain,
            "form": form,
            "can_ask": can_ask,
            "requests": selectors.polls_of(response),
            "texts": texts,
        },
        status=400 if form.errors else 200,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def poll_answer_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = poll_for_token(token)
    except PollUnusable as problem:
        return _unusable(request, problem)
    response = found.response
    criteria = list(selectors.criterion_texts(response).items())
    form = PollAnswerForm(request.POST if request.method == "POST" else None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            poll_answer(token=token, views=form.views(), comments=form.comments())
        except PollUnusable as problem:
            return _unusable(request, problem)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return render(request, "assessments/polls/thanks.html", {"poll": found})
    levels = [
        {"number": level.number, "name": level.name, "criteria_keys": [c.key for c in level.criteria.all()]}
        for level in response.domain.levels.all()
    ]
    return render(
        request,
        "assessments/polls/answer.html",
        {"poll": found, "domain": response.domain, "form": form, "levels": levels},
        status=400 if form.errors else 200,
    )


def _unusable(request: HttpRequest, problem: PollUnusable) -> HttpResponse:
    context = {"heading": "This link cannot be used", "message": str(problem)}
    return render(request, "message.html", context, status=problem.status)
