"""Reads of framework content. The framework is the same for everyone signed in: it is the
published questionnaire, not any organisation's data."""

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from framework.models import Criterion, Domain, FrameworkVersion, Level, Measure

# A domain's criteria keys by level number (1-5), in framework order: what the scoring rule reads.
CriteriaMap = dict[int, list[str]]


def criteria_map(pairs: Iterable[tuple[int, str]]) -> CriteriaMap:
    """The one builder of criteria maps, from (level number, criterion key) pairs in order."""
    built: CriteriaMap = {}
    for number, key in pairs:
        built.setdefault(number, []).append(key)
    return built


def domain_criteria(domain: Domain) -> CriteriaMap:
    """One domain's criteria map: from its prefetched levels and criteria when a page has them
    loaded already (no query), else from one query."""
    if "levels" in getattr(domain, "_prefetched_objects_cache", {}):
        return criteria_map(
            (level.number, criterion.key)
            for level in sorted(domain.levels.all(), key=lambda level: level.number)
            for criterion in sorted(level.criteria.all(), key=lambda criterion: criterion.position)
        )
    return criteria_map(
        Criterion.objects.filter(domain=domain)
        .order_by("level__number", "position")
        .values_list("level__number", "key")
    )


# A framework version's content is the same for everyone and changes only when its file is loaded
# again (a new checksum and load time), so the per-domain maps that pages and workers read several
# times a request are kept per process, keyed by that state: a reader pays one one-row query
# instead of reading and decoding every criterion of the version again.
_KEPT: dict[tuple, Any] = {}
_KEPT_LIMIT = 32

# A version's state is read once per request, not once per lookup (a check-your-answers page
# looked it up six times): versions are loaded only by the load_framework command, never within
# a request, so the state cannot change while a page is being built. Outside a request (workers,
# commands) nothing is remembered and every lookup reads the state.
_request = threading.local()


def remember_states_for_this_request(**_signal) -> None:
    _request.states = {}


def forget_states_after_this_request(**_signal) -> None:
    _request.states = None


def _state(framework_id: int) -> tuple | None:
    states = getattr(_request, "states", None)
    if states is not None and framework_id in states:
        return states[framework_id]
    state = FrameworkVersion.objects.filter(pk=framework_id).values_list("source_sha256", "loaded_at").first()
    if states is not None:
        states[framework_id] = state
    return state


def kept_for_version(kind: str, framework_id: int, build: Callable[[], Any]) -> Any:
    """`build()`'s result for a framework version, built once per process while the version is
    unchanged (`kind` names what is built). Shared between callers: treat it as read-only."""
    state = _state(framework_id)
    if state is None:
        return build()
    key = (kind, framework_id, *state)
    if key not in _KEPT:
        if len(_KEPT) >= _KEPT_LIMIT:
            _KEPT.clear()
        _KEPT[key] = build()
    return _KEPT[key]


def framework_criteria(framework_id: int) -> dict[int, CriteriaMap]:
    """Every domain's criteria map of a framework version, by domain id (kept per process while
    the version is unchanged; a fresh copy each call, so a caller may change it)."""
    kept = kept_for_version("criteria", framework_id, lambda: _framework_criteria(framework_id))
    return {domain_id: {number: list(keys) for number, keys in levels.items()} for domain_id, levels in kept.items()}


def _framework_criteria(framework_id: int) -> dict[int, CriteriaMap]:
    rows: dict[int, list[tuple[int, str]]] = {}
    for domain_id, number, key in (
        Criterion.objects.filter(domain__framework_id=framework_id)
        .order_by("level__number", "position")
        .values_list("domain_id", "level__number", "key")
    ):
        rows.setdefault(domain_id, []).append((number, key))
    return {domain_id: criteria_map(pairs) for domain_id, pairs in rows.items()}


# A domain's criterion crosswalk: criterion key -> keys of the earlier criteria it asks the same
# as (only criteria that replace some); what carries last year's answers across a changed framework.
Crosswalk = dict[str, list[str]]


def domain_crosswalk(domain: Domain) -> Crosswalk:
    """One domain's crosswalk: from its prefetched levels and criteria when loaded, else one query."""
    if "levels" in getattr(domain, "_prefetched_objects_cache", {}):
        pairs = [(c.key, c.replaces) for level in domain.levels.all() for c in level.criteria.all()]
    else:
        pairs = Criterion.objects.filter(domain=domain).values_list("key", "replaces")
    return {key: list(replaces) for key, replaces in pairs if replaces}


def framework_crosswalks(framework_id: int) -> dict[int, Crosswalk]:
    """Every domain's crosswalk of a framework version, by domain id (kept per process while the
    version is unchanged, as framework_criteria; a fresh copy each call)."""
    kept = kept_for_version("crosswalks", framework_id, lambda: _framework_crosswalks(framework_id))
    return {domain_id: {key: list(old) for key, old in walk.items()} for domain_id, walk in kept.items()}


def _framework_crosswalks(framework_id: int) -> dict[int, Crosswalk]:
    crosswalks: dict[int, Crosswalk] = {}
    for domain_id, key, replaces in Criterion.objects.filter(domain__framework_id=framework_id).values_list(
        "domain_id", "key", "replaces"
    ):
        if replaces:
            crosswalks.setdefault(domain_id, {})[key] = list(replaces)
    return crosswalks


def framework_prerequisites(framework_id: int) -> dict[str, tuple[str, ...]]:
    """Each domain's prerequisites (`depends_on`) by domain key, in framework order, for the
    domains of a version that have any; one query. The loader has checked that a prerequisite
    applies wherever its dependent does, so an organisation answering a dependent domain has an
    answer to the prerequisite to check it against."""
    # JSON emptiness is tested differently by SQLite and PostgreSQL, and a version has ~50
    # domains, so the empty lists are dropped in Python.
    return {
        key: tuple(depends_on)
        for key, depends_on in Domain.objects.filter(framework_id=framework_id)
        .order_by("measure__position", "position")
        .values_list("key", "depends_on")
        if depends_on
    }


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
