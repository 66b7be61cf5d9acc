"""A small two-year framework and an open assessment for trust A, for the assessment tests.

2024/25 has `infra` (split in 2025/26 into `cloud` and `network`) and `strategy` (kept); 2025/26
adds `monitoring` (new, acute only) and the ICB-only `system`. Each domain has levels 1-5 with
two criteria per level, keyed `<level><a|b>` (e.g. `1a`, `1b`, `2a` ...), except that the split
halves keep only some of the old keys, as a real split would.
"""

import datetime
import functools
from pathlib import Path

import pytest
import yaml

from assessments.models import Assessment, Cycle
from assessments.services.cycles import cycle_open
from framework.measures import SUCCESS_MEASURES
from framework.services import framework_load


def _levels(keys_per_level: dict[int, list[str]]) -> dict:
    return {
        n: {"name": f"Level {n}", "criteria": [{"key": f"c{k}", "text": f"Criterion {k} is met."} for k in keys]}
        for n, keys in keys_per_level.items()
    }


def _domain(
    key, name, settings=("acute", "community", "mental_health"), system=False, replaces=(), levels=None, **more
):
    return more | {
        "key": key,
        "name": name,
        "care_settings": list(settings),
        "system_assessment": system,
        "replaces": list(replaces),
        "guidance": {
            "what_good_looks_like": f"What good looks like for {name}.",
            "evidence_expected": ["A board paper"],
        },
        "levels": levels or _levels({n: [f"{n}a", f"{n}b"] for n in range(1, 6)}),
    }


def small_framework(version: str, supersedes: str | None, domains_by_measure: dict[str, list[dict]]) -> dict:
    header = {"version": version, "title": f"Small framework {version}", "published_on": "2024-04-01"}
    if supersedes:
        header["supersedes"] = supersedes
    measures = []
    for key in SUCCESS_MEASURES:
        domains = domains_by_measure.get(key) or [_domain(f"{key}_basics", f"{key} basics")]
        measures.append({"key": key, "summary": f"{key} summary", "domains": domains})
    return {"framework": header, "measures": measures}


FIRST = small_framework(
    "2024/25",
    None,
    {
        "well_led": [_domain("strategy", "Digital strategy")],
        "smart_foundations": [_domain("infra", "Infrastructure and hosting")],
    },
)
SECOND = small_framework(
    "2025/26",
    "2024/25",
    {
        "well_led": [
            _domain("strategy", "Digital strategy"),
            _domain("system", "ICS strategy", settings=(), system=True),
        ],
        "smart_foundations": [
            _domain(
                "cloud",
                "Cloud hosting",
                replaces=["infra"],
                evidence_from=["infra"],
                levels=_levels({n: [f"{n}a", f"{n}c"] for n in range(1, 6)}),
            ),
            _domain(
                "network",
                "Networks",
                replaces=["infra"],
                evidence_from=[],  # infra's evidence carries to cloud only
                levels=_levels({n: [f"{n}b", f"{n}d"] for n in range(1, 6)}),
            ),
        ],
        "improve_care": [_domain("monitoring", "Remote monitoring", settings=("acute",))],
    },
)


FILES = (("2024-25.yaml", FIRST), ("2025-26.yaml", SECOND))


@functools.cache
def _framework_texts() -> tuple[tuple[str, str], ...]:
    # Dumping the two documents as YAML took half of this fixture's time, in most tests.
    return tuple((name, yaml.safe_dump(document, sort_keys=False)) for name, document in FILES)


@pytest.fixture
def frameworks(db, tmp_path: Path):
    for name, text in _framework_texts():
        (tmp_path / name).write_text(text)
    framework_load(path=tmp_path)


def _open_cycle(name: str, *, opened_days_ago: int, closes_in_days: int) -> Cycle:
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name=name,
        framework_id=_framework_id(name),
        opens_on=today - datetime.timedelta(days=opened_days_ago),
        closes_on=today + datetime.timedelta(days=closes_in_days),
    )
    cycle_open(cycle=cycle)
    return cycle


@pytest.fixture
def cycle(frameworks, world):
    """The current cycle, open until well after today."""
    return _open_cycle("2025/26", opened_days_ago=30, closes_in_days=60)


@pytest.fixture
def last_year_cycle(frameworks, world):
    """Last year's cycle, still open so answers can be given before the next cycle opens."""
    return _open_cycle("2024/25", opened_days_ago=400, closes_in_days=1)


@pytest.fixture
def assessment(cycle, world) -> Assessment:
    """Trust A's 2025/26 assessment (acute and community: strategy, cloud, network, monitoring and
    the six other measures' basics)."""
    return Assessment.objects.get(cycle=cycle, organisation=world.trust_a)


@pytest.fixture
def team(world, person):
    """Trust A's people, plus outsiders, keyed by a short name."""
    return {
        "lead": person("assessment_lead", world.trust_a),
        "contributor": person("contributor", world.trust_a),
        "approver": person("approver", world.trust_a),
        "viewer": person("viewer", world.trust_a),
        "reviewer": person("ics_reviewer", world.ics_1),
        "board": person("ics_board_viewer", world.ics_1),
        "other_reviewer": person("ics_reviewer", world.ics_2),
        "other_lead": person("assessment_lead", world.trust_b),
        "same_ics_lead": person("assessment_lead", world.trust_c),
        "analyst": person("national_analyst"),
        "framework_admin": person("framework_admin"),
        "nobody": person(),
    }


@pytest.fixture
def conflicted(world, person):
    """ICS 1's reviewers who also belong to an organisation they might be asked to review: one is
    a viewer at trust A, the other the ICB's own assessment lead."""
    from tests import factories

    at_trust, icb_staff = person("ics_reviewer", world.ics_1), person("ics_reviewer", world.ics_1)
    factories.grant(at_trust, "viewer", world.trust_a)
    factories.grant(icb_staff, "assessment_lead", world.icb_1)
    return {"reviewer_at_trust": at_trust, "icb_staff_reviewer": icb_staff}


@pytest.fixture
def icb_assessment(cycle, world) -> Assessment:
    """ICB 1's own 2025/26 system assessment."""
    return Assessment.objects.get(cycle=cycle, organisation=world.icb_1)


def _framework_id(version: str) -> int:
    from framework.models import FrameworkVersion

    return FrameworkVersion.objects.get(version=version).pk


def all_criteria(response) -> list[str]:
    return [c.key for c in response.domain.criteria.order_by("level__number", "position")]


def complete_everything(assessment, actor, level: int = 2) -> None:
    """Answer every domain at `level` and mark it complete, through the real service."""
    from assessments.services.responses import Answer, response_save

    for response in assessment.responses.select_related("domain"):
        keys = [c.key for c in response.domain.criteria.filter(level__number__lte=level)]
        response_save(
            response_id=response.pk,
            expected_version=response.version,
            answer=Answer(keys, f"Notes for {response.domain.name}", True),
            actor=actor,
        )


# Validation flags: last year at `last_year_level`, this year carried forward; or submitted and flagged.


@pytest.fixture
def last_year_level():
    return 1


def open_next_year(organisation) -> Assessment:
    """Open 2025/26 (after `last_year_cycle`), pre-filled from 2024/25; the organisation's assessment."""
    from framework.models import FrameworkVersion

    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26", framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today - datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=30),
    )  # fmt: skip
    cycle_open(cycle=cycle)
    return Assessment.objects.get(cycle=cycle, organisation=organisation)


@pytest.fixture
def carried_draft(last_year_cycle, frameworks, world, team, last_year_level):
    """Trust A answered 2024/25 at `last_year_level` (1 unless a test says otherwise) everywhere;
    2025/26 is opened and pre-filled from it."""
    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, team["lead"], level=last_year_level)
    return open_next_year(world.trust_a)


@pytest.fixture
def flagged(assessment, team):
    """Trust A submitted at level 3 without evidence: one stored flag per domain."""
    from tests.assessments.flagging import submit_and_flag  # the helpers build on this conftest

    complete_everything(assessment, team["lead"], level=3)
    submit_and_flag(assessment, team["lead"], team["approver"])
    assessment.refresh_from_db()
    return assessment
