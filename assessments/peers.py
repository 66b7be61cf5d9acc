"""Reads behind "peers a level ahead": the inputs of assessments/rules/peers.py, built from the
database in a fixed number of queries, and the contact requests between organisations.

Only published results are read, through the one rule of what anyone signed in may see of
another organisation's results (`visible_results_q` for a reader with no role anywhere: the
published ones), within the last PEER_CYCLES published cycles, and only current scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from assessments.access import visible_results_q
from assessments.models import Assessment, Cycle, DomainResponse, DomainScore, PeerContactRequest
from assessments.rules import peers as rules
from assessments.selectors import current_score_q
from organisations.access import NO_GRANTS, StandIn
from organisations.models import Organisation
from organisations.prepared import PreparedQuery

PEER_CYCLES = 3  # the published cycles looked at: "a recent cycle"
WEAK_DOMAINS = 5
PEERS_PER_DOMAIN = 3
PEERS_ON_DOMAIN_PAGE = 3

# Whoever is signed in, holding no role anywhere: sees exactly what is published.
_ANYONE_SIGNED_IN = StandIn(NO_GRANTS)


def published_results_q() -> Q:
    """Assessments whose results may be used to suggest peers: what anyone signed in may see."""
    return visible_results_q(_ANYONE_SIGNED_IN) & Q(cycle__release=Cycle.Release.FINAL)


def profile_of(organisation: Organisation) -> rules.PeerOrganisation:
    """The rule's view of an organisation already read with its ICS (assessment_or_404 does)."""
    return rules.PeerOrganisation(
        pk=organisation.pk,
        name=organisation.name,
        ods_code=organisation.ods_code,
        kind=organisation.kind,
        care_settings=tuple(organisation.care_settings),
        ics_id=organisation.ics_id,
        region_id=organisation.ics.region_id,
        epr_supplier=organisation.epr_supplier,
        epr_supplier_name=organisation.get_epr_supplier_display(),
        peer_suggestions=organisation.peer_suggestions,
    )


def recent_published_cycles() -> list[str]:
    return _recent_published_cycles()


_recent_published_cycles = PreparedQuery(
    lambda: (
        Cycle.objects.filter(release=Cycle.Release.FINAL).order_by("-name").values_list("name", flat=True)[:PEER_CYCLES]
    )
)


_PEER = "score__assessment__organisation__"
_ROW = (
    f"{_PEER}id",
    f"{_PEER}name",
    f"{_PEER}ods_code",
    f"{_PEER}kind",
    f"{_PEER}care_settings",
    f"{_PEER}ics_id",
    f"{_PEER}ics__region_id",
    f"{_PEER}epr_supplier",
    f"{_PEER}peer_suggestions",
    "score__assessment__cycle__name",
    "domain_key",
    "level",
)


def _peer_rows_query(organisation_id: int, kind: str, domain_keys: list[str], cycles: list[str]) -> QuerySet:
    published = Assessment.objects.filter(published_results_q(), cycle__name__in=cycles)
    return (
        DomainScore.objects.filter(current_score_q("score__"), domain_key__in=domain_keys)
        .filter(score__assessment__in=published.values("pk"))
        .filter(**{f"{_PEER}peer_suggestions": True, f"{_PEER}kind": kind})
        .exclude(**{f"{_PEER}id": organisation_id})
        .values_list(*_ROW)
    )


_peer_rows = PreparedQuery(_peer_rows_query)


def _published_levels(
    organisation: Organisation, domain_keys: Sequence[str], cycles: Sequence[str]
) -> tuple[list[rules.PeerOrganisation], list[rules.DomainResult]]:
    """Other organisations' published levels in the domains, one query however many. Opted-out
    organisations and other kinds are left out here already (the rule leaves them out again)."""
    rows = _peer_rows(organisation.pk, organisation.kind, sorted(set(domain_keys)), sorted(set(cycles)))
    labels = dict(Organisation._meta.get_field("epr_supplier").choices)
    candidates: dict[int, rules.PeerOrganisation] = {}
    results = []
    for pk, name, ods, kind, settings, ics_id, region_id, epr, suggested, cycle, key, level in rows:
        if pk not in candidates:
            candidates[pk] = rules.PeerOrganisation(
                pk, name, ods, kind, tuple(settings or ()), ics_id, region_id, epr, labels.get(epr, ""), suggested
            )
        results.append(rules.DomainResult(pk, cycle, key, level, published=True))
    return list(candidates.values()), results


@dataclass(frozen=True)
class WeakDomain:
    key: str
    name: str
    level: int
    peers: list[rules.Peer]


@dataclass(frozen=True)
class PeersPage:
    cycle: str | None  # the cycle of the organisation's latest scored assessment, None if none
    domains: list[WeakDomain]
    cycles: list[str]  # the published cycles looked at


def _latest_scored_levels(organisation: Organisation) -> tuple[str | None, list[tuple[str, str, int]]]:
    """(cycle, [(domain key, name, level)] in framework order) of the organisation's latest
    assessment with a current score: its own figures, published or not."""
    rows = (
        DomainScore.objects.filter(current_score_q("score__"), score__assessment__organisation=organisation)
        .order_by("-score__assessment__cycle__name", "domain__measure__position", "domain__position")
        .values_list("score__assessment__cycle__name", "domain_key", "domain__name", "level")
    )
    latest, levels = None, []
    for cycle, key, name, level in rows:
        if latest is None:
            latest = cycle
        if cycle != latest:
            break
        levels.append((key, name, level))
    return latest, levels


def peers_page(assessment: Assessment) -> PeersPage:
    """The organisation's weakest domains (lowest levels in its latest scored assessment, ties in
    framework order) with their peers a level ahead. Three queries, however many peers."""
    organisation = assessment.organisation
    cycle, levels = _latest_scored_levels(organisation)
    weakest = rules.weakest_domains([(key, level) for key, _, level in levels], WEAK_DOMAINS)
    if not weakest:
        return PeersPage(cycle, [], [])
    cycles = recent_published_cycles()
    candidates, results = _published_levels(organisation, weakest, cycles)
    names = {key: name for key, name, _ in levels}
    own = {key: level for key, _, level in levels}
    found = rules.peers_a_level_ahead(
        organisation=profile_of(organisation),
        levels=own,
        domains=weakest,
        candidates=candidates,
        results=results,
        cycles=cycles,
        domain_names=names,
        limit=PEERS_PER_DOMAIN,
    )
    return PeersPage(cycle, [WeakDomain(key, names[key], own[key], found[key]) for key in weakest], cycles)


def domain_peers(response: DomainResponse) -> list[rules.Peer]:
    """Peers a level ahead of the level the domain's saved answer reaches, for the domain page:
    two queries (the published cycles, their levels in this domain)."""
    assessment = response.assessment
    domain = response.domain
    cycles = recent_published_cycles()
    if not cycles or response.level >= rules.MAX_LEVEL:
        return []
    candidates, results = _published_levels(assessment.organisation, [domain.key], cycles)
    return rules.peers_a_level_ahead(
        organisation=profile_of(assessment.organisation),
        levels={domain.key: response.level},
        domains=[domain.key],
        candidates=candidates,
        results=results,
        cycles=cycles,
        domain_names={domain.key: domain.name},
        limit=PEERS_ON_DOMAIN_PAGE,
    )[domain.key]


def asked_already(organisation: Organisation) -> set[tuple[int, str]]:
    """(organisation asked, domain key) of the organisation's requests waiting or accepted."""
    return set(
        PeerContactRequest.objects.filter(
            from_organisation=organisation,
            status__in=[PeerContactRequest.Status.PENDING, PeerContactRequest.Status.ACCEPTED],
        ).values_list("to_organisation_id", "domain_key")
    )


def assessment_domain(assessment: Assessment, domain_key: str) -> Any:
    """The assessment's domain of that key, or None: what a request may be about."""
    response = assessment.responses.select_related("domain").filter(domain__key=domain_key).first()
    return response.domain if response else None


def peer_to_ask(assessment: Assessment, ods_code: str, domain_key: str) -> Organisation | None:
    """An organisation that may be asked about a domain: another of the same kind, not opted out,
    with a published result in that domain in the cycles peers are found in. A request is about
    what a peer has shown it did, so nobody can be asked about a domain they never published."""
    published = Assessment.objects.filter(published_results_q(), cycle__name__in=recent_published_cycles())
    shown = DomainScore.objects.filter(
        current_score_q("score__"), domain_key=domain_key, score__assessment__in=published.values("pk")
    ).values("score__assessment__organisation_id")
    return (
        Organisation.objects.filter(
            ods_code=ods_code, kind=assessment.organisation.kind, peer_suggestions=True, pk__in=shown
        )
        .exclude(pk=assessment.organisation_id)
        .first()
    )


def peer_requests_of(organisation: Organisation) -> tuple[list[PeerContactRequest], list[PeerContactRequest]]:
    """(incoming, outgoing) requests of the organisation, newest first, with both sides' people:
    one query."""
    rows = list(
        PeerContactRequest.objects.filter(Q(to_organisation=organisation) | Q(from_organisation=organisation))
        .select_related("from_organisation", "to_organisation", "requested_by", "responded_by")
        .order_by("-requested_at", "-pk")
    )
    incoming = [row for row in rows if row.to_organisation_id == organisation.pk]
    outgoing = [row for row in rows if row.from_organisation_id == organisation.pk]
    return incoming, outgoing


def peer_request_of(organisation: Organisation, request_id: int) -> PeerContactRequest | None:
    """One of the organisation's requests, either way; another organisation's is None (a 404)."""
    return (
        peer_requests_queryset()
        .filter(Q(to_organisation=organisation) | Q(from_organisation=organisation), pk=request_id)
        .first()
    )


def peer_requests_queryset() -> QuerySet[PeerContactRequest]:
    return PeerContactRequest.objects.select_related("from_organisation", "to_organisation", "requested_by")
