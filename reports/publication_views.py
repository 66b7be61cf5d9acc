"""The national files pages: the list of cycles with files, a cycle's versions (progress while
one is generated), each file's download, each version's data-quality statement, and the
"publish a correction" form with its check-your-answers step. Thin: who may see a cycle's files
is reports.access (a cycle they may not see is a plain 404, as one that does not exist); the
correction is one call of reports.national_files."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.models import Cycle
from assessments.rules.dates import long_datetime
from assessments.views import private_download
from organisations.access import may
from reports import national_files
from reports.access import PublicationAction
from reports.models import NationalRelease

STATUS_TAGS = {
    NationalRelease.Status.QUEUED: {"text": "Queued", "colour": "grey"},
    NationalRelease.Status.RENDERING: {"text": "Generating", "colour": "blue"},
    NationalRelease.Status.READY: {"text": "Ready", "colour": "green"},
    NationalRelease.Status.FAILED: {"text": "Failed", "colour": "red"},
}
# The files of a version: URL name -> (field, what it is, content type, file name suffix).
FILES = {
    "csv": ("wide_csv", "One row per organisation (CSV)", "text/csv; charset=utf-8", ".csv"),
    "xlsx": ("xlsx", "One row per organisation, with the data dictionary (Excel)", national_files.XLSX_TYPE, ".xlsx"),
    "long-csv": ("long_csv", "One row per organisation and domain (CSV)", "text/csv; charset=utf-8", "-long.csv"),
    "dictionary-csv": ("dictionary_csv", "Data dictionary (CSV)", "text/csv; charset=utf-8", "-dictionary.csv"),
}


def _cycle(request: HttpRequest, cycle_slug: str) -> Cycle:
    cycle = get_object_or_404(Cycle.objects.select_related("framework"), name=cycle_slug.replace("-", "/"))
    if not may(request.user, PublicationAction.VIEW_PUBLICATIONS, cycle):
        raise Http404
    return cycle


def _size(field) -> str:
    try:
        size = field.size
    except OSError:
        return ""
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 2**20:.1f} MB"


def _version(release: NationalRelease) -> dict:
    files = []
    if release.status == NationalRelease.Status.READY:
        files = [
            {"kind": kind, "label": label, "size": _size(getattr(release, field))}
            for kind, (field, label, _type, _suffix) in FILES.items()
            if getattr(release, field)
        ]
    return {
        "release": release,
        "tag": STATUS_TAGS[release.status],
        "requested": long_datetime(release.requested_at),
        "generated": long_datetime(release.finished_at) if release.status == NationalRelease.Status.READY else "",
        "files": files,
    }


@require_safe
def publications_index(request: HttpRequest) -> HttpResponse:
    cycles = [
        cycle
        for cycle in Cycle.objects.order_by("-name")
        if may(request.user, PublicationAction.VIEW_PUBLICATIONS, cycle)
        and (cycle.release == Cycle.Release.FINAL or cycle.national_releases.exists())
    ]
    return render(request, "reports/publication/index.html", {"cycles": cycles})


@require_safe
def publications_cycle(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    cycle = _cycle(request, cycle_slug)
    releases = list(NationalRelease.objects.filter(cycle=cycle).order_by("-version"))
    return render(
        request,
        "reports/publication/cycle.html",
        {
            "cycle": cycle,
            "versions": [_version(release) for release in releases],
            "pending": any(release.is_pending for release in releases),
            "can_correct": may(request.user, PublicationAction.PUBLISH_CORRECTION, cycle)
            and any(release.status == NationalRelease.Status.READY for release in releases),
            "can_retry": may(request.user, PublicationAction.PUBLISH_CORRECTION, cycle),
        },
    )


def _release(cycle: Cycle, version: int, **extra) -> NationalRelease:
    return get_object_or_404(NationalRelease, cycle=cycle, version=version, **extra)


@require_safe
def publications_download(request: HttpRequest, cycle_slug: str, version: int, kind: str) -> FileResponse:
    cycle = _cycle(request, cycle_slug)
    if kind not in FILES:
        raise Http404
    release = _release(cycle, version, status=NationalRelease.Status.READY)
    field, _label, content_type, suffix = FILES[kind]
    stored = getattr(release, field)
    if not stored:
        raise Http404
    name = f"wgll-national-{cycle.slug}-v{release.version}{suffix}"
    return private_download(
        FileResponse(stored.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    )


@require_safe
def publications_data_quality(request: HttpRequest, cycle_slug: str, version: int) -> HttpResponse:
    cycle = _cycle(request, cycle_slug)
    release = _release(cycle, version, status=NationalRelease.Status.READY)
    return render(
        request,
        "reports/publication/data_quality.html",
        {"cycle": cycle, "release": release, "quality": release.data_quality or {}},
    )


class CorrectionForm(forms.Form):
    change_note = forms.CharField(
        label="What does this version correct?",
        help_text="Published with the files, for everyone who uses them: say what changed and why.",
        required=False,
        widget=forms.Textarea,
    )


@require_http_methods(["GET", "POST"])
def publications_correction(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    """A form with the change note, then a check-your-answers page, then the new version."""
    cycle = _cycle(request, cycle_slug)
    if not may(request.user, PublicationAction.PUBLISH_CORRECTION, cycle):
        raise Http404
    newest = NationalRelease.objects.filter(cycle=cycle).order_by("-version").first()
    if newest is None:
        raise Http404  # nothing published yet to correct
    form = CorrectionForm(request.POST or None)
    confirming = False
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["change_note"]
        if request.POST.get("confirm") == "yes":
            try:
                release = national_files.national_release_request(cycle=cycle, actor=request.user, change_note=note)
            except ValidationError as error:
                field_errors = getattr(error, "error_dict", {})
                if "change_note" in field_errors:
                    form.add_error("change_note", field_errors["change_note"])
                else:
                    form.add_error(None, error.messages)
            else:
                messages.success(
                    request, f"Version {release.version} is being generated. It appears below when it is ready."
                )
                return redirect("publications:cycle", cycle_slug=cycle.slug)
        elif request.POST.get("confirm") == "change":
            pass  # back to the form, the note as written
        elif not note.strip():
            form.add_error("change_note", national_files.NOTE_NEEDED)
        elif len(note.strip()) > national_files.NOTE_LIMIT:
            form.add_error(
                "change_note",
                national_files.NOTE_TOO_LONG.format(limit=national_files.NOTE_LIMIT, length=len(note.strip())),
            )
        else:
            confirming = True
    return render(
        request,
        "reports/publication/correction.html",
        {"cycle": cycle, "form": form, "confirming": confirming, "next_version": newest.version + 1},
    )


@require_POST
def publications_retry(request: HttpRequest, cycle_slug: str, version: int) -> HttpResponse:
    cycle = _cycle(request, cycle_slug)
    if not may(request.user, PublicationAction.PUBLISH_CORRECTION, cycle):
        raise Http404
    release = _release(cycle, version)
    try:
        national_files.national_release_retry(release=release, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Version {release.version} is being generated again.")
    return redirect("publications:cycle", cycle_slug=cycle.slug)
