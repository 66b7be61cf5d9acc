"""The person's own notifications page: every e-mail the portal has sent them (messages as
things happen, and reminders), and the choice to turn reminders off."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments.forms.notifications import RemindersForm
from assessments.selectors import notifications_of
from organisations.pagination import pagination
from organisations.services import user_set_reminders

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RemindersForm(request.POST)
        if form.is_valid():
            user_set_reminders(user=request.user, wants_reminders=form.cleaned_data["wants_reminders"])
            messages.success(request, "Reminders turned " + ("on" if form.cleaned_data["wants_reminders"] else "off"))
            return redirect("notifications")
    else:
        form = RemindersForm(initial={"wants_reminders": "yes" if request.user.wants_reminders else "no"})
    paginator = Paginator(notifications_of(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "account/notifications.html",
        {"form": form, "sent": list(page.object_list), "pagination": pagination(request, paginator, page)},
        status=400 if form.errors else 200,
    )
