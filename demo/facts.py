"""Demo organisations' EPR suppliers, recorded through the service as each organisation's lead
would: drawn per organisation from a seeded generator, weighted by its main care setting as the
English market roughly is (acute trusts on Oracle Health, Epic, System C, Dedalus, Altera,
Nervecentre or MEDITECH; mental health on RiO or SystmOne; community on SystmOne or EMIS), with
about one in ten not recorded. A few organisations have opted out of being suggested as a peer."""

from __future__ import annotations

from demo.model import rng_for
from demo.people import Actors
from organisations.models import Organisation
from organisations.services import organisation_set_peer_settings

SUPPLIERS_BY_SETTING: dict[str, list[tuple[str, int]]] = {
    "acute": [
        ("oracle_health", 22),
        ("epic", 18),
        ("system_c", 15),
        ("dedalus", 12),
        ("altera", 10),
        ("nervecentre", 10),
        ("meditech", 8),
        ("other", 5),
    ],
    "acute_specialist": [("epic", 30), ("oracle_health", 30), ("system_c", 20), ("other", 20)],
    "mental_health": [("rio", 45), ("tpp", 35), ("oracle_health", 10), ("other", 10)],
    "community": [("tpp", 60), ("emis", 20), ("rio", 15), ("other", 5)],
    "ambulance": [("other", 100)],
}
# Known from the trusts' own published plans, so the demo trust's story reads true.
KNOWN = {"RAL": "oracle_health"}
# Seeded with the demo trust, these give its weakest 2024/25 domains (managing appointments
# online at level 1, citizen access to records at 2) two peers a level ahead each: Barts Health and
# Epsom and St Helier on the same EPR in the same region, and UCLH in the same ICS. A journey that
# seeds only a few organisations seeds these with it (tests/demo/test_demo_peers.py holds it true).
DEMO_TRUST_PEERS = ("R1H", "RVR", "RRV")
NOT_RECORDED = 0.1
OPTED_OUT = 0.03


def demo_epr_supplier(organisation: Organisation) -> str:
    if organisation.ods_code in KNOWN:
        return KNOWN[organisation.ods_code]
    choices = SUPPLIERS_BY_SETTING.get(organisation.main_care_setting or "")
    rng = rng_for("epr", organisation.ods_code)
    if not choices or rng.random() < NOT_RECORDED:
        return ""
    suppliers, weights = zip(*choices, strict=True)
    return rng.choices(suppliers, weights=weights)[0]


def demo_opts_out(organisation: Organisation) -> bool:
    return organisation.ods_code not in KNOWN and rng_for("peer opt-out", organisation.ods_code).random() < OPTED_OUT


def demo_peer_facts_seed(organisations: list[Organisation], actors: Actors) -> None:
    """Record each trust's supplier once: a supplier recorded since (in the portal) is kept, and
    a trust with nothing to record is not written to, so seeding again changes nothing."""
    for organisation in organisations:
        if organisation.kind != Organisation.Kind.TRUST or organisation.epr_supplier:
            continue
        supplier, suggested = demo_epr_supplier(organisation), not demo_opts_out(organisation)
        if (supplier, suggested) == ("", organisation.peer_suggestions):
            continue
        organisation_set_peer_settings(
            organisation=organisation,
            epr_supplier=supplier,
            peer_suggestions=suggested,
            actor=actors.leads[organisation.pk],
        )
