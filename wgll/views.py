"""Pages that belong to the portal as a whole: home, sign-out and the health check."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django.views.defaults import page_not_found

from assessments import presenters
from assessments.access import AssessmentAction
from assessments.rules.dates import announced_datetime
from assessments.selectors import announced_publications, assessments_with_progress, responses_assigned_in
from framework.selectors import framework_versions
from organisations.access import Action, grants_for, may
from organisations.identity import claimed_organisations_of
from organisations.models import Role
from organisations.selectors import organisations_visible_to, systems_visible_to
from reports.access import NationalAction
from reports.national_dashboard import national_headline
from wgll import sessions
from wgll.api import api_not_found

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """One home page that shows each user what their roles let them do."""
    user = request.user
    grants = grants_for(user)
    context = {
        "has_any_role": grants.has_any_role,
        "my_organisations": organisations_visible_to(user)
        .prefetch_related(None)  # the cards show no programmes
        .filter(pk__in=list(grants.at_organisation)),
        "organisation_roles": {pk: _labels(roles) for pk, roles in grants.at_organisation.items()},
        "my_systems": systems_visible_to(user).filter(pk__in=list(grants.at_ics)),
        "system_roles": {pk: _labels(roles) for pk, roles in grants.at_ics.items()},
        "national": may(user, Action.VIEW_NATIONAL),
        "framework_admin": may(user, Action.ADMINISTER_FRAMEWORKS),
        "national_roles": _labels(grants.national),
    }
    # Someone signed in through their identity provider but given no role yet sees the organisations
    # it names, to tell the service desk (who grants roles; claims never do).
    context["claimed_organisations"] = [] if grants.has_any_role else claimed_organisations_of(user)
    # Each of the user's own organisations' assessments, newest cycle first.
    context["my_assessments"] = assessments_with_progress(user, grants.at_organisation)
    context["sign_off_due"] = presenters.sign_off_due(context["my_assessments"], user)
    context["waiting"] = {a.pk: presenters.waiting_on(a) for a in context["my_assessments"]}
    # Publication dates are announced to everyone, as official statistics are.
    context["announced"] = [(cycle, announced_datetime(cycle.publication_at)) for cycle in announced_publications()]
    # What is assigned to the user, so nobody has to hunt through task lists for their own domains.
    context["my_work"] = presenters.work_groups(responses_assigned_in(user, context["my_assessments"]))
    context["sees_many_assessments"] = bool(grants.at_ics) or grants.sees_everything
    context["reviews_flags"] = may(user, AssessmentAction.VIEW_FLAG_EVIDENCE)
    if context["national"]:
        # Both kinds counted in one query; the systems counted from the list the page shows anyway.
        context["national_counts"] = organisations_visible_to(user).aggregate(
            trusts=Count("pk", filter=Q(kind="trust")), icbs=Count("pk", filter=Q(kind="icb"))
        )
        context["all_systems"] = list(systems_visible_to(user).order_by("region__name", "name"))
        context["national_counts"]["systems"] = len(context["all_systems"])
    if may(user, NationalAction.VIEW_DASHBOARD):
        context["headline"] = national_headline()
    if context["framework_admin"] or context["national"]:
        context["framework_versions"] = framework_versions()
    return render(request, "home.html", context)


def _labels(roles) -> str:
    return ", ".join(sorted(Role(role).label for role in roles))


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST (with its CSRF token) signs out."""
    if request.method == "POST":
        logout(request)
        return redirect("login")
    return render(request, "account/sign_out.html")


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose health checks: does the database answer, and can a page be
    rendered?

    The page layout is rendered to a string because every page uses it and it asks the static
    storage for the design system's files: a broken template or static build (a missing
    collectstatic manifest entry, say) would otherwise answer 500 on every page while this check
    stayed green. Both checks are cheap (one query, one template with nothing in it).
    """
    checks = {"database": _database_answers(), "templates": _layout_renders(request)}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body |= {name: "ok" if passed else "unavailable" for name, passed in checks.items()}
    if not healthy:
        failed = [name for name, passed in checks.items() if not passed]
        body["reason"] = f"{' and '.join(failed)} check failed; the web log has the error"
    return JsonResponse(body, status=200 if healthy else 503)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means unhealthy; logger.exception keeps the reason
        logger.exception("Health check: the database does not answer")
        return False
    return True


def _layout_renders(request: HttpRequest) -> bool:
    try:
        render_to_string("layouts/base.html", request=request)
    except Exception:  # any failure means unhealthy; logger.exception keeps the reason
        logger.exception("Health check: the page layout cannot be rendered")
        return False
    return True


@login_not_required
def session_timed_out(request: HttpRequest) -> HttpResponse:
    """Where an idle session lands: what happened, what was kept, and a way back in."""
    next_path = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = ""
    context = {
        "idle_minutes": settings.SESSION_IDLE_MINUTES,
        "unsaved": request.GET.get("unsaved") == "1",
        "sign_in_url": reverse("login") + (f"?{urlencode({'next': next_path})}" if next_path else ""),
    }
    return render(request, "account/timed_out.html", context)


@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> HttpResponse:
    """GET: how long the session has left (the warning's check, which does not extend it).
    POST: the person asked to stay signed in; a form post without JavaScript returns to the page."""
    if request.method == "POST":
        sessions.mark_active(request, force=True)
        back = request.POST.get("next", "")
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"signed_in": True, "seconds_left": sessions.seconds_left(request)})
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("home")
    return JsonResponse({"signed_in": True, "seconds_left": sessions.seconds_left(request)})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 for an address nothing answers: a problem document under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return page_not_found(request, exception)
