"""The staff pulse: the lead's page (open it, share its link, close it, see the results beside
the assessment's scores) and the page staff answer on, which needs no account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.pulse import PulseAnswerForm
from assessments.models import StaffPulse
from assessments.selectors import pulse_comparison, pulse_of
from assessments.services.notifications import absolute_url
from assessments.services.pulse import PulseClosed, pulse_answer, pulse_close, pulse_open
from assessments.views import assessment_or_404
from organisations.access import may

ANSWERED_COOKIE = "wgll_pulse_answered"


@require_http_methods(["GET", "POST"])
def pulse(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    if not may(request.user, AssessmentAction.VIEW_PULSE, assessment):
        raise PermissionDenied
    found = pulse_of(assessment)
    if request.method == "POST":
        if request.POST.get("action") == "close" and found:
            pulse_close(pulse=found, actor=request.user)
            messages.success(request, "Staff pulse closed: the link no longer takes answers")
        else:
            pulse_open(assessment=assessment, actor=request.user)
            messages.success(request, "Staff pulse open: share its link with your staff")
        return redirect("assessments:pulse", cycle_slug, ods_code)
    context = {
        "assessment": assessment,
        "args": (cycle_slug, ods_code),
        "pulse": found,
        "can_run": may(request.user, AssessmentAction.RUN_PULSE, assessment),
    }
    if found:
        context["link"] = absolute_url(reverse("pulse-answer", args=[found.code]))
        context["result"], context["rows"] = pulse_comparison(assessment, found)
    return render(request, "assessments/pulse/manage.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def pulse_answer_page(request: HttpRequest, code: str) -> HttpResponse:
    found = StaffPulse.objects.select_related("assessment__organisation").filter(code=code).first()
    if found is None:
        raise Http404("No such staff pulse")
    context = {"organisation": found.assessment.organisation, "pulse": found}
    answered = f"{found.pk}" in request.get_signed_cookie(ANSWERED_COOKIE, default="", salt="pulse").split(",")
    if not found.is_open:
        return _closed(request, found)
    if answered:
        return render(request, "assessments/pulse/thanks.html", {**context, "again": True})
    form = PulseAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pulse_answer(code=code, answers=form.cleaned_data)
        except PulseClosed:
            return _closed(request, found)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            response = render(request, "assessments/pulse/thanks.html", context)
            # One answer per browser: a soft guard against answering twice by mistake, and no
            # more (the link is shared openly, and nothing records who answered).
            seen = request.get_signed_cookie(ANSWERED_COOKIE, default="", salt="pulse")
            response.set_signed_cookie(
                ANSWERED_COOKIE,
                ",".join(filter(None, [seen, str(found.pk)])),
                salt="pulse",
                max_age=400 * 86400,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
    return render(
        request, "assessments/pulse/answer.html", {**context, "form": form}, status=400 if form.errors else 200
    )


def _closed(request: HttpRequest, found: StaffPulse) -> HttpResponse:
    name = found.assessment.organisation.name
    context = {
        "heading": "This staff pulse has closed",
        "message": f"{name}'s staff pulse no longer takes answers. Thank you for your interest.",
    }
    return render(request, "message.html", context, status=410)
