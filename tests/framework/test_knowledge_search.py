"""Search over the real reviewed knowledge base. The suite runs on SQLite and on PostgreSQL; each
query's exact matches (the query as typed in a title, summary or body) are asserted in a fixed
order, so the two databases are held to the same answer, and the looser matches to containing
what a reader would expect."""

import pytest

from framework.knowledge_selectors import knowledge_search, parse_query
from framework.models import KnowledgeEntry

pytestmark = pytest.mark.django_db

# query -> (its exact matches in order, other entries that must be found too)
QUERIES = {
    "barcode scanning": (["closed-loop-medicines-administration-epma-barcode"], []),
    "virtual wards": (["virtual-wards-with-remote-monitoring"], []),
    "immutable backups": (["cyber-immutable-backups-recovery-runbook"], []),
    "single sign-on": (["single-sign-on-tap-and-go"], []),
    "patient portal": (["patient-portal-through-the-nhs-app"], ["care-plans-shared-with-patients"]),
    "population health": (
        ["ics-population-health-platform", "population-health-management-linked-data"],
        [],
    ),
    "clinical safety officer": (["clinical-safety-officer-network"], []),
    "pagers": (["analogue-to-digital-telephony"], []),
    "ransomware": (["cyber-immutable-backups-recovery-runbook", "cyber-security-operations-centre-onboarding"], []),
    '"shared care record"': (
        ["ics-shared-care-record-rollout", "mental-health-care-plans-in-the-shared-care-record"],
        [],
    ),
    "epma or prescribing": ([], ["epma-rollout-in-mental-health", "closed-loop-medicines-administration-epma-barcode"]),
}


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_the_relevant_entries_with_exact_matches_first_in_a_fixed_order(knowledge_base, query):
    exact, also = QUERIES[query]
    found = [entry.key for entry in knowledge_search(query).entries]
    assert found[: len(exact)] == exact
    assert set(also) <= set(found)


def test_an_excluded_word_leaves_out_the_entries_that_have_it(knowledge_base):
    found = knowledge_search("cyber -ambulance").entries
    assert found
    assert "cyber-security-operations-centre-onboarding" not in [entry.key for entry in found]
    assert all("ambulance" not in (entry.title + entry.summary).lower() for entry in found)


def test_a_query_matching_nothing_finds_nothing(knowledge_base):
    assert knowledge_search("xylophone").entries == []


def test_an_empty_query_lists_every_published_entry_by_title(knowledge_base):
    KnowledgeEntry.objects.filter(key="single-sign-on-tap-and-go").update(status=KnowledgeEntry.Status.UNPUBLISHED)
    entries = knowledge_search("").entries
    assert len(entries) == knowledge_base.created - 1
    assert [e.title for e in entries] == sorted(e.title for e in entries)
    assert "single-sign-on-tap-and-go" not in [e.key for e in entries]


def test_filters_narrow_the_results_and_facets_count_what_each_choice_would_give(knowledge_base):
    results = knowledge_search("", measure="improve_care", care_setting="mental_health")
    assert results.entries
    assert all("improve_care" in e.measure_keys and "mental_health" in e.care_settings for e in results.entries)
    measures = {facet.value: facet for facet in results.facets["measure"]}
    # Another measure's count is what choosing it (with mental health kept) would give.
    assert measures["safe_practice"].count == len(
        knowledge_search("", measure="safe_practice", care_setting="mental_health").entries
    )
    assert measures["improve_care"].selected and measures["improve_care"].count == results.total
    levels = {facet.value: facet.count for facet in results.facets["level"]}
    assert levels["2"] == sum(1 for e in results.entries if e.level_from <= 2 < e.level_to)


def test_level_filter_keeps_entries_that_start_at_or_below_it_and_go_beyond(knowledge_base):
    entries = knowledge_search("", level=3).entries
    assert entries and all(e.level_from <= 3 < e.level_to for e in entries)


def test_the_fallback_reads_phrases_exclusions_and_or_as_postgresql_does():
    parsed = parse_query('"shared care record" -ambulance wards or epma the')
    assert parsed.any_of == [["shared care record", "ward"], ["epma"]]
    assert parsed.excluded == ["ambulance"]
