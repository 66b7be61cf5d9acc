"""Resolving a validation flag: the ICS reviewer (or national staff) records why it needs no
further action. Thin: look up through the scoped selectors, ask the access module, call the
service, render or redirect."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from assessments import flag_service
from assessments.access import AssessmentAction
from assessments.models import ValidationFlag
from assessments.views import assessment_or_404, assessment_url_args, require


class FlagResolveForm(forms.Form):
    comment = forms.CharField(
        label="Why is this flag resolved?",
        help_text="For example, what you checked and what the organisation told you. This is kept in the history.",
        widget=forms.Textarea,
        error_messages={"required": "Enter why this flag is resolved"},
    )


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
    form = FlagResolveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            flag_service.flag_resolve(flag_id=flag.pk, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for name, errors in by_field.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, "Flag resolved")
            return redirect("assessments:overview", *assessment_url_args(assessment))
    return render(
        request,
        "assessments/flags/resolve.html",
        {
            "assessment": assessment,
            "args": assessment_url_args(assessment),
            "flag": flag_service.with_subject(flag),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
