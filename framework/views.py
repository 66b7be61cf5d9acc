"""The framework pages. A framework version is the published questionnaire, the same for everyone
signed in, so the body of a version's page and of each domain's page is rendered once per web
process and kept (Django's cache) under the state of every version: a page shows the version
before and after it too, and the loader gives a version a new checksum whenever its content or
crosswalk changes, so a changed framework is never served from an old copy. Each request still
asks the database which versions exist (one query), so a 404 and the layout stay per request."""

from collections.abc import Callable
from hashlib import sha256

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from framework.models import Domain, FrameworkVersion
from framework.selectors import (
    domain_predecessors,
    domain_successors,
    framework_domain_detail,
    framework_measures_with_domains,
    framework_versions,
)

CACHE_SECONDS = 24 * 3600  # a bound on memory only: any change to a version changes the key


def _versions_and_one(slug: str) -> tuple[list[FrameworkVersion], FrameworkVersion]:
    """URLs carry versions as 2025-26 because a slash cannot sit in a path segment."""
    versions = list(framework_versions().order_by("version"))
    wanted = slug.replace("-", "/")
    version = next((v for v in versions if v.version == wanted), None)
    if version is None:
        raise Http404
    return versions, version


def _state(versions: list[FrameworkVersion]) -> str:
    parts = "|".join(f"{v.pk}:{v.source_sha256}:{v.loaded_at.isoformat()}:{v.in_use_since}" for v in versions)
    return sha256(parts.encode()).hexdigest()[:20]


def _kept(key: str, versions: list[FrameworkVersion], build: Callable[[], dict]) -> dict:
    name = f"framework-page:{key}:{_state(versions)}"
    kept = cache.get(name)
    if kept is None:
        kept = build()
        cache.set(name, kept, CACHE_SECONDS)
    return kept


def version_list(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/versions.html", {"versions": framework_versions()})


def version_detail(request: HttpRequest, slug: str) -> HttpResponse:
    versions, version = _versions_and_one(slug)

    def build() -> dict:
        context = {"version": version, "measures": framework_measures_with_domains(version)}
        return {"body": render_to_string("framework/_version_body.html", context)}

    kept = _kept(f"version:{version.pk}", versions, build)
    return render(request, "framework/version.html", {"version": version, **kept})


def domain_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    versions, version = _versions_and_one(slug)

    def build() -> dict:
        try:
            domain = framework_domain_detail(version, key)
        except Domain.DoesNotExist:
            raise Http404 from None
        context = {
            "version": version,
            "domain": domain,
            "predecessors": domain_predecessors(domain),
            "successors": domain_successors(domain),
        }
        return {
            "body": render_to_string("framework/_domain_body.html", context),
            "name": domain.name,
            "measure_key": domain.measure.key,
            "measure_name": domain.measure.name,
        }

    kept = _kept(f"domain:{version.pk}:{key}", versions, build)
    return render(request, "framework/domain.html", {"version": version, **kept})
