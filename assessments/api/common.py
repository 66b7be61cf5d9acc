"""What the assessment API's views share: looking an assessment up as the pages do, the path
parameters' descriptions, and turning a service's refusal into an API answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from assessments.models import Assessment
from assessments.views import assessment_or_404
from organisations.api import ProblemSerializer

__all__ = ["CYCLE", "DOMAIN", "ODS", "ErrorSerializer", "assessment_or_404", "refused"]

CYCLE = OpenApiParameter(
    "cycle_slug", str, OpenApiParameter.PATH, description="The cycle's name with a hyphen, e.g. 2025-26."
)
ODS = OpenApiParameter("ods_code", str, OpenApiParameter.PATH, description="The organisation's ODS code, e.g. RAL.")
DOMAIN = OpenApiParameter("domain_key", str, OpenApiParameter.PATH, description="The domain's key, e.g. cloud.")
ASSESSMENT_PARAMETERS = [CYCLE, ODS]


# What every refusal looks like: RFC 9457 problem details, made by the project's exception handler.
ErrorSerializer = ProblemSerializer


def refused(error: DjangoValidationError, fields: dict[str, str] | None = None) -> ValidationError:
    """A service's ValidationError as a 400 naming the fields (renamed by `fields`, from the
    service's names to the API's); errors about no field in particular under non_field_errors."""
    fields = fields or {}
    if hasattr(error, "error_dict"):
        detail: dict[str, Any] = {}
        for name, errors in error.message_dict.items():
            key = "non_field_errors" if name == NON_FIELD_ERRORS else fields.get(name, name)
            detail.setdefault(key, []).extend(errors)
        return ValidationError(detail)
    return ValidationError({"non_field_errors": error.messages})


def assessment_args(assessment: Assessment) -> dict[str, str]:
    return {"cycle_slug": assessment.cycle.slug, "ods_code": assessment.organisation.ods_code}
