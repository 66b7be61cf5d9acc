"""Validation flags: one flag's page (what it says, the evidence behind it and, for those who may,
its resolution), the reviewers' triage list of flags, and the national flag rates. Thin: look up
through the scoped selectors, ask the access module, call the service, render or redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from assessments import presenters, selectors
from assessments.access import AssessmentAction
from assessments.filters import OPEN, FlagFilter
from assessments.forms.errors import add_service_errors
from assessments.forms.flags import FlagRatesForm, FlagResolveForm
from assessments.models import Assessment
from assessments.services.flags import flag_resolve as flag_resolve_service
from assessments.views import assessment_or_404, form_status, require
from organisations.access import Action, may
from organisations.pagination import page_by_ids, pagination

TRIAGE_PAGE_SIZE = 50


def _back_href(request: HttpRequest, assessment: Assessment) -> str:
    """Back to the page the reviewer came from: the triage list with its filters and page, the
    ICS review page while it still applies, or else the assessment's overview. Only the triage
    list's own address is taken from the query, so the link can never lead off the portal."""
    origin = request.GET.get("from")
    if origin == "triage":
        triage = reverse("assessments:flags")
        target = request.GET.get("next", "")
        parts = urlsplit(target)
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        return target if safe and not parts.scheme and not parts.netloc and parts.path == triage else triage
    args = presenters.assessment_url_args(assessment)
    if origin == "review" and may(request.user, AssessmentAction.REVIEW, assessment):
        return reverse("assessments:review", args=args) + "#flags"
    return reverse("assessments:overview", args=args) + "#flags"


@require_http_methods(["GET", "POST"])
def flag_detail(request: HttpRequest, cycle_slug: str, ods_code: str, flag_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, cycle_slug, ods_code)
    # A flag of another assessment is a 404, even to someone who may see that one too; so is a
    # pattern flag to someone who may not see the evidence behind it (the organisation itself).
    flag = get_object_or_404(
        selectors.flags_visible_to(request.user).select_related("domain", "resolved_by"),
        pk=flag_id,
        assessment=assessment,
    )
    flag.assessment = assessment  # already loaded, with its cycle and organisation
    can_resolve = may(request.user, AssessmentAction.RESOLVE_FLAG, assessment)
    back_href = _back_href(request, assessment)
    form = None
    if request.method == "POST":
        require(request.user, AssessmentAction.RESOLVE_FLAG, assessment)
        form = FlagResolveForm(request.POST)
        if form.is_valid():
            try:
                flag_resolve_service(flag_id=flag.pk, actor=request.user, comment=form.cleaned_data["comment"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Flag resolved")
                return redirect(back_href)
    elif can_resolve and not flag.is_resolved:
        form = FlagResolveForm()
    return render(
        request,
        "assessments/flags/detail.html",
        {
            "assessment": assessment,
            "args": presenters.assessment_url_args(assessment),
            "flag": selectors.with_subject(flag),
            "severity": presenters.severity_tag(flag.severity),
            "status": presenters.flag_status_tag(flag),
            "evidence": presenters.flag_evidence(flag),
            "form": form,
            "back_href": back_href,
        },
        status=form_status(form),
    )


@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    """The reviewers' triage list: the flags of the organisations whose flag evidence the user
    may see, filtered (assessments/filters.py), most pressing first, in pages. With no filter
    chosen it shows the newest cycle's flags that are not resolved yet."""
    require(request.user, AssessmentAction.VIEW_FLAG_EVIDENCE, None)
    data = request.GET.copy()
    if not any(name in data for name in FlagFilter.base_filters):
        newest = next(iter(selectors.cycle_list()), None)
        data.update({"cycle": newest.name if newest else "", "status": OPEN})
    filters = FlagFilter(data, queryset=selectors.flags_to_triage(request.user), request=request)
    paginator, page, flags = page_by_ids(request, filters.qs, TRIAGE_PAGE_SIZE, selectors.flag_list_rows)
    return render(
        request,
        "assessments/flags/list.html",
        {
            "form": filters.form,
            "rows": presenters.triage_rows(flags, request.get_full_path()),
            "page": page,
            "pagination": pagination(request, paginator, page),
            "can_see_rates": may(request.user, Action.VIEW_NATIONAL),
        },
        status=form_status(filters.form),
    )


@require_GET
def flag_rates(request: HttpRequest) -> HttpResponse:
    """How many organisations are flagged, per region and ICS, from the rows the workers
    precompute (FlagRate): a fixed number of queries, however many flags there are."""
    require(request.user, Action.VIEW_NATIONAL, None)
    newest = selectors.cycles().first()
    form = FlagRatesForm(request.GET or ({"cycle": newest.name} if newest else None))
    if form.is_bound and form.is_valid():
        cycle, kind = form.cleaned_data["cycle"], form.cleaned_data["kind"]
    else:
        cycle, kind = newest, ""
    return render(
        request,
        "assessments/flags/rates.html",
        {
            "form": form,
            "cycle": cycle,
            "kind_label": dict(FlagRatesForm.base_fields["kind"].choices).get(kind, "Any kind"),
            "tables": presenters.flag_rate_tables(selectors.flag_rates(cycle, kind)) if cycle else None,
        },
        status=form_status(form),
    )
