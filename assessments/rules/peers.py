"""Peers a level ahead: for each of an organisation's weakest domains, the organisations that
reached a higher level in it, most alike first, each with the reasons they were chosen.

The GDE evaluation found that pairings worked best when partners were aligned in technology,
geography and culture, so similarity is, in this order: the same main care setting (the peer
group every benchmark uses), similar services (how much of their care settings they share:
the reference data has no size measure, so services stand in for size), the same EPR supplier
(only when both have recorded one, and "another supplier" never matches), the same ICS, then
the same region. Among equally similar peers the nearest level ahead comes first (the next step
is the one to learn from; three levels ahead solved a different problem), then the more recent
result, then the name, so the order never depends on the database.

What is never suggested, whatever the caller passes: the organisation itself, an organisation
that opted out of being suggested, one of another kind (a trust's peers are trusts, an ICB's
ICBs), and any result that is not published.

Pure: no database, no request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from assessments.rules.scoring import MAX_LEVEL

# An EPR supplier that says nothing about likeness (EprSupplier.OTHER, by value: rules never
# import models).
UNSPECIFIC_SUPPLIERS = frozenset({"", "other"})


@dataclass(frozen=True)
class PeerOrganisation:
    """What matching knows about an organisation."""

    pk: int
    name: str
    ods_code: str
    kind: str
    care_settings: tuple[str, ...]  # main setting first
    ics_id: int
    region_id: int
    epr_supplier: str = ""
    epr_supplier_name: str = ""
    peer_suggestions: bool = True

    @property
    def main_care_setting(self) -> str | None:
        return self.care_settings[0] if self.care_settings else None


@dataclass(frozen=True)
class DomainResult:
    """One organisation's level in one domain in one cycle."""

    organisation_id: int
    cycle: str  # "2024/25": names sort in time order
    domain_key: str
    level: int
    published: bool


@dataclass(frozen=True)
class Reason:
    kind: str  # same_care_setting, similar_services, same_epr_supplier, same_ics, same_region
    text: str


@dataclass(frozen=True)
class Peer:
    organisation: PeerOrganisation
    domain_key: str
    level: int
    since: str  # the first cycle of the unbroken run at this level or higher
    latest: str  # the cycle of the result shown
    reasons: tuple[Reason, ...]
    sentence: str


def services_overlap(mine: Sequence[str], theirs: Sequence[str]) -> Fraction:
    """The share of the two organisations' care settings they have in common (0 to 1)."""
    union = set(mine) | set(theirs)
    return Fraction(len(set(mine) & set(theirs)), len(union)) if union else Fraction(0)


# Two organisations sharing at least this share of their settings, and more than one setting
# between them, offer similar services (acute and community beside acute, community and mental
# health); sharing one main setting alone is said by "same care setting".
SIMILAR_SERVICES = Fraction(1, 2)


def reasons_for(organisation: PeerOrganisation, peer: PeerOrganisation) -> tuple[Reason, ...]:
    reasons = []
    if organisation.main_care_setting and organisation.main_care_setting == peer.main_care_setting:
        reasons.append(Reason("same_care_setting", "same care setting"))
    union = set(organisation.care_settings) | set(peer.care_settings)
    if len(union) > 1 and services_overlap(organisation.care_settings, peer.care_settings) >= SIMILAR_SERVICES:
        reasons.append(Reason("similar_services", "similar services"))
    if organisation.epr_supplier not in UNSPECIFIC_SUPPLIERS and organisation.epr_supplier == peer.epr_supplier:
        reasons.append(Reason("same_epr_supplier", f"same EPR supplier: {peer.epr_supplier_name or peer.epr_supplier}"))
    if organisation.ics_id == peer.ics_id:
        reasons.append(Reason("same_ics", "same ICS"))
    elif organisation.region_id == peer.region_id:
        reasons.append(Reason("same_region", "same region"))
    return tuple(reasons)


def _similarity(organisation: PeerOrganisation, peer: PeerOrganisation) -> tuple:
    """Larger is more alike; compared factor by factor in the order of the module docstring."""
    return (
        bool(organisation.main_care_setting) and organisation.main_care_setting == peer.main_care_setting,
        services_overlap(organisation.care_settings, peer.care_settings),
        organisation.epr_supplier not in UNSPECIFIC_SUPPLIERS and organisation.epr_supplier == peer.epr_supplier,
        organisation.ics_id == peer.ics_id,
        organisation.region_id == peer.region_id,
    )


def may_be_suggested(organisation: PeerOrganisation, peer: PeerOrganisation) -> bool:
    return peer.pk != organisation.pk and peer.peer_suggestions and peer.kind == organisation.kind


def _standing(results: list[DomainResult], cycles: Sequence[str]) -> tuple[int, str, str] | None:
    """(level, since, latest) of one organisation in one domain: its latest result, and the first
    cycle of the unbroken run of cycles ending there in which it held that level or higher. A
    cycle without a result breaks the run: nobody knows what it held then."""
    by_cycle = {result.cycle: result.level for result in results}
    order = sorted(cycles)
    latest = max(by_cycle)
    level = by_cycle[latest]
    since = latest
    for cycle in reversed(order[: order.index(latest)]):
        if by_cycle.get(cycle, -1) < level:
            break
        since = cycle
    return level, since, latest


def sentence(level: int, domain_name: str, since: str, reasons: Iterable[Reason]) -> str:
    """ "level 4 in EPMA since 2024/25; same care setting; same ICS" """
    return "; ".join([f"level {level} in {domain_name} since {since}", *(reason.text for reason in reasons)])


def peers_a_level_ahead(
    *,
    organisation: PeerOrganisation,
    levels: dict[str, int],
    domains: Sequence[str],
    candidates: Iterable[PeerOrganisation],
    results: Iterable[DomainResult],
    cycles: Sequence[str],
    domain_names: dict[str, str] | None = None,
    limit: int = 3,
) -> dict[str, list[Peer]]:
    """For each key of `domains` (in that order), up to `limit` peers whose latest published
    result in the domain, within `cycles` (the published cycles looked at), is above the
    organisation's own level there (`levels`, a missing domain counting as 0)."""
    names = domain_names or {}
    window = set(cycles)
    allowed = {peer.pk: peer for peer in candidates if may_be_suggested(organisation, peer)}
    grouped: dict[tuple[str, int], list[DomainResult]] = defaultdict(list)
    wanted = set(domains)
    for result in results:
        if (
            result.published
            and result.cycle in window
            and result.domain_key in wanted
            and result.organisation_id in allowed
        ):
            grouped[(result.domain_key, result.organisation_id)].append(result)
    found: dict[str, list[tuple[tuple, Peer]]] = {key: [] for key in domains}
    for (domain_key, organisation_id), rows in grouped.items():
        level, since, latest = _standing(rows, cycles)
        if level <= levels.get(domain_key, 0):
            continue
        peer = allowed[organisation_id]
        reasons = reasons_for(organisation, peer)
        similarity = tuple(
            -int(factor) if isinstance(factor, bool) else -factor for factor in _similarity(organisation, peer)
        )
        order = (similarity, level, _descending(latest), peer.name, peer.ods_code)
        found[domain_key].append(
            (
                order,
                Peer(
                    organisation=peer,
                    domain_key=domain_key,
                    level=level,
                    since=since,
                    latest=latest,
                    reasons=reasons,
                    sentence=sentence(level, names.get(domain_key, domain_key), since, reasons),
                ),
            )
        )
    return {key: [peer for _, peer in sorted(found[key], key=lambda item: item[0])][:limit] for key in domains}


def _descending(cycle: str) -> tuple[int, ...]:
    """A sort key putting later cycles first ("2024/25" before "2023/24")."""
    return tuple(-ord(character) for character in cycle)


def weakest_domains(levels: Sequence[tuple[str, int]], count: int = 5) -> list[str]:
    """The keys of the `count` lowest levels, given (key, level) in framework order; ties keep
    framework order. A domain already at the top level has no one ahead and is left out."""
    ranked = sorted(enumerate(levels), key=lambda item: (item[1][1], item[0]))
    return [key for _, (key, level) in ranked if level < MAX_LEVEL][:count]
