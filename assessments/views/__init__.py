"""Pages of the yearly assessment. Thin: look up through the scoped selectors, ask the access
module, call one service, render."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from assessments.models import Assessment
from assessments.selectors import assessments_visible_to
from organisations.access import may


def assessment_or_404(request: Any, cycle_slug: str, ods_code: str) -> Assessment:
    """Another organisation's assessment is a plain 404, exactly like one that does not exist."""
    return get_object_or_404(
        assessments_visible_to(request.user), cycle__name=cycle_slug.replace("-", "/"), organisation__ods_code=ods_code
    )


def require(user: Any, action: str, target: Any) -> None:
    """For someone who may see the target but not do this to it: a 403 explaining why."""
    if not may(user, action, target):
        raise PermissionDenied


def assessment_url_args(assessment: Assessment) -> list[str]:
    return [assessment.cycle.slug, assessment.organisation.ods_code]
