from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from organisations.access import Action, may
from organisations.filters import OrganisationFilter
from organisations.forms import CareSettingsForm, PeerSettingsForm
from organisations.models import Organisation
from organisations.pagination import pagination
from organisations.selectors import organisation_team, organisations_visible_to, systems_visible_to
from organisations.services import organisation_correct_care_settings, organisation_set_peer_settings

LIST_PAGE_SIZE = 50


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The organisations the user may see, filtered (organisations/filters.py) and in pages, so the
    page costs the same at 244 organisations as at ten times as many. A filter value that is not
    one of its choices is named in the error summary and left out; the rest still apply."""
    filters = OrganisationFilter(
        request.GET,
        # The list shows no programmes, so their prefetch (one query a page) is dropped.
        queryset=organisations_visible_to(request.user)
        .prefetch_related(None)
        .order_by("ics__name", "kind", "name", "pk"),
        request=request,
    )
    paginator = Paginator(filters.qs, LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/list.html",
        {
            "form": filters.form,
            "organisations": list(page.object_list),
            "page": page,
            "pagination": pagination(request, paginator, page),
        },
        status=400 if filters.form.errors else 200,
    )


def organisation_detail(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = get_object_or_404(organisations_visible_to(request.user), ods_code=ods_code)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "team": organisation_team(organisation),
            "can_edit_care_settings": organisation.kind == Organisation.Kind.TRUST
            and may(request.user, Action.EDIT_CARE_SETTINGS, organisation),
            "can_manage_team": may(request.user, Action.MANAGE_TEAM, organisation),
            "can_edit_peer_settings": may(request.user, Action.EDIT_PEER_SETTINGS, organisation),
        },
    )


def organisation_care_settings(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = get_object_or_404(
        organisations_visible_to(request.user).filter(kind=Organisation.Kind.TRUST), ods_code=ods_code
    )
    if not may(request.user, Action.EDIT_CARE_SETTINGS, organisation):
        raise PermissionDenied
    if request.method == "POST":
        form = CareSettingsForm(request.POST)
        if form.is_valid():
            organisation_correct_care_settings(
                organisation=organisation, care_settings=form.ordered_care_settings(), actor=request.user
            )
            messages.success(request, "Care settings updated")
            return redirect("organisations:detail", ods_code=organisation.ods_code)
    else:
        form = CareSettingsForm(
            initial={"care_settings": organisation.care_settings, "main_care_setting": organisation.main_care_setting}
        )
    return render(request, "organisations/care_settings.html", {"organisation": organisation, "form": form})


def organisation_peer_settings(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = get_object_or_404(organisations_visible_to(request.user), ods_code=ods_code)
    if not may(request.user, Action.EDIT_PEER_SETTINGS, organisation):
        raise PermissionDenied
    if request.method == "POST":
        form = PeerSettingsForm(request.POST)
        if form.is_valid():
            organisation_set_peer_settings(
                organisation=organisation,
                epr_supplier=form.cleaned_data["epr_supplier"],
                peer_suggestions=form.cleaned_data["peer_suggestions"] == "yes",
                actor=request.user,
            )
            messages.success(request, "Peer settings updated")
            return redirect("organisations:detail", ods_code=organisation.ods_code)
    else:
        form = PeerSettingsForm(
            initial={
                "epr_supplier": organisation.epr_supplier,
                "peer_suggestions": "yes" if organisation.peer_suggestions else "no",
            }
        )
    return render(
        request,
        "organisations/peer_settings.html",
        {"organisation": organisation, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def system_detail(request: HttpRequest, icb_code: str) -> HttpResponse:
    system = get_object_or_404(systems_visible_to(request.user), icb_ods_code=icb_code)
    organisations = (
        organisations_visible_to(request.user).prefetch_related(None).filter(ics=system).order_by("kind", "name")
    )
    return render(request, "organisations/system.html", {"system": system, "organisations": organisations})
