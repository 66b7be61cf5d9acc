"""Resolving a validation flag: the ICS reviewer (or national staff) records why it needs no
further action. Thin: look up through the scoped selectors, ask the access module, call the
service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.flags import FlagResolveForm
from assessments.models import ValidationFlag
from assessments.presenters import assessment_url_args
from assessments.selectors import with_subject
from assessments.services.flags import flag_resolve as flag_resolve_service
from assessments.views import assessment_or_404, form_status, require
from organisations.access import may


@require_http_methods(["GET", "POST"])
def flag_resolve(request: HttpRequest, cycle_slug: str, ods_code: str, flag_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    # A flag of another assessment is a 404, even to someone who may see that one too.
    flag = get_object_or_404(
        ValidationFlag.objects.select_related("assessment__cycle", "domain", "resolved_by"),
        pk=flag_id,
        assessment=assessment,
    )
    require(request.user, AssessmentAction.RESOLVE_FLAG, assessment)
    # Back to the page the reviewer came from: the ICS review page while it still applies.
    from_review = request.GET.get("from") == "review" and may(request.user, AssessmentAction.REVIEW, assessment)
    back_href = reverse(
        "assessments:review" if from_review else "assessments:overview", args=assessment_url_args(assessment)
    )
    back_href += "#flags"
    form = FlagResolveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            flag_resolve_service(flag_id=flag.pk, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Flag resolved")
            return redirect(back_href)
    return render(
        request,
        "assessments/flags/resolve.html",
        {
            "assessment": assessment,
            "args": assessment_url_args(assessment),
            "flag": with_subject(flag),
            "form": form,
            "back_href": back_href,
        },
        status=form_status(form),
    )
