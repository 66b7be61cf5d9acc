"""ICS board pack pages: the pack section of the dashboard, the pack page, request, retry and
download. Thin: the ICS through the scoped selector (another ICS's pack, page or file is a plain
404, like one that does not exist), a version through the audiences the viewer may see, one
service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Cycle
from assessments.rules.dates import long_date, long_datetime
from assessments.views import private_download
from organisations.models import IntegratedCareSystem
from organisations.selectors import systems_visible_to
from reports import dashboards, packs
from reports.access import pack_audiences_for
from reports.models import SystemPack
from reports.pack_data import packs_of

STATUS_TAGS = {
    SystemPack.Status.QUEUED: {"text": "Queued", "colour": "grey"},
    SystemPack.Status.RENDERING: {"text": "Rendering", "colour": "blue"},
    SystemPack.Status.READY: {"text": "Ready", "colour": "green"},
    SystemPack.Status.FAILED: {"text": "Failed", "colour": "red"},
}
STAGES = {0: "waiting for a worker", packs.CLAIMED: "gathering the figures", packs.GATHERED: "laying out the pages"}


def _system(request: HttpRequest, icb_code: str) -> IntegratedCareSystem:
    return get_object_or_404(systems_visible_to(request.user), icb_ods_code=icb_code)


def _cycle(cycle_slug: str) -> Cycle:
    return get_object_or_404(dashboards.cycles_with_results(), name=cycle_slug.replace("-", "/"))


def _stage(pack: SystemPack) -> str:
    if pack.status == SystemPack.Status.QUEUED:
        return STAGES[0]
    return next((text for start, text in sorted(STAGES.items(), reverse=True) if pack.progress >= start), STAGES[0])


def pack_section(user: Any, system: IntegratedCareSystem, cycle: Cycle) -> dict[str, Any]:
    """What the pack section of the dashboard and the pack page show: the versions the viewer
    may download (of the audiences they may see), newest first, and whether they may ask for one."""
    audiences = pack_audiences_for(user, system)
    versions = list(packs_of(system, cycle, audiences))
    args = [system.icb_ods_code, cycle.slug]
    return {
        "args": args,
        "cycle_name": cycle.name,
        "audiences": [(value, SystemPack.Audience(value).label) for value in audiences],
        "versions": [
            {
                "pack": pack,
                "tag": STATUS_TAGS[pack.status],
                "audience": pack.get_audience_display(),
                "requested": long_datetime(pack.requested_at),
                "requested_by": (pack.requested_by.get_full_name() or pack.requested_by.email)
                if pack.requested_by
                else "",
                "produced": long_datetime(pack.finished_at) if pack.status == SystemPack.Status.READY else "",
                "figures": long_date(pack.figures_computed_at) if pack.figures_computed_at else "",
                "stage": _stage(pack),
                "download": reverse("systems:pack-download", args=[*args, pack.pk]),
                "retry": reverse("systems:pack-retry", args=[*args, pack.pk]),
            }
            for pack in versions
        ],
        "pending": any(pack.is_pending for pack in versions),
        "can_request": bool(audiences),
        "status_url": reverse("systems:pack", args=args),
        "request_url": reverse("systems:pack-request", args=args),
    }


@require_safe
def pack_status(request: HttpRequest, icb_code: str, cycle_slug: str) -> HttpResponse:
    system = _system(request, icb_code)
    cycle = _cycle(cycle_slug)
    return render(
        request,
        "reports/system/pack.html",
        {"system": system, "cycle": cycle, "pack": pack_section(request.user, system, cycle)},
    )


@require_POST
def pack_request(request: HttpRequest, icb_code: str, cycle_slug: str) -> HttpResponse:
    system = _system(request, icb_code)
    cycle = _cycle(cycle_slug)
    audience = request.POST.get("audience") or SystemPack.Audience.BOARD
    if audience not in pack_audiences_for(request.user, system):
        raise PermissionDenied
    try:
        pack = packs.pack_request(ics=system, cycle=cycle, actor=request.user, audience=audience)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Pack number {pack.pk} has been requested. It is usually ready within a minute.")
    return redirect("systems:pack", icb_code=system.icb_ods_code, cycle_slug=cycle.slug)


def _version(request: HttpRequest, system: IntegratedCareSystem, cycle: Cycle, pack_id: int, **extra) -> SystemPack:
    return get_object_or_404(packs_of(system, cycle, pack_audiences_for(request.user, system)), pk=pack_id, **extra)


@require_POST
def pack_retry(request: HttpRequest, icb_code: str, cycle_slug: str, pack_id: int) -> HttpResponse:
    system = _system(request, icb_code)
    cycle = _cycle(cycle_slug)
    pack = _version(request, system, cycle, pack_id)
    try:
        packs.pack_retry(pack=pack, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Pack number {pack.pk} is being produced again.")
    return redirect("systems:pack", icb_code=system.icb_ods_code, cycle_slug=cycle.slug)


@require_safe
def pack_download(request: HttpRequest, icb_code: str, cycle_slug: str, pack_id: int) -> FileResponse:
    system = _system(request, icb_code)
    cycle = _cycle(cycle_slug)
    pack = _version(request, system, cycle, pack_id, status=SystemPack.Status.READY)
    if not pack.file:
        raise Http404
    audience = "reviewers-" if pack.audience == SystemPack.Audience.REVIEWERS else ""
    name = f"ics-board-pack-{audience}{system.icb_ods_code.lower()}-{cycle.slug}-{pack.pk}.pdf"
    return private_download(
        FileResponse(pack.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf")
    )
