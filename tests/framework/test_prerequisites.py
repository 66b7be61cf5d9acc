"""Domains that build on other domains (`depends_on`): checked by the loader, stored, read back."""

import pytest

from framework.definition import DefinitionError, parse_definition
from framework.models import Domain, FrameworkVersion
from framework.selectors import framework_prerequisites
from framework.services import DEFINITIONS_DIR, framework_load, framework_version_mark_in_use
from tests.framework.test_load_framework import minimal, write

pytestmark = pytest.mark.django_db

# The one domain of each measure in `minimal()`, in file order.
WELL_LED = "well_led_domain"
FOUNDATIONS = "smart_foundations_domain"
SAFE = "safe_practice_domain"
PEOPLE = "support_people_domain"


def domain(document: dict, index: int) -> dict:
    return document["measures"][index]["domains"][0]


def depends(document: dict, index: int, *keys: str) -> dict:
    domain(document, index)["depends_on"] = list(keys)
    return document


def problems(tmp_path, document: dict, known=None) -> list[str]:
    with pytest.raises(DefinitionError) as error:
        parse_definition(write(tmp_path, document), known or {})
    return [str(problem) for problem in error.value.problems]


def test_declared_prerequisites_are_stored_and_read_back_in_one_query(tmp_path, django_assert_num_queries):
    document = depends(depends(minimal(), 2, FOUNDATIONS), 3, FOUNDATIONS, WELL_LED)
    framework_load(path=write(tmp_path, document))
    version = FrameworkVersion.objects.get(version="2030/31")

    with django_assert_num_queries(1):
        prerequisites = framework_prerequisites(version.pk)

    assert prerequisites == {SAFE: (FOUNDATIONS,), PEOPLE: (FOUNDATIONS, WELL_LED)}
    assert list(prerequisites) == [SAFE, PEOPLE]  # framework order
    assert Domain.objects.get(key=PEOPLE).depends_on == [FOUNDATIONS, WELL_LED]
    assert Domain.objects.get(key=WELL_LED).depends_on == []


def test_a_domain_may_depend_on_one_that_applies_more_widely(tmp_path):
    document = depends(minimal(), 1, WELL_LED)
    domain(document, 0)["care_settings"] = ["acute", "community", "ambulance"]
    domain(document, 1)["care_settings"] = ["community"]

    parse_definition(write(tmp_path, document), {})  # no error


def test_system_domains_may_depend_on_system_domains(tmp_path):
    document = depends(minimal(), 1, WELL_LED)
    domain(document, 0).update(care_settings=[], system_assessment=True)
    domain(document, 1).update(care_settings=[], system_assessment=True)

    parse_definition(write(tmp_path, document), {})  # no error


WRONG = {
    "unknown domain": (
        lambda d: depends(d, 0, "epma"),
        "measures[0].domains[0].depends_on[0]: depends on unknown domain 'epma': it is not a domain of this file",
    ),
    "itself": (
        lambda d: depends(d, 1, WELL_LED, FOUNDATIONS),
        "measures[1].domains[0].depends_on[1]: a domain cannot depend on itself",
    ),
    "listed twice": (
        lambda d: depends(d, 1, WELL_LED, WELL_LED),
        "measures[1].domains[0].depends_on[1]: 'well_led_domain' is listed twice",
    ),
    "care setting the prerequisite does not cover": (
        lambda d: depends(d, 1, WELL_LED) and domain(d, 1).update(care_settings=["acute", "community", "ambulance"]),
        "measures[1].domains[0].depends_on[0]: 'well_led_domain' does not apply to community, ambulance, where this "
        "domain applies: a prerequisite must apply wherever the domain that depends on it does",
    ),
    "system domain on a trust domain": (
        lambda d: depends(d, 1, WELL_LED) and domain(d, 1).update(system_assessment=True),
        "measures[1].domains[0].depends_on[0]: 'well_led_domain' is not part of the system assessment: a "
        "system_assessment domain may only depend on system_assessment domains",
    ),
    "trust domain on a system domain": (
        lambda d: depends(d, 1, WELL_LED) and domain(d, 0).update(care_settings=[], system_assessment=True),
        "measures[1].domains[0].depends_on[0]: 'well_led_domain' does not apply to acute",
    ),
    "cycle of two": (
        lambda d: depends(depends(d, 1, WELL_LED), 0, SAFE, FOUNDATIONS),
        "measures[0].domains[0].depends_on[1]: depends_on goes round in a circle: "
        "well_led_domain -> smart_foundations_domain -> well_led_domain",
    ),
    "cycle of three, reported from its first domain in the file": (
        lambda d: depends(depends(depends(depends(d, 3, SAFE), 2, FOUNDATIONS), 1, WELL_LED), 0, SAFE),
        "measures[0].domains[0].depends_on[0]: depends_on goes round in a circle: "
        "well_led_domain -> safe_practice_domain -> smart_foundations_domain -> well_led_domain",
    ),
}


@pytest.mark.parametrize("case", list(WRONG))
def test_a_wrong_prerequisite_is_one_error_at_its_entry(tmp_path, case):
    change, expected = WRONG[case]
    document = minimal()
    change(document)

    [problem] = problems(tmp_path, document)

    assert problem.startswith("test.yaml:") and expected in problem, problem


def test_two_cycles_are_two_errors(tmp_path):
    document = depends(depends(depends(depends(minimal(), 0, FOUNDATIONS), 1, WELL_LED), 2, PEOPLE), 3, SAFE)

    found = problems(tmp_path, document)

    assert [problem.split(": ", 1)[1] for problem in found] == [
        "measures[0].domains[0].depends_on[0]: depends_on goes round in a circle: "
        "well_led_domain -> smart_foundations_domain -> well_led_domain",
        "measures[2].domains[0].depends_on[0]: depends_on goes round in a circle: "
        "safe_practice_domain -> support_people_domain -> safe_practice_domain",
    ]


def test_the_line_points_at_the_wrong_entry(tmp_path):
    document = depends(minimal(), 2, FOUNDATIONS, "nowhere")
    path = write(tmp_path, document)
    line_of_entry = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "nowhere" in line)

    with pytest.raises(DefinitionError) as error:
        parse_definition(path, {})

    assert error.value.problems[0].line == line_of_entry


def test_a_domain_of_the_superseded_version_is_not_a_prerequisite(tmp_path):
    framework_load(path=write(tmp_path, minimal("2030/31"), "first.yaml"))
    document = minimal("2031/32", supersedes="2030/31")
    domain(document, 0).update(key="well_led_renamed", replaces=[WELL_LED])
    depends(document, 1, WELL_LED)

    with pytest.raises(DefinitionError) as error:
        framework_load(path=write(tmp_path, document))

    assert (
        "measures[1].domains[0].depends_on[0]: depends on unknown domain 'well_led_domain': it is not a domain of "
        "this file (it is a domain of 2030/31, not of this version)" in str(error.value)
    )
    assert not FrameworkVersion.objects.filter(version="2031/32").exists()


def test_prerequisites_of_a_version_in_use_can_be_corrected_but_not_its_questions(tmp_path):
    """Which domains a domain builds on changes how answers are cross-checked, never what they
    mean; so it may be corrected after a cycle has opened, like the crosswalk."""
    document = minimal()
    framework_load(path=write(tmp_path, document))
    framework_version_mark_in_use(version=FrameworkVersion.objects.get(version="2030/31"))

    [outcome] = framework_load(path=write(tmp_path, depends(document, 2, FOUNDATIONS)))

    assert outcome.outcome == "crosswalk updated"
    assert framework_prerequisites(FrameworkVersion.objects.get(version="2030/31").pk) == {SAFE: (FOUNDATIONS,)}

    depends(document, 2)
    domain(document, 2)["name"] = "Quietly renamed"
    with pytest.raises(DefinitionError, match="is used by an assessment cycle and cannot be edited"):
        framework_load(path=write(tmp_path, document))
    assert Domain.objects.get(key=SAFE).depends_on == [FOUNDATIONS]


# What the published files declare: the foundations a chief information officer would agree
# each domain builds on.
PUBLISHED = {
    "epma": ("epr_coverage",),
    "closed_loop_barcoding": ("epma",),
    "clinical_decision_support": ("epr_coverage",),
    "shared_care_record_contribution": ("epr_coverage",),
    "community_mobile_working": ("epr_coverage",),
    "mental_health_care_planning": ("epr_coverage",),
    "multidisciplinary_care_planning": ("shared_care_record_contribution",),
    "test_results_and_care_plans": ("citizen_record_access",),
    "ambulance_digital_triage": ("ambulance_epcr",),
    "population_health_data": ("data_quality",),
    "system_pathway_transformation": ("system_shared_care_record",),
    "system_population_health_platform": ("system_interoperability",),
    "system_intelligence_led_planning": ("system_population_health_platform",),
}


def test_the_published_versions_declare_their_prerequisites():
    framework_load(path=DEFINITIONS_DIR)
    versions = dict(FrameworkVersion.objects.values_list("version", "pk"))

    assert framework_prerequisites(versions["2024/25"]) == PUBLISHED
    assert framework_prerequisites(versions["2025/26"]) == {**PUBLISHED, "remote_monitoring": ("epr_coverage",)}
