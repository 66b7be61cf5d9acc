"""Framework definition files from hostile hands (issue 16): each is refused within seconds with
its file and, where there is one, its line and place, and nothing is written."""

import copy
import time
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from framework.models import Domain, FrameworkVersion
from tests.framework.test_load_framework import domain, load_command, minimal, mutate, write

pytestmark = pytest.mark.django_db

PREVIOUS = "2029/30"


def text_of(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False)


def refused(tmp_path: Path, content: bytes | str, expected: str, name: str = "hostile.yaml") -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    started = time.perf_counter()
    with pytest.raises(CommandError) as error:
        load_command(path)
    elapsed = time.perf_counter() - started
    message = str(error.value)
    assert "Nothing was loaded" in message and f"{name}" in message, message
    assert expected in message, message
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert FrameworkVersion.objects.filter(version="2030/31").count() == 0
    return message


def test_a_version_or_key_ending_in_a_newline_is_not_a_version_or_key(tmp_path):
    refused(tmp_path, text_of(mutate(lambda d: d["framework"].update(version="2030/31\n"))), "is not a version")
    refused(tmp_path, text_of(mutate(lambda d: domain(d).update(key="well_led_domain\n"))), "is not a key")
    critical = mutate(lambda d: domain(d)["levels"][1]["criteria"][0].update(key="c1\n"))
    refused(tmp_path, text_of(critical), "levels.1.criteria[0].key: 'c1\\n' is not a key")


def test_a_key_longer_than_the_database_keeps_is_refused_with_its_place(tmp_path):
    long_key = "k" * 300
    message = refused(tmp_path, text_of(mutate(lambda d: domain(d).update(key=long_key))), "300 characters long")
    assert "measures[0].domains[0].key" in message
    refused(tmp_path, text_of(mutate(lambda d: domain(d).update(name="N" * 201))), "at most 200 are allowed")


def test_anchors_aliases_and_merge_keys_are_refused(tmp_path):
    good = text_of(minimal())
    with_anchor = good.replace("care_settings:\n", "care_settings: &settings\n", 1)
    refused(tmp_path, with_anchor, "anchors and aliases (& and *) are not allowed")
    merge = good.replace("    system_assessment: false\n", "    system_assessment: false\n    <<: {name: Other}\n", 1)
    refused(tmp_path, merge, "a key must be plain text")


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join(f'*a{n - 1}' for _ in range(10))}]" for n in range(1, 12)]
    refused(tmp_path, "\n".join(lines) + "\n", "anchors and aliases")


def test_deep_nesting_is_refused_before_anything_is_built(tmp_path):
    refused(tmp_path, "framework: " + "[" * 5000 + "]" * 5000 + "\n", "nests deeper than 20 levels")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("framework: {title: caf\xe9}\n".encode("latin-1"), "is not UTF-8 text (byte 0xe9); save it as UTF-8"),
        ("framework: {}\n".encode("utf-16"), "is not UTF-8 text"),
        (b"framework:\n  title: bell\x07\n", "hostile.yaml:2: (document): contains the control character U+0007"),
        (b"\xef\xbb\xbfframework: [\n", "not valid YAML"),
    ],
    ids=["latin-1", "utf-16", "control character", "broken after a byte-order mark"],
)
def test_text_that_is_not_clean_utf8_is_refused_with_its_line(tmp_path, content, expected):
    refused(tmp_path, content, expected)


def test_an_impossible_date_a_python_tag_and_a_complex_key_are_refused_with_their_line(tmp_path):
    good = text_of(minimal())
    refused(
        tmp_path,
        good.replace("published_on: '2030-04-01'", "published_on: 2030-02-30"),
        "framework.published_on: '2030-02-30' is not a real date",
    )
    refused(
        tmp_path,
        good.replace("title: Test framework 2030/31", "title: !!python/object/apply:os.system ['echo hi']"),
        "the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    )
    refused(
        tmp_path,
        good.replace("framework:\n", "? [a, b]\n: 1\nframework:\n", 1),
        "hostile.yaml:1: (document): a key must be plain text",
    )


def test_replacement_circles_and_self_replacement_are_refused(tmp_path):
    call_command(
        "load_framework", str(write(tmp_path, two_domain_version(PREVIOUS), name="previous.yaml")), verbosity=0
    )
    later = tmp_path / "later"
    later.mkdir()

    def swapped(d):
        first, second = d["measures"][0]["domains"]
        first["replaces"], second["replaces"] = ["b"], ["a"]
        first["evidence_from"], second["evidence_from"] = ["a"], ["b"]

    refused(later, text_of(version_after(swapped)), "replaces goes round in a circle: a -> b -> a")

    def itself(d):
        d["measures"][0]["domains"][0]["replaces"] = ["a"]

    refused(later, text_of(version_after(itself)), "a domain cannot replace itself")

    def criteria_swap(d):
        criteria = d["measures"][0]["domains"][0]["levels"][1]["criteria"]
        criteria.append({"key": "c1b", "text": "Another.", "replaces": ["c1"]})
        criteria[0]["replaces"] = ["c1b"]

    refused(later, text_of(version_after(criteria_swap)), "replaces goes round in a circle: c1 -> c1b -> c1")


def test_a_version_cannot_supersede_a_later_one_or_share_a_predecessor(tmp_path):
    call_command(
        "load_framework", str(write(tmp_path, two_domain_version(PREVIOUS), name="previous.yaml")), verbosity=0
    )
    backwards = tmp_path / "backwards"
    backwards.mkdir()
    older = two_domain_version("2028/29")
    older["framework"]["supersedes"] = PREVIOUS
    refused(backwards, text_of(older), "2028/29 cannot supersede '2029/30', a later version")

    both = tmp_path / "both"
    both.mkdir()
    for name in ("2030/31", "2031/32"):
        document = two_domain_version(name)
        document["framework"]["supersedes"] = PREVIOUS
        write(both, document, name=name.replace("/", "-") + ".yaml")
    with pytest.raises(CommandError) as error:
        load_command(both)
    assert "2029/30 is already superseded by 2030/31; a version has one successor" in str(error.value)
    assert list(FrameworkVersion.objects.values_list("version", flat=True)) == [PREVIOUS]


def two_domain_version(version: str) -> dict:
    """`minimal` with two domains, a and b, in its first measure."""
    document = minimal(version)
    first = document["measures"][0]["domains"][0]
    first["key"] = "a"
    second = {**copy.deepcopy(first), "key": "b", "name": "Second domain"}  # no shared parts: no YAML aliases
    document["measures"][0]["domains"].append(second)
    return document


def version_after(change) -> dict:
    document = two_domain_version("2030/31")
    document["framework"]["supersedes"] = PREVIOUS
    change(document)
    return document


def test_the_published_definitions_still_load():
    call_command("load_framework", verbosity=0)
    assert FrameworkVersion.objects.count() == 2 and Domain.objects.exists()
