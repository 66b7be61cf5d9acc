"""Publishing a cycle's results (national analysts), and an organisation's results page, where
its people see exactly what is (or will be) published about it and raise queries in the review
window. The steps and their rules are in assessments/services/publication.py."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from assessments import selectors
from assessments.access import AssessmentAction
from assessments.forms.errors import add_service_errors
from assessments.forms.publication import (
    PreReleaseAccessForm,
    ProvisionalReleaseForm,
    PublicationDateForm,
    QueryForm,
    QueryResponseForm,
)
from assessments.models import Assessment, Cycle, ProvisionalQuery
from assessments.rules.dates import twelve_hour
from assessments.rules.publication import DEFAULT_TIME, in_review_window
from assessments.services import publication
from assessments.views import form_status, require
from organisations.access import may
from organisations.pagination import pagination

QUERIES_PAGE_SIZE = 50


def _cycle_or_404(cycle_slug: str) -> Cycle:
    # Cycles are not an organisation's data: every signed-in person may know a cycle exists.
    return get_object_or_404(selectors.cycles(), name=cycle_slug.replace("-", "/"))


def _managed_cycle(request: HttpRequest, cycle_slug: str) -> Cycle:
    cycle = _cycle_or_404(cycle_slug)
    require(request.user, AssessmentAction.PUBLISH_CYCLE, cycle)
    return cycle


def _status_counts(request: HttpRequest, cycle: Cycle) -> Counter[str]:
    return Counter(selectors.assessments_visible_to(request.user).filter(cycle=cycle).values_list("status", flat=True))


@require_GET
def publication_overview(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    """The cycle's publication as a list of steps, each with where it stands and its page."""
    cycle = _managed_cycle(request, cycle_slug)
    counts = _status_counts(request, cycle)
    return render(
        request,
        "assessments/publication/overview.html",
        {
            "cycle": cycle,
            "counts": [(value, label, counts[value]) for value, label in Assessment.Status.choices],
            "total": sum(counts.values()),
            "validated": counts[Assessment.Status.VALIDATED],
            "queries": selectors.query_counts(cycle),
            "pre_release": selectors.pre_release_list(cycle).count(),
            "events": list(selectors.cycle_events(cycle)[:50]),
            "when": publication.publication_when(cycle),
            "window_open": in_review_window(cycle.review_opens_on, cycle.review_closes_on, timezone.localdate()),
        },
    )


@require_http_methods(["GET", "POST"])
def provisional_release(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    """Release the validated assessments for review, confirming how many, and set the window."""
    cycle = _managed_cycle(request, cycle_slug)
    validated = _status_counts(request, cycle)[Assessment.Status.VALIDATED]
    if request.method == "POST":
        form = ProvisionalReleaseForm(request.POST)
        if form.is_valid():
            try:
                released = publication.cycle_release_provisionally(
                    cycle=cycle,
                    actor=request.user,
                    opens_on=form.cleaned_data["opens_on"],
                    closes_on=form.cleaned_data["closes_on"],
                    expected_count=form.cleaned_data["expected"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, fields={"expected": "confirm", "release": None})
            else:
                noun = "assessment" if released == 1 else "assessments"
                messages.success(request, f"{released} {noun} released provisionally for review")
                return redirect("assessments:publish", cycle.slug)
    else:
        form = ProvisionalReleaseForm(
            initial={
                "opens_on": cycle.review_opens_on or timezone.localdate(),
                "closes_on": cycle.review_closes_on,
            }
        )
    return render(
        request,
        "assessments/publication/provisional.html",
        {"cycle": cycle, "form": form, "validated": validated, "first": cycle.release == Cycle.Release.UNPUBLISHED},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def publication_date(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    cycle = _managed_cycle(request, cycle_slug)
    if request.method == "POST":
        form = PublicationDateForm(request.POST)
        if form.is_valid():
            try:
                publication.cycle_announce_publication(
                    cycle=cycle,
                    actor=request.user,
                    publication_at=form.publication_at(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                cycle.refresh_from_db()
                messages.success(request, f"Publication announced for {publication.publication_when(cycle)}")
                return redirect("assessments:publish", cycle.slug)
    else:
        local = timezone.localtime(cycle.publication_at) if cycle.publication_at else None
        form = PublicationDateForm(
            initial={
                "publication_date": local.date() if local else None,
                "publication_time": twelve_hour(local.time() if local else DEFAULT_TIME),
            }
        )
    return render(
        request,
        "assessments/publication/date.html",
        {"cycle": cycle, "form": form, "when": publication.publication_when(cycle)},
        status=form_status(form),
    )


@require_GET
def query_list(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    cycle = _managed_cycle(request, cycle_slug)
    status = request.GET.get("status", "")
    if status not in ProvisionalQuery.Status.values:
        status = ""
    paginator = Paginator(
        selectors.cycle_queries(cycle, status).order_by("status", "raised_at", "pk"), QUERIES_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/publication/queries.html",
        {
            "cycle": cycle,
            "queries": list(page.object_list),
            "counts": selectors.query_counts(cycle),
            "status": status,
            "page": page,
            "pagination": pagination(request, paginator, page),
        },
    )


@require_http_methods(["GET", "POST"])
def query_respond(request: HttpRequest, cycle_slug: str, query_id: int) -> HttpResponse:
    cycle = _managed_cycle(request, cycle_slug)
    query = get_object_or_404(selectors.cycle_queries(cycle), pk=query_id)
    require(request.user, AssessmentAction.ANSWER_QUERY, query)
    form = QueryResponseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            publication.query_respond(query=query, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Your response to {query.assessment.organisation.name} was sent")
            return redirect("assessments:publish-queries", cycle.slug)
    return render(
        request,
        "assessments/publication/query.html",
        {"cycle": cycle, "query": query, "form": form},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def pre_release_access(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    cycle = _managed_cycle(request, cycle_slug)
    form = PreReleaseAccessForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            publication.pre_release_access_add(cycle=cycle, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} added to the pre-release access list")
            return redirect("assessments:publish-pre-release", cycle.slug)
    return render(
        request,
        "assessments/publication/pre_release.html",
        {"cycle": cycle, "form": form, "entries": list(selectors.pre_release_list(cycle))},
        status=form_status(form),
    )


# An organisation's results.


@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, cycle_slug: str, ods_code: str) -> HttpResponse:
    """What is (or will be) published about the organisation, and, for its own people, its ICS
    and national staff, the queries about it; a query can be raised here in the review window.
    Before provisional release, and for anyone else before publication, a plain 404."""
    assessment = get_object_or_404(
        selectors.results_visible_to(request.user).select_related("cycle__framework", "organisation__ics"),
        cycle__name=cycle_slug.replace("-", "/"),
        organisation__ods_code=ods_code,
    )
    figures = selectors.published_figures(assessment)
    domains = [(d.key, d.name) for m in (figures.measures if figures else []) for d in m.domains]
    can_raise = may(request.user, AssessmentAction.RAISE_QUERY, assessment)
    form = None
    if can_raise:
        form = QueryForm(request.POST if request.method == "POST" else None, domains=domains)
        if form.is_bound and form.is_valid():
            try:
                publication.query_raise(assessment=assessment, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Your query was sent to the national analysts")
                return redirect("assessments:results", cycle_slug, ods_code)
    elif request.method == "POST":
        require(request.user, AssessmentAction.RAISE_QUERY, assessment)
    cycle = assessment.cycle
    return render(
        request,
        "assessments/publication/results.html",
        {
            "assessment": assessment,
            "cycle": cycle,
            "figures": figures,
            "form": form,
            "queries": (
                list(selectors.assessment_queries(assessment))
                if may(request.user, AssessmentAction.VIEW_QUERIES, assessment)
                else None
            ),
            "domain_names": dict(domains),
            "when": publication.publication_when(cycle),
            "window_open": in_review_window(cycle.review_opens_on, cycle.review_closes_on, timezone.localdate()),
        },
        status=form_status(form),
    )
