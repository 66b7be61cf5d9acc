"""Organisations whose latest answers give validation something to find."""

from __future__ import annotations

from dataclasses import dataclass

from demo.model import rank
from demo.people import DEMO_ICS, DEMO_TRUST, OTHER_DEMO_TRUST
from organisations.models import Organisation


@dataclass(frozen=True)
class Anomalies:
    """Organisations whose latest answers give validation something to find."""

    jumpers: frozenset[str]  # two levels up in several domains, last year's notes left unchanged
    no_evidence: frozenset[str]  # never attach evidence, and claim level 4 in a few domains
    inflators: frozenset[str]  # claim level 5 across Empower citizens: far above their peers
    deflators: frozenset[str]  # drop to level 0-1 across Smart foundations: far below their peers
    copiers: frozenset[str] = frozenset()  # take other trusts' notes, word for word, into a few domains
    token_reusers: frozenset[str] = frozenset()  # claim level 4 in six domains on one link to their home page

    def kind(self, ods_code: str) -> str:
        for name in ("jumpers", "no_evidence", "inflators", "deflators", "copiers", "token_reusers"):
            if ods_code in getattr(self, name):
                return name
        return ""


def demo_anomalies() -> Anomalies:
    """Chosen from all trusts (not a subset), so a subset keeps the same choices; the demo ICS
    gets one jumper and one copier, so its demo reviewer has an answer flag and a pattern flag
    (notes side by side) to look at."""
    codes = sorted(
        Organisation.objects.filter(kind=Organisation.Kind.TRUST)
        .exclude(ods_code__in=[DEMO_TRUST, OTHER_DEMO_TRUST])
        .values_list("ods_code", "ics__icb_ods_code"),
        key=lambda row: rank(row[0]),
    )
    in_demo_ics = [code for code, icb in codes if icb == DEMO_ICS][:2]
    others = [code for code, _ in codes if code not in in_demo_ics]
    return Anomalies(
        jumpers=frozenset(in_demo_ics[:1] + others[:4]),
        no_evidence=frozenset(others[4:7]),
        inflators=frozenset(others[7:9]),
        deflators=frozenset(others[9:11]),
        copiers=frozenset(in_demo_ics[1:] + others[11:12]),
        token_reusers=frozenset(others[13:15]),
    )
