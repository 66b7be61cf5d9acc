from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from organisations.access import Action, may
from organisations.forms import CareSettingsForm
from organisations.models import CareSetting, Organisation
from organisations.selectors import organisation_team, organisations_visible_to, systems_visible_to
from organisations.services import organisation_correct_care_settings


def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = organisations_visible_to(request.user).order_by("ics__name", "kind", "name")
    setting = request.GET.get("setting", "")
    if setting in CareSetting.values:
        organisations = organisations.filter(care_settings__0=setting)
    return render(
        request,
        "organisations/list.html",
        {"organisations": organisations, "settings": CareSetting.choices, "setting": setting},
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


def system_detail(request: HttpRequest, icb_code: str) -> HttpResponse:
    system = get_object_or_404(systems_visible_to(request.user), icb_ods_code=icb_code)
    organisations = organisations_visible_to(request.user).filter(ics=system).order_by("kind", "name")
    return render(request, "organisations/system.html", {"system": system, "organisations": organisations})
