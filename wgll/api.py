"""The API's shared behaviour, the same for every endpoint of every app: how a machine
authenticates (personal tokens), how errors look (RFC 9457 problem details), how fast it may
call (per token), how lists are paged, and how all of that is described in the OpenAPI schema.

Access is not here: every endpoint reads through its app's scoped selectors and asks
organisations.access.may(), exactly as the pages do.
"""

from __future__ import annotations

import datetime
import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from organisations.models import ApiToken

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://wgll-portal.nhs.uk/problems/"
# A token's last use is written at most this often: a client paging through every organisation
# costs one write a minute, not one a request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


# Authentication


class ApiTokenAuthentication(TokenAuthentication):
    """Knox's personal tokens (hashed at rest, expiring), sent as `Authorization: Bearer <token>`,
    recording when each was last used so that its owner can see a forgotten or leaked one."""

    def validate_user(self, auth_token: ApiToken):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION), digest=token.digest
            ).update(last_used_at=now)
            token.last_used_at = now
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on the portal's API tokens page (/account/api-tokens/).",
        }


# Throttling


class TokenRateThrottle(SimpleRateThrottle):
    """One budget per token (each analytics job its own), else per signed-in person (the browser),
    else per address. Exceeding it is a 429 problem with Retry-After."""

    scope = "api"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the shared cache (Redis) is down: serve, unthrottled, rather than fail
            logger.warning("API request budgets are not enforced: the cache is unavailable", exc_info=True)
            return True

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# Errors


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure, flattened to [{"field": "answers.2.level", "message": ...}]."""
    if isinstance(detail, dict):
        return [
            error
            for key, value in detail.items()
            for error in _field_errors(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix or "non_field_errors", "message": str(item)} for item in detail]
        return [error for index, item in enumerate(detail) for error in _field_errors(item, f"{prefix}.{index}")]
    return [{"field": prefix or "non_field_errors", "message": str(detail)}]


def problem(status: int, detail: str, *, kind: str | None = None, **extra: Any) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase
    slug = kind or phrase.lower().replace(" ", "-").replace("'", "")
    return {"type": PROBLEM_BASE + slug, "title": phrase, "status": status, "detail": detail, **extra}


def problem_exception_handler(exc: Exception, context: dict) -> Response:
    """Every error of the API as `application/problem+json` (RFC 9457): type, title, status,
    detail, and `errors` naming each field for a validation error. Anything unexpected is logged
    with its traceback and answered as a plain 500 problem: no stack trace ever leaves."""
    # Imported here: DRF imports this module (the authentication class) while loading its views.
    from rest_framework.views import exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unexpected error in %s", context.get("view").__class__.__name__, exc_info=exc)
        return Response(
            problem(500, "Something went wrong on our side. It has been logged; try again later."),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            status, "The request has errors: see `errors`.", kind="validation-error", errors=_field_errors(exc.detail)
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = problem(status, str(detail), kind=getattr(exc, "default_code", None) and str(exc.default_code))
    body.update(getattr(exc, "problem_extra", {}) or {})
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def api_not_found(request) -> JsonResponse:
    """An /api/ address that matches no endpoint is a problem too, not the HTML 404 page."""
    return JsonResponse(
        problem(404, f"There is no API endpoint at {request.path}."), status=404, content_type=PROBLEM_CONTENT_TYPE
    )


# The schema


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identifies the kind of problem."},
        "title": {"type": "string", "description": "The HTTP status in words."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "errors": {
            "type": "array",
            "description": "For a validation error: each field in error (dotted path) and what is wrong.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "current": {"description": "For a conflict (409): the present state of what you tried to change."},
    },
}

_COMMON_PROBLEMS = {
    "401": "Not signed in, or the token is missing, expired or revoked.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or one you may not see.",
    "429": "Too many requests with this token: wait for the number of seconds in Retry-After.",
    "500": "An error on our side (logged).",
}
_WRITE_PROBLEMS = {
    "400": "The request has errors; `errors` names each field.",
    "409": "What you changed has changed since you read it; `current` holds its present state.",
}


def add_problem_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents the problems it can answer
    with, pointing at one `Problem` component, so schema-driven tests check error bodies too."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", PROBLEM_SCHEMA)  # the views' own ProblemSerializer, if they used it
    reference = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            # An error a view documents itself is still sent as problem details.
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code[:1] in "45" and "application/json" in content:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            problems = dict(_COMMON_PROBLEMS)
            if method != "get" or any(p.get("in") == "query" for p in operation.get("parameters", [])):
                problems.update({"400": _WRITE_PROBLEMS["400"]})
            if method in {"put", "patch", "post"}:
                problems.update(_WRITE_PROBLEMS)
            responses = operation.setdefault("responses", {})
            for code, description in problems.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result


__all__ = [
    "ApiTokenAuthentication",
    "TokenRateThrottle",
    "add_problem_responses",
    "api_not_found",
    "problem",
    "problem_exception_handler",
]
