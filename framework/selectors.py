"""Reads of framework content. The framework is the same for everyone signed in: it is the
published questionnaire, not any organisation's data."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


def domain_criteria(domain: Domain, framework: FrameworkVersion | None = None) -> CriteriaMap:
    """One domain's criteria map: from its prefetched levels and criteria when a page has them
    loaded already, else from its version's kept outline (no query when the caller passes the
    version row it has read, else at most the version's one-row state query a request)."""
    if "levels" in getattr(domain, "_prefetched_objects_cache", {}):
        return criteria_map(
            (level.number, criterion.key)
            for level in sorted(domain.levels.all(), key=lambda level: level.number)
            for criterion in sorted(level.criteria.all(), key=lambda criterion: criterion.position)
        )
    return criteria_map(
        (level.number, criterion.key) for level in domain_outline(domain, framework) for criterion in level.criteria
    )


# A domain's levels and criteria as the questionnaire shows them: the same for every organisation
# and every request until the version is loaded again, so kept per process (below) instead of
# read and turned into model instances on every domain page.
@dataclass(frozen=True)
class CriterionOutline:
    key: str
    text: str
    replaces: tuple[str, ...]


@dataclass(frozen=True)
class LevelOutline:
    number: int
    name: str
    criteria: tuple[CriterionOutline, ...]


def domain_outline(domain: Domain, framework: FrameworkVersion | None = None) -> tuple[LevelOutline, ...]:
    """The domain's levels in order, each with its criteria in order (kept per process for the
    version; `framework` is the domain's version row when the caller has read it)."""
    if framework is None and Domain.framework.is_cached(domain):
        framework = domain.framework
    version = framework if framework is not None and framework.pk == domain.framework_id else domain.framework_id
    return kept_for_version("outlines", version, lambda: _framework_outlines(domain.framework_id)).get(domain.pk, ())


def _framework_outlines(framework_id: int) -> dict[int, tuple[LevelOutline, ...]]:
    criteria: dict[int, list[CriterionOutline]] = {}
    for level_id, key, text, replaces in (
        Criterion.objects.filter(domain__framework_id=framework_id)
        .order_by("position", "pk")
        .values_list("level_id", "key", "text", "replaces")
    ):
        criteria.setdefault(level_id, []).append(CriterionOutline(key, text, tuple(replaces or ())))
    outlines: dict[int, list[LevelOutline]] = {}
    for level_id, domain_id, number, name in (
        Level.objects.filter(domain__framework_id=framework_id)
        .order_by("number")
        .values_list("pk", "domain_id", "number", "name")
    ):
        outlines.setdefault(domain_id, []).append(LevelOutline(number, name, tuple(criteria.get(level_id, ()))))
    return {domain_id: tuple(levels) for domain_id, levels in outlines.items()}


# A framework version's content is the same for everyone and changes only when its file is loaded
# again (a new checksum and load time), so the per-domain maps that pages and workers read several
# times a request are kept per process, keyed by that state: a reader pays one one-row query
# instead of reading and decoding every criterion of the version again.
_KEPT: OrderedDict[tuple, Any] = OrderedDict()
_KEPT_LIMIT = 32
_KEPT_LOCK = threading.Lock()

# A version's state is read once per request, not once per lookup (a check-your-answers page
# looked it up six times): versions are loaded only by the load_framework command, never within
# a request, so the state cannot change while a page is being built. Outside a request (workers,
# commands) nothing is remembered and every lookup reads the state.
_request = threading.local()


def remember_states_for_this_request(**_signal) -> None:
    _request.states = {}


def forget_states_after_this_request(**_signal) -> None:
    _request.states = None


def version_read_with_page(version: FrameworkVersion) -> None:
    """A version row a page has read with its own data (an assessment with its cycle's framework):
    its state stands for the rest of the request, so the kept maps are looked up without the
    one-row state query, and are exactly as fresh as the page's data."""
    states = getattr(_request, "states", None)
    if states is not None:
        states.setdefault(version.pk, (version.source_sha256, version.loaded_at))


def _state(framework: int | FrameworkVersion) -> tuple | None:
    # A version row the caller has already read in this request (a page's assessment comes with
    # its cycle's framework) carries its state: no query, and as fresh as the page's own data.
    if isinstance(framework, FrameworkVersion):
        return (framework.source_sha256, framework.loaded_at)
    framework_id = framework
    states = getattr(_request, "states", None)
    if states is not None and framework_id in states:
        return states[framework_id]
    state = FrameworkVersion.objects.filter(pk=framework_id).values_list("source_sha256", "loaded_at").first()
    if states is not None:
        states[framework_id] = state
    return state


def kept_for_version(kind: str, framework: int | FrameworkVersion, build: Callable[[], Any]) -> Any:
    """`build()`'s result for a framework version (its id, or its row as read by the caller),
    built once per process while the version is unchanged (`kind` names what is built). Shared
    between callers: treat it as read-only."""
    state = _state(framework)
    framework_id = framework.pk if isinstance(framework, FrameworkVersion) else framework
    if state is None:
        return build()
    key = (kind, framework_id, *state)
    with _KEPT_LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    built = build()
    # The least recently used go first, never all at once: a process serving one version's pages
    # (or a test run making many versions) keeps what it is using.
    with _KEPT_LOCK:
        _KEPT[key] = built
        while len(_KEPT) > _KEPT_LIMIT:
            _KEPT.popitem(last=False)
    return built


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
    """One domain's crosswalk: from its prefetched levels and criteria when loaded, else from its
    version's kept outline."""
    if "levels" in getattr(domain, "_prefetched_objects_cache", {}):
        pairs = [(c.key, c.replaces) for level in domain.levels.all() for c in level.criteria.all()]
    else:
        pairs = [(c.key, c.replaces) for level in domain_outline(domain) for c in level.criteria]
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
