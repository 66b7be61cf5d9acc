"""The demo's small model of digital maturity, seeded so the data are the same on every machine.

Each organisation's answers come from a national baseline, an ICS effect, a care-setting effect,
a bonus for the 2016 Global Digital Exemplars, an effect per success measure (Smart foundations
strongest, Empower citizens weakest, as in the national 2023 results) and noise per domain,
rising by about 0.2 of a level a year. Every random draw comes from a random.Random seeded with
the organisation's ODS code (and domain key), so the data are the same on every machine and for
any subset of organisations.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

from organisations.models import Organisation

SEED = "wgll-demo-1"
SEEDED_PEOPLE_DOMAIN = "demo.nhs.uk"

BASELINE = 2.38
MEASURE_EFFECT = {
    "well_led": 0.2,
    "smart_foundations": 0.8,
    "safe_practice": 0.3,
    "support_people": 0.0,
    "empower_citizens": -0.4,
    "improve_care": -0.2,
    "healthy_populations": -0.5,
}
SETTING_EFFECT = {"acute": 0.0, "acute_specialist": 0.25, "mental_health": -0.15, "community": -0.2, "ambulance": -0.1}
EXEMPLAR_BONUS = 0.45
YEARLY_GROWTH = 0.2

NOTES_BY_LEVEL = {
    0: "Not in place yet; scoping work and a business case are planned for next year.",
    1: "Early work under way in some services; the approach is agreed but not yet funded.",
    2: "Plans approved by the executive team and partly delivered; roll-out continues this year.",
    3: "Delivered and in routine use across most services; see the linked evidence.",
    4: "Embedded across the organisation with outcomes measured and reported to the board.",
    5: "Recognised as an exemplar; our approach has been shared and adopted across the system.",
}
MONTHS = ["January", "March", "April", "June", "July", "September", "October", "November"]


def demo_note(domain_name: str, level: int, cycle_name: str, rng: random.Random) -> str:
    """A note as a lead writes one: the domain, where it stands, and this organisation's own
    figures (when and how far), so no two organisations' notes are the same text."""
    year = int(cycle_name[:4])
    return (
        f"{domain_name}: {NOTES_BY_LEVEL[level]} "
        f"({rng.choice(MONTHS)} {rng.choice((year - 1, year))}; {rng.randint(12, 96)}% of services "
        f"across {rng.randint(2, 30)} sites)"
    )


FIRST_NAMES = ["Amina", "Ben", "Chloe", "David", "Ewa", "Farah", "George", "Hannah", "Imran", "Jess", "Kofi", "Laura"]
LAST_NAMES = ["Adeyemi", "Brown", "Chen", "Davies", "Ellis", "Fraser", "Gill", "Hughes", "Iqbal", "Jones", "Kaur"]
LEAD_TITLES = ["Chief Information Officer", "Chief Digital Information Officer", "Director of Digital"]


def rng_for(*parts: object) -> random.Random:
    # Demo data, not secrets: a seeded generator is the point (the same data on every machine).
    return random.Random(":".join([SEED, *map(str, parts)]))  # noqa: S311


def rank(ods_code: str) -> str:
    return hashlib.sha256(f"{SEED}:{ods_code}".encode()).hexdigest()


@dataclass(frozen=True)
class Profile:
    """An organisation's place in the maturity model."""

    base: float
    growth: float
    domain_spread: float


def profile_for(organisation: Organisation, exemplars: set[int]) -> Profile:
    rng = rng_for("profile", organisation.ods_code)
    ics_effect = rng_for("ics", organisation.ics.icb_ods_code).gauss(0, 0.25)
    if organisation.kind == Organisation.Kind.ICB:
        return Profile(BASELINE + 0.1 + ics_effect + rng.gauss(0, 0.15), rng.gauss(YEARLY_GROWTH, 0.08), 0.4)
    base = BASELINE + ics_effect + SETTING_EFFECT.get(organisation.main_care_setting or "", 0.0) + rng.gauss(0, 0.35)
    if organisation.pk in exemplars:
        base += EXEMPLAR_BONUS
    return Profile(base, rng.gauss(YEARLY_GROWTH, 0.1), 0.6)


def target_level(profile: Profile, ods_code: str, domain_key: str, measure_key: str, year: int) -> int:
    """The level an organisation reaches in a domain in the `year`-th demo cycle (0, 1, 2).

    A latent maturity per domain that grows each year by the organisation's growth plus a
    little noise, rounded to a whole level: most domains stay where they were from one year to
    the next, some rise by one, a few fall back (a stricter framework or an honest reassessment).
    """
    rng = rng_for("domain", ods_code, domain_key)
    latent = profile.base + MEASURE_EFFECT.get(measure_key, 0.0) + rng.gauss(0, profile.domain_spread)
    for _ in range(year):
        latent += profile.growth + rng.gauss(0, 0.25)
    return max(0, min(5, math.floor(latent + 0.5)))


def ticks_for(criteria: dict[int, list[str]], level: int, rng: random.Random) -> list[str]:
    """Criteria ticked to reach exactly `level`: all of levels 1..level, often part of the next."""
    met = [key for number in range(1, level + 1) for key in criteria.get(number, [])]
    following = criteria.get(level + 1, [])
    if len(following) > 1 and rng.random() < 0.6:
        met += rng.sample(following, rng.randint(1, len(following) - 1))
    return met
