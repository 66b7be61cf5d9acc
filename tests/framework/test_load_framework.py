import copy
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from framework.definition import DefinitionError, parse_definition
from framework.measures import SUCCESS_MEASURES
from framework.models import Criterion, Domain, FrameworkVersion
from framework.selectors import domain_predecessors, domain_successors
from framework.services import DEFINITIONS_DIR, framework_load, framework_version_mark_in_use

pytestmark = pytest.mark.django_db


def minimal(version="2030/31", supersedes=None) -> dict:
    """The smallest valid definition: every measure with one domain of five one-criterion levels."""
    header = {"version": version, "title": f"Test framework {version}", "published_on": "2030-04-01"}
    if supersedes:
        header["supersedes"] = supersedes
    return {
        "framework": header,
        "measures": [
            {
                "key": key,
                "summary": f"{name} summary.",
                "domains": [
                    {
                        "key": f"{key}_domain",
                        "name": f"{name} domain",
                        "care_settings": ["acute"],
                        "system_assessment": False,
                        "guidance": {"what_good_looks_like": "Good.", "evidence_expected": ["A document"]},
                        "levels": {
                            n: {"name": f"Level {n}", "criteria": [{"key": f"c{n}", "text": f"Criterion {n}."}]}
                            for n in range(1, 6)
                        },
                    }
                ],
            }
            for key, name in SUCCESS_MEASURES.items()
        ],
    }


def write(tmp_path: Path, document: dict | str, name="test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False))
    return path


def load_command(path: Path) -> str:
    out = StringIO()
    call_command("load_framework", str(path), stdout=out)
    return out.getvalue()


def test_both_published_versions_load_with_the_crosswalk():
    output = load_command(DEFINITIONS_DIR)

    assert "2024/25: created" in output
    assert "2025/26: created" in output
    current = FrameworkVersion.objects.get(version="2025/26")
    assert current.supersedes.version == "2024/25"
    assert current.domains.count() >= 40
    assert set(current.measures.values_list("key", flat=True)) == set(SUCCESS_MEASURES)
    for domain in current.domains.prefetch_related("levels__criteria"):
        assert [level.number for level in domain.levels.all()] == [1, 2, 3, 4, 5], domain.key
        assert all(level.criteria.exists() for level in domain.levels.all()), domain.key
    settings_covered = {s for d in current.domains.all() for s in d.care_settings}
    assert settings_covered == {"acute", "acute_specialist", "mental_health", "community", "ambulance"}
    assert current.domains.filter(system_assessment=True).count() >= 7


def test_split_renamed_merged_and_new_domains_map_to_last_year():
    load_command(DEFINITIONS_DIR)

    def previous_keys(key):
        domain = Domain.objects.get(framework__version="2025/26", key=key)
        return sorted(domain_predecessors(domain).values_list("key", flat=True))

    assert previous_keys("cloud_hosting") == ["infrastructure_hosting"]  # split
    assert previous_keys("network_connectivity") == ["infrastructure_hosting"]
    assert previous_keys("digital_support_24_7") == ["it_support"]  # renamed
    assert previous_keys("data_security_and_governance") == ["dspt_compliance", "information_governance"]  # merged
    assert previous_keys("remote_monitoring") == []  # new
    assert previous_keys("epr_coverage") == ["epr_coverage"]  # unchanged key
    old = Domain.objects.get(framework__version="2024/25", key="infrastructure_hosting")
    assert sorted(domain_successors(old).values_list("key", flat=True)) == ["cloud_hosting", "network_connectivity"]


def test_loading_again_changes_nothing():
    load_command(DEFINITIONS_DIR)
    criteria_before = list(Criterion.objects.values_list("pk", flat=True))

    output = load_command(DEFINITIONS_DIR)

    assert "2024/25: unchanged" in output and "2025/26: unchanged" in output
    assert list(Criterion.objects.values_list("pk", flat=True)) == criteria_before


def test_a_version_in_use_cannot_be_edited_only_superseded(tmp_path):
    document = minimal()
    path = write(tmp_path, document)
    framework_load(path=path)
    framework_version_mark_in_use(version=FrameworkVersion.objects.get(version="2030/31"))
    document["measures"][0]["domains"][0]["name"] = "Quietly renamed"

    with pytest.raises(DefinitionError, match="is used by an assessment cycle and cannot be edited"):
        framework_load(path=write(tmp_path, document))

    assert Domain.objects.get(key="well_led_domain").name == "Well led domain"
    successor = minimal("2031/32", supersedes="2030/31")
    assert framework_load(path=write(tmp_path, successor, "next.yaml"))[0].outcome == "created"


def test_a_version_not_in_use_is_replaced_when_its_file_changes(tmp_path):
    document = minimal()
    framework_load(path=write(tmp_path, document))
    document["measures"][0]["domains"][0]["name"] = "Corrected name"

    outcome = framework_load(path=write(tmp_path, document))

    assert outcome[0].outcome == "updated"
    assert Domain.objects.get(key="well_led_domain").name == "Corrected name"
    assert Domain.objects.count() == 7


def mutate(change):
    document = minimal()
    change(document)
    return document


def domain(document, index=0):
    return document["measures"][index]["domains"][0]


MALFORMED = {
    "duplicate domain key": (
        lambda d: domain(d, 1).update(key="well_led_domain"),
        "measures[1].domains[0].key: duplicate domain key 'well_led_domain' (first used at measures[0].domains[0])",
    ),
    "duplicate criterion key": (
        lambda d: domain(d)["levels"][2]["criteria"][0].update(key="c1"),
        "measures[0].domains[0].levels.2.criteria[0].key: duplicate criterion key 'c1'",
    ),
    "missing level": (
        lambda d: domain(d)["levels"].pop(4),
        "measures[0].domains[0].levels: level 4 is missing",
    ),
    "level out of range": (
        lambda d: domain(d)["levels"].update({6: {"name": "Beyond", "criteria": [{"key": "x", "text": "x"}]}}),
        "measures[0].domains[0].levels.6: level 6 is not a maturity level (1 to 5)",
    ),
    "level without criteria": (
        lambda d: domain(d)["levels"][3].update(criteria=[]),
        "measures[0].domains[0].levels.3.criteria: level 3 has no criteria",
    ),
    "unknown care setting": (
        lambda d: domain(d).update(care_settings=["acute", "hospice"]),
        "measures[0].domains[0].care_settings[1]: unknown care setting 'hospice'",
    ),
    "applies to nobody": (
        lambda d: domain(d).update(care_settings=[]),
        "measures[0].domains[0].care_settings: the domain applies to nobody",
    ),
    "unknown measure": (
        lambda d: d["measures"][6].update(key="happy_staff"),
        "measures[6].key: unknown measure 'happy_staff'",
    ),
    "missing measure": (
        lambda d: d["measures"].pop(),
        "measures: missing measure(s) healthy_populations",
    ),
    "replaces without supersedes": (
        lambda d: domain(d).update(replaces=["old_domain"]),
        "measures[0].domains[0].replaces[0]: replaces needs framework.supersedes",
    ),
    "supersedes an unloaded version": (
        lambda d: d["framework"].update(supersedes="2001/02"),
        "framework.supersedes: version '2001/02' is not loaded",
    ),
    "text where a list belongs": (
        lambda d: domain(d).update(care_settings="acute"),
        "measures[0].domains[0].care_settings: Input should be a valid list (found 'acute')",
    ),
    "number where text belongs": (
        lambda d: domain(d).update(name=42),
        "measures[0].domains[0].name: Input should be a valid string (found 42)",
    ),
    "text where a boolean belongs": (
        lambda d: domain(d).update(system_assessment="yes"),
        "measures[0].domains[0].system_assessment: Input should be a valid boolean (found 'yes')",
    ),
    "missing field": (
        lambda d: domain(d).pop("guidance"),
        "measures[0].domains[0]: missing required field 'guidance'",
    ),
    "unknown field": (
        lambda d: domain(d).update(colour="blue"),
        "measures[0].domains[0].colour: unknown field 'colour'",
    ),
    "bad version": (
        lambda d: d["framework"].update(version="2025/27"),
        "framework.version: '2025/27' is not a version such as '2025/26'",
    ),
    "bad key": (
        lambda d: domain(d).update(key="Cyber Security"),
        "measures[0].domains[0].key: 'Cyber Security' is not a key",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_definition_is_rejected_with_its_location_and_nothing_is_written(tmp_path, case):
    change, expected = MALFORMED[case]
    path = write(tmp_path, mutate(change))

    with pytest.raises(CommandError) as error:
        load_command(path)

    message = str(error.value)
    assert "Nothing was loaded" in message
    assert "test.yaml:" in message and expected in message, message
    assert not FrameworkVersion.objects.exists()
    assert not Domain.objects.exists()


def test_replaces_an_unknown_key_of_the_superseded_version(tmp_path):
    framework_load(path=write(tmp_path, minimal("2030/31"), "first.yaml"))
    document = minimal("2031/32", supersedes="2030/31")
    domain(document)["replaces"] = ["never_existed"]

    with pytest.raises(DefinitionError) as error:
        framework_load(path=write(tmp_path, document))

    assert "replaces[0]: replaces unknown domain 'never_existed': it is not a domain of 2030/31" in str(error.value)
    assert not FrameworkVersion.objects.filter(version="2031/32").exists()


def test_duplicate_yaml_keys_are_errors_with_their_line(tmp_path):
    text = yaml.safe_dump(minimal(), sort_keys=False).replace(
        "  title: Test framework 2030/31\n", "  title: Test framework 2030/31\n  title: Another title\n", 1
    )

    with pytest.raises(DefinitionError) as error:
        parse_definition(write(tmp_path, text), {})

    assert str(error.value) == "test.yaml:4: framework.title: duplicate key 'title' (first on line 3)"


def test_the_line_points_at_the_problem(tmp_path):
    document = minimal()
    domain(document, 2).update(care_settings=["acute", "hospice"])
    path = write(tmp_path, document)
    line_of_hospice = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "hospice" in line)

    with pytest.raises(DefinitionError) as error:
        parse_definition(path, {})

    assert error.value.problems[0].line == line_of_hospice


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    with pytest.raises(DefinitionError) as error:
        parse_definition(write(tmp_path, "framework:\n  version: [unclosed\n"), {})

    assert str(error.value).startswith("test.yaml:3: (document): not valid YAML")


def test_one_bad_file_in_a_folder_stops_the_whole_load(tmp_path):
    write(tmp_path, minimal("2030/31"), "2030-31.yaml")
    write(tmp_path, minimal("2031/32", supersedes="2030/31"), "2031-32.yaml")
    broken = copy.deepcopy(minimal("2032/33", supersedes="2031/32"))
    domain(broken)["levels"].pop(1)
    write(tmp_path, broken, "2032-33.yaml")

    with pytest.raises(DefinitionError, match=r"2032-33\.yaml"):
        framework_load(path=tmp_path)

    assert not FrameworkVersion.objects.exists()


# The criterion crosswalk.


def _criterion(document: dict, level: int, measure: int = 0) -> dict:
    return document["measures"][measure]["domains"][0]["levels"][level]["criteria"][0]


def test_the_published_crosswalk_is_stored():
    framework_load(path=DEFINITIONS_DIR)
    merged = Criterion.objects.get(domain__framework__version="2025/26", key="roles_appointed")
    assert merged.replaces == ["siro_named", "ig_roles_appointed"]
    assert Domain.objects.get(framework__version="2025/26", key="network_connectivity").evidence_from == []
    assert Domain.objects.get(framework__version="2025/26", key="digital_strategy").evidence_from is None


def test_a_criterion_may_replace_only_criteria_of_the_domains_it_continues(tmp_path):
    framework_load(path=write(tmp_path, minimal("2030/31"), "first.yaml"))
    document = minimal("2031/32", supersedes="2030/31")
    _criterion(document, 2)["key"] = "c2_renamed"
    _criterion(document, 2)["replaces"] = ["c2", "c9"]

    with pytest.raises(DefinitionError) as error:
        framework_load(path=write(tmp_path, document))

    message = str(error.value)
    assert "measures[0].domains[0].levels.2.criteria[0].replaces[1]: replaces unknown criterion 'c9'" in message
    assert "(well_led_domain)" in message
    assert "replaces[0]" not in message  # c2 is a criterion of the domain it continues
    assert not FrameworkVersion.objects.filter(version="2031/32").exists()


def test_a_split_domain_must_say_where_its_evidence_carries(tmp_path):
    framework_load(path=write(tmp_path, minimal("2030/31"), "first.yaml"))
    document = minimal("2031/32", supersedes="2030/31")
    halves = document["measures"][0]["domains"]
    second = copy.deepcopy(halves[0])
    second.update(key="well_led_other_half", name="The other half", replaces=["well_led_domain"])
    halves.append(second)

    with pytest.raises(DefinitionError, match="well_led_domain is split between several domains: add evidence_from"):
        framework_load(path=write(tmp_path, document))

    halves[0]["evidence_from"] = ["well_led_domain"]
    second["evidence_from"] = ["somewhere_else"]
    with pytest.raises(DefinitionError, match="'somewhere_else' is not a domain this one continues"):
        framework_load(path=write(tmp_path, document))

    second["evidence_from"] = []
    assert framework_load(path=write(tmp_path, document))[0].outcome == "created"


def test_the_crosswalk_of_a_version_in_use_can_be_corrected_but_not_its_questions(tmp_path):
    """Which earlier criteria a criterion continues changes how last year's answers carry, never
    what this year's answers mean; so it may be corrected after a cycle has opened."""
    framework_load(path=write(tmp_path, minimal("2030/31"), "first.yaml"))
    document = minimal("2031/32", supersedes="2030/31")
    _criterion(document, 2)["key"] = "c2_renamed"
    framework_load(path=write(tmp_path, document, "second.yaml"))
    framework_version_mark_in_use(version=FrameworkVersion.objects.get(version="2031/32"))

    _criterion(document, 2)["replaces"] = ["c2"]
    [outcome] = framework_load(path=write(tmp_path, document, "second.yaml"))

    assert outcome.outcome == "crosswalk updated"
    assert Criterion.objects.get(domain__framework__version="2031/32", key="c2_renamed").replaces == ["c2"]

    _criterion(document, 2)["text"] = "A different question."
    with pytest.raises(DefinitionError, match="is used by an assessment cycle and cannot be edited"):
        framework_load(path=write(tmp_path, document, "second.yaml"))
