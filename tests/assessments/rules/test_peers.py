"""Peers a level ahead, the pure rule: who is suggested, why, in what order."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from assessments.rules.peers import (
    DomainResult,
    PeerOrganisation,
    peers_a_level_ahead,
    reasons_for,
    sentence,
    services_overlap,
    weakest_domains,
)

CYCLES = ["2022/23", "2023/24", "2024/25"]


def org(pk, name=None, *, settings=("acute",), ics=1, region=1, epr="", kind="trust", suggested=True):
    return PeerOrganisation(
        pk=pk,
        name=name or f"Trust {pk}",
        ods_code=f"T{pk:02d}",
        kind=kind,
        care_settings=tuple(settings),
        ics_id=ics,
        region_id=region,
        epr_supplier=epr,
        epr_supplier_name={"epic": "Epic", "other": "Another supplier"}.get(epr, epr),
        peer_suggestions=suggested,
    )


ME = org(1, "Home Trust", settings=("acute", "community"), ics=1, region=1, epr="epic")


def result(pk, level, cycle="2024/25", key="epma", published=True):
    return DomainResult(organisation_id=pk, cycle=cycle, domain_key=key, level=level, published=published)


def suggest(candidates, results, *, levels=None, domains=("epma",), limit=3, me=ME, cycles=CYCLES):
    return peers_a_level_ahead(
        organisation=me,
        levels={"epma": 2} if levels is None else levels,
        domains=list(domains),
        candidates=candidates,
        results=results,
        cycles=cycles,
        domain_names={"epma": "EPMA", "ehr": "Electronic health record"},
        limit=limit,
    )


def names(found, key="epma"):
    return [peer.organisation.name for peer in found[key]]


def test_only_organisations_above_the_organisations_own_level_are_suggested():
    candidates = [org(2), org(3), org(4)]
    found = suggest(candidates, [result(2, 3), result(3, 2), result(4, 1)])
    assert names(found) == ["Trust 2"]


def test_the_latest_result_counts_not_an_older_higher_one():
    found = suggest([org(2)], [result(2, 4, "2023/24"), result(2, 1, "2024/25")])
    assert found["epma"] == []


def test_since_is_the_first_cycle_of_the_unbroken_run_at_that_level_or_higher():
    rows = [result(2, 2, "2022/23"), result(2, 5, "2023/24"), result(2, 4, "2024/25")]
    (peer,) = suggest([org(2)], rows)["epma"]
    assert (peer.level, peer.since, peer.latest) == (4, "2023/24", "2024/25")


def test_a_cycle_without_a_result_breaks_the_run():
    rows = [result(2, 4, "2022/23"), result(2, 4, "2024/25")]
    (peer,) = suggest([org(2)], rows)["epma"]
    assert peer.since == "2024/25"


def test_a_run_held_through_every_cycle_starts_at_the_first():
    rows = [result(2, 3, cycle) for cycle in CYCLES]
    assert suggest([org(2)], rows)["epma"][0].since == "2022/23"


def test_results_outside_the_cycles_looked_at_are_ignored():
    assert suggest([org(2)], [result(2, 4, "2021/22")])["epma"] == []


def test_the_organisation_itself_is_never_suggested():
    me_as_candidate = org(1, "Home Trust", settings=("acute", "community"))
    assert suggest([me_as_candidate], [result(1, 5)])["epma"] == []


def test_an_organisation_that_opted_out_is_never_suggested():
    assert suggest([org(2, suggested=False)], [result(2, 5)])["epma"] == []


def test_unpublished_results_are_never_suggested():
    assert suggest([org(2)], [result(2, 5, published=False)])["epma"] == []


def test_an_unpublished_later_result_does_not_count_towards_the_run_or_the_level():
    rows = [result(2, 3, "2023/24"), result(2, 5, "2024/25", published=False)]
    (peer,) = suggest([org(2)], rows)["epma"]
    assert (peer.level, peer.latest) == (3, "2023/24")


def test_another_kind_of_organisation_is_never_suggested():
    assert suggest([org(2, kind="icb")], [result(2, 5)])["epma"] == []


def test_a_result_of_someone_not_among_the_candidates_is_ignored():
    assert suggest([], [result(9, 5)])["epma"] == []


def test_same_care_setting_ranks_above_everything_else():
    far_alike = org(2, "Zeta", settings=("acute",), ics=7, region=7)
    near_unlike = org(3, "Alpha", settings=("mental_health",), ics=1, region=1, epr="epic")
    assert names(suggest([near_unlike, far_alike], [result(2, 3), result(3, 3)])) == ["Zeta", "Alpha"]


def test_similar_services_rank_next():
    same_mix = org(2, "Zeta", settings=("acute", "community"), ics=7, region=7)
    acute_only = org(3, "Alpha", settings=("acute",), ics=1, region=1, epr="epic")
    assert names(suggest([acute_only, same_mix], [result(2, 3), result(3, 3)])) == ["Zeta", "Alpha"]


def test_then_the_same_epr_supplier_then_ics_then_region():
    same_epr = org(2, "Delta", ics=7, region=7, epr="epic")
    same_ics = org(3, "Gamma", ics=1, region=1)
    same_region = org(4, "Beta", ics=2, region=1)
    elsewhere = org(5, "Alpha", ics=7, region=7)
    candidates = [elsewhere, same_region, same_ics, same_epr]
    found = suggest(candidates, [result(pk, 3) for pk in (2, 3, 4, 5)], limit=4)
    assert names(found) == ["Delta", "Gamma", "Beta", "Alpha"]


def test_another_supplier_never_counts_as_the_same_epr():
    me = org(1, settings=("acute",), epr="other")
    other_too = org(2, "Zeta", epr="other", ics=7, region=7)
    plain = org(3, "Alpha", ics=7, region=7)
    found = suggest([other_too, plain], [result(2, 3), result(3, 3)], me=me)
    assert names(found) == ["Alpha", "Zeta"]
    assert all(reason.kind != "same_epr_supplier" for peer in found["epma"] for reason in peer.reasons)


def test_an_epr_supplier_counts_only_when_recorded_on_both():
    me = org(1, settings=("acute",), epr="")
    assert "same_epr_supplier" not in {r.kind for r in reasons_for(me, org(2, epr=""))}


def test_among_equally_alike_peers_the_nearest_level_ahead_comes_first_then_the_recent_then_the_name():
    candidates = [org(2, "Bravo"), org(3, "Alpha"), org(4, "Charlie"), org(5, "Delta")]
    rows = [result(2, 5), result(3, 3, "2023/24"), result(4, 3), result(5, 3)]
    assert names(suggest(candidates, rows, limit=4)) == ["Charlie", "Delta", "Alpha", "Bravo"]


def test_at_most_the_limit_of_peers_per_domain():
    candidates = [org(pk) for pk in range(2, 10)]
    assert len(suggest(candidates, [result(pk, 4) for pk in range(2, 10)], limit=3)["epma"]) == 3


def test_every_domain_asked_for_is_answered_in_order_even_with_nobody_ahead():
    found = suggest([org(2)], [result(2, 4, key="ehr")], levels={"epma": 1, "ehr": 2}, domains=("ehr", "epma"))
    assert list(found) == ["ehr", "epma"]
    assert names(found, "ehr") == ["Trust 2"] and found["epma"] == []


def test_a_domain_missing_from_the_organisations_levels_counts_as_level_0():
    assert names(suggest([org(2)], [result(2, 1)], levels={})) == ["Trust 2"]


def test_the_sentence_names_the_level_the_domain_since_when_and_the_reasons():
    peer = org(2, settings=("acute", "community"), ics=1, epr="epic")
    (found,) = suggest([peer], [result(2, 4, "2023/24"), result(2, 4, "2024/25")])["epma"]
    assert found.sentence == (
        "level 4 in EPMA since 2023/24; same care setting; similar services; same EPR supplier: Epic; same ICS"
    )
    assert [reason.kind for reason in found.reasons] == [
        "same_care_setting",
        "similar_services",
        "same_epr_supplier",
        "same_ics",
    ]


def test_same_region_is_given_only_when_not_the_same_ics():
    assert [r.kind for r in reasons_for(ME, org(2, settings=("ambulance",), ics=2, region=1))] == ["same_region"]
    assert [r.kind for r in reasons_for(ME, org(2, settings=("ambulance",), ics=1, region=1))] == ["same_ics"]


def test_sentence_without_reasons_is_the_level_alone():
    assert sentence(3, "EPMA", "2024/25", []) == "level 3 in EPMA since 2024/25"


def test_services_overlap_is_the_share_of_settings_in_common():
    assert services_overlap(["acute", "community"], ["acute"]) == Fraction(1, 2)
    assert services_overlap([], []) == 0


def test_weakest_domains_are_the_lowest_levels_ties_in_framework_order_top_level_left_out():
    levels = [("a", 3), ("b", 1), ("c", 5), ("d", 1), ("e", 2), ("f", 4), ("g", 0)]
    assert weakest_domains(levels, 4) == ["g", "b", "d", "e"]
    assert weakest_domains([("a", 5)], 5) == []


# Properties: whatever the data, nothing unpublished, opted out or the organisation's own is suggested.

organisations = st.builds(
    org,
    st.integers(1, 8),
    st.none(),
    settings=st.lists(st.sampled_from(["acute", "community", "mental_health"]), min_size=1, max_size=3, unique=True),
    ics=st.integers(1, 3),
    region=st.integers(1, 2),
    epr=st.sampled_from(["", "epic", "other", "tpp"]),
    suggested=st.booleans(),
)
results = st.builds(
    DomainResult,
    organisation_id=st.integers(1, 8),
    cycle=st.sampled_from(["2021/22", *CYCLES]),
    domain_key=st.sampled_from(["epma", "ehr"]),
    level=st.integers(0, 5),
    published=st.booleans(),
)


# One row per organisation, and one result per organisation, cycle and domain, as the database has.
candidate_lists = st.lists(organisations, max_size=8, unique_by=lambda o: o.pk)
result_lists = st.lists(results, max_size=40, unique_by=lambda r: (r.organisation_id, r.cycle, r.domain_key))


@given(candidate_lists, result_lists, st.integers(0, 5))
def test_property_never_unpublished_opted_out_or_oneself(candidates, rows, own_level):
    found = suggest(candidates, rows, levels={"epma": own_level, "ehr": own_level}, domains=("epma", "ehr"), limit=8)
    opted_out = {c.pk for c in candidates if not c.peer_suggestions}
    for key, peers in found.items():
        for peer in peers:
            assert peer.organisation.pk != ME.pk
            assert peer.organisation.pk not in opted_out
            assert peer.level > own_level
            shown = [
                r
                for r in rows
                if r.organisation_id == peer.organisation.pk and r.domain_key == key and r.cycle == peer.latest
            ]
            assert any(r.published and r.level == peer.level for r in shown), "only a published result is shown"
            assert peer.organisation.peer_suggestions


@given(candidate_lists, result_lists)
def test_property_the_order_does_not_depend_on_the_order_of_the_input(candidates, rows):
    first = suggest(candidates, rows, levels={}, domains=("epma", "ehr"), limit=8)
    again = suggest(list(reversed(candidates)), list(reversed(rows)), levels={}, domains=("epma", "ehr"), limit=8)
    assert first == again
