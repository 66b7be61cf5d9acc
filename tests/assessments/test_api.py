"""The read-only API of validation flags (/api/v1/flags/): scoped like the pages, filtered like the
triage list, keyed on cycle names, ODS codes and domain and measure keys."""

import io

import pytest
from django.core.management import call_command

from assessments.models import ValidationFlag
from assessments.services.flags import flag_resolve
from tests.assessments import pattern_flags
from tests.assessments.flagging import answer_submit_and_flag, stored

pytestmark = pytest.mark.django_db

LIST = "/api/v1/flags/"


def detail(flag):
    return f"{LIST}{flag.pk}/"


@pytest.fixture
def flags(flagged, cycle, world, person):
    """Trust A (answer flags and a copied-notes flag naming trust B) and trust B (answer flags)."""
    trust_b = answer_submit_and_flag(world.trust_b, cycle, person, level=3)
    # Stored after the last submission: its cycle refresh would drop a flag the rules did not raise.
    copied = pattern_flags.copied_notes(flagged, world.trust_b)
    return {"trust_a": flagged, "copied": copied, "trust_b": trust_b}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_anonymous_callers_are_refused(client, flags):
    assert client.get(LIST).status_code == 401
    assert client.get(detail(flags["copied"])).status_code == 401


@pytest.mark.parametrize(
    "who, sees",
    [
        ("lead", "answer flags of trust A"),
        ("viewer", "answer flags of trust A"),
        ("board", "answer flags of trust A"),
        ("framework_admin", "answer flags of both"),
        ("reviewer", "every flag of trust A"),
        ("other_reviewer", "every flag of trust B"),
        ("other_lead", "every answer flag of trust B"),
        ("analyst", "everything"),
        ("nobody", "nothing"),
    ],
)
def test_the_list_is_scoped_like_the_pages(client, flags, team, who, sees):
    trust_a, trust_b = set(stored(flags["trust_a"])), set(stored(flags["trust_b"]))
    answers_a = {f for f in trust_a if not f.is_pattern}
    expected = {
        "answer flags of trust A": answers_a,
        "answer flags of both": answers_a | trust_b,
        "every flag of trust A": trust_a,
        "every flag of trust B": trust_b,
        "every answer flag of trust B": trust_b,
        "everything": trust_a | trust_b,
        "nothing": set(),
    }[sees]
    client.force_login(team[who])
    assert ids(client.get(LIST)) == {flag.pk for flag in expected}


def test_a_flag_is_keyed_on_codes_with_its_figures_and_resolution(client, flags, team, world):
    copied = flags["copied"]
    flag_resolve(flag_id=copied.pk, actor=team["reviewer"], comment="Shared strategy team.")
    client.force_login(team["reviewer"])

    body = client.get(detail(copied)).json()

    assert body["id"] == copied.pk and body["cycle"] == "2025/26"
    assert body["organisation"] == world.trust_a.ods_code and body["organisation_name"] == "Trust A"
    assert body["ics"] == world.ics_1.icb_ods_code and body["region"] == world.ics_1.region.ods_code
    assert body["kind"] == "copied_notes" and body["pattern"] is True and body["severity"] == "high"
    assert body["domain"] is None and body["measure"] is None and body["subject"] == "the whole assessment"
    assert body["explanation"] == copied.explanation and body["to_clear"] == copied.to_clear
    assert body["details"]["side_by_side"][0]["right"]["ods_code"] == world.trust_b.ods_code
    assert body["status"] == "resolved"
    assert body["resolution"]["comment"] == "Shared strategy team."
    assert body["resolution"]["resolved_by"] == str(team["reviewer"])
    assert "assessment" not in body  # no internal ids but the flag's own


def test_a_domain_flag_names_its_domain_by_key(client, flags, team):
    flag = stored(flags["trust_a"], ValidationFlag.Kind.HIGH_LEVEL_WITHOUT_EVIDENCE)[0]
    client.force_login(team["lead"])
    body = client.get(detail(flag)).json()
    assert body["domain"] == flag.domain.key and body["subject"] == flag.domain.name
    assert body["pattern"] is False and body["details"] == {"evidence": []} and body["status"] == "open"
    assert body["resolution"] is None


def test_a_measure_flag_names_its_measure(client, flagged, team):
    flag = pattern_flags.peer_outlier(flagged, "smart_foundations")
    client.force_login(team["analyst"])
    body = client.get(detail(flag)).json()
    assert body["measure"] == "smart_foundations" and body["subject"] == "Ensure smart foundations"


@pytest.mark.parametrize("who", ["lead", "approver", "viewer", "board", "other_lead", "other_reviewer", "nobody"])
def test_a_pattern_flag_is_not_found_by_those_who_may_not_see_its_evidence(client, flags, team, who):
    client.force_login(team[who])
    assert client.get(detail(flags["copied"])).status_code == 404


def test_another_organisations_flag_is_not_found(client, flags, team):
    client.force_login(team["other_lead"])
    assert client.get(detail(stored(flags["trust_a"])[0])).status_code == 404
    client.force_login(team["lead"])
    assert client.get(detail(stored(flags["trust_b"])[0])).status_code == 404
    assert client.get(f"{LIST}999999/").status_code == 404


@pytest.mark.parametrize(
    "query, wanted",
    [
        ({"kind": "copied_notes"}, lambda f, w: f.kind == "copied_notes"),
        ({"severity": "high"}, lambda f, w: f.severity == "high"),
        ({"status": "resolved"}, lambda f, w: f.is_resolved),
        ({"status": "open"}, lambda f, w: not f.is_resolved),
        ({"organisation": "trust_b"}, lambda f, w: f.assessment.organisation == w.trust_b),
        ({"ics": "ics_1"}, lambda f, w: f.assessment.organisation.ics == w.ics_1),
        ({"region": "region_2"}, lambda f, w: f.assessment.organisation.ics.region == w.ics_2.region),
        ({"cycle": "2025/26"}, lambda f, w: True),
    ],
)
def test_the_filters(client, flags, team, world, query, wanted):
    flag_resolve(flag_id=stored(flags["trust_b"])[0].pk, actor=team["analyst"], comment="Checked.")
    codes = {"trust_b": world.trust_b.ods_code, "ics_1": world.ics_1.icb_ods_code}
    codes["region_2"] = world.ics_2.region.ods_code
    query = {key: codes.get(value, value) for key, value in query.items()}
    client.force_login(team["analyst"])

    everything = list(ValidationFlag.objects.select_related("assessment__organisation__ics__region"))
    expected = {flag.pk for flag in everything if wanted(flag, world)}
    assert expected
    assert ids(client.get(LIST, query)) == expected


def test_another_cycles_name_finds_nothing_and_a_made_up_one_is_refused(client, flags, team):
    from assessments.models import Cycle

    Cycle.objects.create(name="2023/24", framework=flags["trust_a"].cycle.framework, opens_on="2023-04-01",
                         closes_on="2023-06-30")  # fmt: skip
    client.force_login(team["analyst"])
    assert ids(client.get(LIST, {"cycle": "2023/24"})) == set()
    assert client.get(LIST, {"cycle": "1999/00"}).status_code == 400


def test_the_api_only_reads(client, flags, team):
    client.force_login(team["analyst"])
    flag = flags["copied"]
    assert client.post(LIST, {}, content_type="application/json").status_code == 405
    assert client.patch(detail(flag), {"severity": "low"}, content_type="application/json").status_code == 405
    assert client.delete(detail(flag)).status_code == 405
    flag.refresh_from_db()
    assert flag.severity == ValidationFlag.Severity.HIGH


def test_the_list_costs_the_same_for_2_flags_as_for_20(client, assessment, team, django_assert_max_num_queries):
    from tests.assessments.conftest import complete_everything
    from tests.assessments.flagging import submit_and_flag

    complete_everything(assessment, team["lead"], level=2)  # raises no flag itself
    submitted = submit_and_flag(assessment, team["lead"], team["approver"])
    client.force_login(team["reviewer"])
    pattern_flags.many_flags(submitted, 2)
    client.get(LIST)
    with django_assert_max_num_queries(50) as few:
        assert len(ids(client.get(LIST))) == 2
    pattern_flags.many_flags(submitted, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(client.get(LIST))) == 20


def test_the_schema_describes_the_flags_without_warnings():
    """`manage.py spectacular --fail-on-warn` stops on any warning or error in any view."""
    output = io.StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=output)
    schema = output.getvalue()
    assert "/api/v1/flags/{id}/:" in schema and "FlagResolution" in schema
