"""The team pages a lead uses to invite, change and remove contributors and viewers, and the
page an invited person opens from their e-mail. The rules and the audit are in
organisations/services/team.py; these views only show forms and report the outcome."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from organisations import backends
from organisations.access import Action, may
from organisations.forms import InvitationForm, NewAccountForm, TeamRoleForm
from organisations.models import Organisation, User
from organisations.selectors import open_invitations, organisations_visible_to, team_history, team_member, team_members
from organisations.services.team import (
    InvitationUnusable,
    invitation_accept,
    invitation_accept_new_account,
    invitation_for_token,
    invitation_withdraw,
    mask_email,
    team_change_role,
    team_invite,
    team_remove,
)


def _team_organisation(request: HttpRequest, ods_code: str) -> Organisation:
    # Another organisation's team is a 404, like one that does not exist; one the user can see
    # but not manage (a reviewer of its ICS, a contributor) is a 403.
    organisation = get_object_or_404(organisations_visible_to(request.user).prefetch_related(None), ods_code=ods_code)
    if not may(request.user, Action.MANAGE_TEAM, organisation):
        raise PermissionDenied
    return organisation


def _member(organisation: Organisation, user_id: int):
    member = team_member(organisation, user_id)
    if member is None:
        raise Http404("No such contributor or viewer")
    return member


def team(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _team_organisation(request, ods_code)
    return render(
        request,
        "organisations/team.html",
        {
            "organisation": organisation,
            "members": team_members(organisation),
            "invitations": open_invitations(organisation),
            "history": team_history(organisation),
        },
    )


def team_invitation_new(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _team_organisation(request, ods_code)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = team_invite(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}")
            return redirect("organisations:team", ods_code=organisation.ods_code)
    return render(
        request,
        "organisations/team_invite.html",
        {"organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def team_invitation_withdraw(request: HttpRequest, ods_code: str, invitation_id: int) -> HttpResponse:
    organisation = _team_organisation(request, ods_code)
    invitation = get_object_or_404(organisation.invitations, pk=invitation_id)
    try:
        invitation_withdraw(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Invitation to {invitation.email} withdrawn: the link no longer works")
    return redirect("organisations:team", ods_code=organisation.ods_code)


def team_member_role(request: HttpRequest, ods_code: str, user_id: int) -> HttpResponse:
    organisation = _team_organisation(request, ods_code)
    member = _member(organisation, user_id)
    form = TeamRoleForm(request.POST if request.method == "POST" else None, initial={"role": member.roles[0]})
    if request.method == "POST" and form.is_valid():
        try:
            team_change_role(
                organisation=organisation, member=member.user, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as error:
            form.add_error("role", error.messages[0])
        else:
            messages.success(request, f"{member.user}'s role changed")
            return redirect("organisations:team", ods_code=organisation.ods_code)
    return render(
        request,
        "organisations/team_member.html",
        {"organisation": organisation, "member": member, "form": form},
        status=400 if form.errors else 200,
    )


def team_member_remove(request: HttpRequest, ods_code: str, user_id: int) -> HttpResponse:
    organisation = _team_organisation(request, ods_code)
    member = _member(organisation, user_id)
    if request.method == "POST":
        team_remove(organisation=organisation, member=member.user, actor=request.user)
        messages.success(request, f"{member.user} has been removed from the team and signed out")
        return redirect("organisations:team", ods_code=organisation.ods_code)
    return render(request, "organisations/team_remove.html", {"organisation": organisation, "member": member})


@login_not_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Where the e-mail's link lands: create an account, or sign in with the invited address,
    then accept. Nothing is granted until the person presses the button."""
    try:
        found = invitation_for_token(token)
    except InvitationUnusable as problem:
        return _unusable(request, problem)
    context = {"invitation": found, "organisation": found.organisation, "masked_email": mask_email(found.email)}
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                invitation_accept(token=token, user=user)
            except InvitationUnusable as problem:
                return _unusable(request, problem)
            return _joined(request, found)
        context["signed_in_as_invited"] = matches = user.email == found.email
        return render(request, "account/invitation.html", context, status=200 if matches else 403)
    if User.objects.filter(email=found.email).exists():
        context["sign_in_url"] = f"{reverse('login')}?next={request.path}"
        return render(request, "account/invitation.html", context)
    form = NewAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = invitation_accept_new_account(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                job_title=form.cleaned_data["job_title"],
                password=form.cleaned_data["password"],
            )
        except InvitationUnusable as problem:
            return _unusable(request, problem)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, new_user, backend=backends.PATH)
            return _joined(request, found)
    context["form"] = form
    return render(request, "account/invitation.html", context, status=400 if form.errors else 200)


def _joined(request: HttpRequest, invitation) -> HttpResponse:
    messages.success(
        request, f"You have joined {invitation.organisation.name}'s team as a {invitation.get_role_display().lower()}"
    )
    return redirect("home")


def _unusable(request: HttpRequest, problem: InvitationUnusable) -> HttpResponse:
    context = {"heading": "This invitation cannot be used", "message": str(problem)}
    return render(request, "message.html", context, status=problem.status)
