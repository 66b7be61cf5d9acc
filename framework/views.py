from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from framework.models import Domain
from framework.selectors import (
    domain_predecessors,
    domain_successors,
    framework_domain_detail,
    framework_measures_with_domains,
    framework_versions,
)


def _version_from_slug(slug: str):
    """URLs carry versions as 2025-26 because a slash cannot sit in a path segment."""
    return get_object_or_404(framework_versions(), version=slug.replace("-", "/"))


def version_list(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/versions.html", {"versions": framework_versions()})


def version_detail(request: HttpRequest, slug: str) -> HttpResponse:
    version = _version_from_slug(slug)
    return render(
        request,
        "framework/version.html",
        {
            "version": version,
            "measures": framework_measures_with_domains(version),
        },
    )


def domain_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    version = _version_from_slug(slug)
    try:
        domain = framework_domain_detail(version, key)
    except Domain.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "framework/domain.html",
        {
            "version": version,
            "domain": domain,
            "predecessors": domain_predecessors(domain),
            "successors": domain_successors(domain),
        },
    )
