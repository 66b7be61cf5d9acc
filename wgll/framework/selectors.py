"""Reads of framework content. The framework is the same for everyone signed in: it is the
published questionnaire, not any organisation's data."""

from django.db.models import Count, Prefetch, QuerySet

from wgll.framework.models import Criterion, Domain, FrameworkVersion, Level, Measure


def framework_versions() -> QuerySet[FrameworkVersion]:
    return FrameworkVersion.objects.select_related("supersedes").annotate(domain_count=Count("domains"))


def framework_measures_with_domains(version: FrameworkVersion) -> QuerySet[Measure]:
    return Measure.objects.filter(framework=version).prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("position"))
    )


def framework_domain_detail(version: FrameworkVersion, key: str) -> Domain:
    """One domain with its levels and criteria in two queries besides the domain itself."""
    return (
        Domain.objects.select_related("measure", "framework__supersedes")
        .prefetch_related(
            Prefetch(
                "levels",
                queryset=Level.objects.order_by("number").prefetch_related(
                    Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
                ),
            )
        )
        .get(framework=version, key=key)
    )


def domain_predecessors(domain: Domain) -> QuerySet[Domain]:
    """The domains of the superseded version that this domain continues (same key, renamed,
    split or merged), which is how results stay comparable year on year."""
    previous = domain.framework.supersedes
    if previous is None:
        return Domain.objects.none()
    return Domain.objects.filter(framework=previous, key__in=domain.predecessor_keys).select_related(
        "measure", "framework"
    )


def domain_successors(domain: Domain) -> QuerySet[Domain]:
    """The domains of the next version that continue this one (the crosswalk read forwards)."""
    following = FrameworkVersion.objects.filter(supersedes=domain.framework).first()
    if following is None:
        return Domain.objects.none()
    # JSON containment differs between SQLite and PostgreSQL, and a version has ~50 domains,
    # so the replaces lists are matched in Python.
    keys = [
        candidate.key
        for candidate in Domain.objects.filter(framework=following).only("key", "replaces")
        if candidate.key == domain.key or domain.key in candidate.replaces
    ]
    return Domain.objects.filter(framework=following, key__in=keys).select_related("measure", "framework")
