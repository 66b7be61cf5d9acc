"""Pages of the yearly assessment. Thin: look up through the scoped selectors, ask the access
module, call one service, render with what the presenters compute. View modules import the
presenters, selectors, forms and services, never each other."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBase

from assessments.models import Assessment
from assessments.selectors import assessment_named
from framework.selectors import version_read_with_page
from organisations.access import may

Download = TypeVar("Download", bound=HttpResponseBase)


def assessment_or_404(request: Any, cycle_slug: str, ods_code: str) -> Assessment:
    """Another organisation's assessment is a plain 404, exactly like one that does not exist."""
    # Last year's assessment and its cycle come in the same query: the domain page, check your
    # answers and the task list all name or compare with it.
    assessment = assessment_named(request.user, cycle_slug.replace("-", "/"), ods_code)
    if assessment is None:
        raise Http404("No such assessment")
    version_read_with_page(assessment.cycle.framework)
    return assessment


def require(user: Any, action: str, target: Any) -> None:
    """For someone who may see the target but not do this to it: a 403 explaining why."""
    if not may(user, action, target):
        raise PermissionDenied


def form_status(form: Any) -> int:
    """A form sent back with errors is a 400, so a refused change never looks like a success."""
    return 400 if form is not None and form.is_bound and form.errors else 200


def private_download(response: Download) -> Download:
    """An organisation's evidence and board reports are for the person who asked for them: no
    proxy or browser cache may keep a copy (a shared computer on a ward would hand it to the next
    person), and no browser may guess another type for the file than the one it was checked as."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
