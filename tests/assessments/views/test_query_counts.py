"""No page's query count grows with the number of organisations: every kind of page, as the
person who would ask for it, costs the same at a handful of organisations as after ten times as
many trusts have joined (with assessments in the cycle, some submitted and flagged), so a page
is as quick nationally as in a test."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.services.cycles import cycle_open
from framework.models import KnowledgeEntry
from organisations.access import forget_grants
from organisations.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db


def pages(assessment) -> list[tuple[str, str, str]]:
    """(page kind, who asks, address) for every kind of page."""
    args = [assessment.cycle.slug, assessment.organisation.ods_code]
    domain = assessment.responses.order_by("domain__key").first().domain
    version = assessment.cycle.framework.version.replace("/", "-")
    home = [(f"home: {role}", role, reverse("home")) for role in ("lead", "contributor", "approver", "viewer")]
    home += [(f"home: {role}", role, reverse("home")) for role in ("reviewer", "board", "analyst", "framework_admin")]
    return [
        *home,
        ("task list", "lead", reverse("assessments:overview", args=args)),
        ("domain page", "lead", reverse("assessments:domain", args=[*args, domain.key])),
        ("check your answers", "lead", reverse("assessments:check", args=args)),
        ("improvement plan", "lead", reverse("assessments:plan", args=args)),
        ("plan target", "lead", reverse("assessments:plan-target-add", args=args) + f"?domain={domain.key}"),
        ("history", "lead", reverse("assessments:history", args=args)),
        ("review", "reviewer", reverse("assessments:review", args=args)),
        ("organisation list", "analyst", reverse("organisations:list")),
        ("organisation list, searched", "analyst", reverse("organisations:list") + "?q=trust&setting=acute"),
        (
            "ICS organisations",
            "reviewer",
            reverse("organisations:system", args=[assessment.organisation.ics.icb_ods_code]),
        ),
        ("national assessment list", "analyst", reverse("assessments:list")),
        ("assessment list, filtered", "reviewer", reverse("assessments:list") + "?status=submitted&q=trust"),
        ("flags list", "analyst", reverse("assessments:flags") + "?status=&cycle="),
        ("flag rates", "analyst", reverse("assessments:flag-rates")),
        ("framework versions", "lead", reverse("framework:versions")),
        ("framework version", "lead", reverse("framework:version", args=[version])),
        ("framework domain", "lead", reverse("framework:domain", args=[version, domain.key])),
        ("knowledge base", "viewer", reverse("knowledge:search")),
        (
            "knowledge base, searched",
            "reviewer",
            reverse("knowledge:search") + "?q=strategy&care_setting=acute&level=2",
        ),
        ("knowledge entry", "lead", reverse("knowledge:entry", args=[_an_entry(domain.key).key])),
    ]


def _an_entry(domain_key: str) -> KnowledgeEntry:
    """One reviewed entry for the domain the pages show, so the domain page lists a blueprint."""
    entry, _ = KnowledgeEntry.objects.get_or_create(
        key="a-strategy-blueprint",
        defaults={
            "kind": KnowledgeEntry.Kind.BLUEPRINT,
            "title": "A strategy blueprint",
            "summary": "How to write a strategy",
            "body": "Steps",
            "author_name": "Programme",
            "care_settings": ["acute"],
            "domain_keys": [domain_key],
            "measure_keys": ["well_led"],
            "level_from": 1,
            "level_to": 3,
            "source_file": "test.yaml",
        },
    )
    return entry


# Each page kind's queries, pinned: a change that adds one must say so here; one that removes
# some lowers the figure. The three every signed-in page pays (session, user, roles) are in each.
# The national assessment and flag lists find their page's ids first and then load those rows
# (organisations.pagination.page_by_ids): one query more than a plain slice, but the sort no
# longer reads every wide row of the cycle. The domain page reads its levels and criteria from the
# version's kept outline (framework.selectors.domain_outline), checked against the version row it
# reads with the assessment: two queries fewer than prefetching them. Check your answers takes the
# version's state from that row too, and compares the answers it has loaded with last year's
# instead of reading them again: two fewer. The task list counts its progress from the answers it
# lists: one fewer. The home page decides which of the assessments it has read are open for the
# person's work (none here: no query for it), and counts the kinds of organisation in one query
# and the systems from the list it shows: two fewer nationally.
PINNED = {
    "home: lead": 6,
    "home: contributor": 6,
    "home: approver": 6,
    "home: viewer": 6,
    "home: reviewer": 5,
    "home: board": 5,
    "home: analyst": 9,
    "home: framework_admin": 9,
    "task list": 9,
    # the colleagues polled about the domain, with their views, in one query; its blueprints; the
    # published cycles for its peers a level ahead (none here: their levels are read in one more,
    # in the test below); the improvement plan's line (the plan with its target for the domain)
    "domain page": 10,
    "improvement plan": 5,  # with no plan yet; with targets see the test below
    "plan target": 6,
    "check your answers": 6,
    "history": 6,
    "review": 12,
    "organisation list": 7,
    "organisation list, searched": 7,
    "ICS organisations": 5,
    "national assessment list": 9,
    "assessment list, filtered": 9,
    "flags list": 9,
    "flag rates": 7,
    "framework versions": 4,
    "framework version": 4,
    "framework domain": 4,
    "knowledge base": 5,  # the matching entries (facets counted from them) and the domains' names
    "knowledge base, searched": 5,
    "knowledge entry": 5,
}


def counts(client, team, kinds) -> dict[str, int]:
    result = {}
    for name, who, url in kinds:
        forget_grants(team[who])
        client.force_login(team[who])
        client.get(url)  # the first request after sign-in does more (last_login, session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        result[name] = len(queries)
    return result


def test_no_page_costs_more_queries_with_ten_times_the_organisations(client, cycle, flagged, team, world):
    kinds = pages(flagged)
    cache.clear()
    before = counts(client, team, kinds)
    for number in range(40):
        factories.OrganisationFactory(
            ics=world.ics_1 if number % 2 else world.ics_2,
            name=f"Joining Trust {number}",
            care_settings=["acute"] if number % 3 else ["mental_health", "community"],
        )
    cycle_open(cycle=cycle)
    Assessment.objects.filter(cycle=cycle, organisation__name__startswith="Joining Trust 1").update(
        status=Assessment.Status.SUBMITTED
    )
    assert Organisation.objects.count() >= 10 * 4
    cache.clear()
    after = counts(client, team, kinds)
    assert after == before
    assert before == PINNED


def test_the_plan_page_costs_the_same_however_many_targets_and_actions(client, assessment, team):
    import datetime

    from assessments.services.plans import plan_action_save, plan_target_save

    later = datetime.date.today() + datetime.timedelta(days=200)
    url = reverse("assessments:plan", args=[assessment.cycle.slug, assessment.organisation.ods_code])
    keys = list(assessment.responses.order_by("domain__key").values_list("domain__key", flat=True))

    def plan(domain_keys):
        for key in domain_keys:
            target = plan_target_save(
                assessment=assessment, domain_key=key, target_level=2, target_date=later, version=None,
                actor=team["lead"],
            )  # fmt: skip
            for number in range(3):
                plan_action_save(
                    target=target, description=f"Action {number}", owner=team[("lead", "contributor")[number % 2]],
                    due_date=later, status="in_progress", version=None, actor=team["lead"],
                )  # fmt: skip
        return counts(client, team, [("improvement plan", "lead", url)])

    one = plan(keys[:1])
    five = plan(keys[1:5])
    # The plan, its targets (with domain, measure and version) and their actions with owners.
    assert one == five == {"improvement plan": PINNED["improvement plan"] + 2}


# The peers pages with published results to find peers in: the domain page reads the published
# cycles and the levels of this domain in them (two queries); the peers page the organisation's
# latest scored levels, the cycles and the levels (three) and its requests already sent (one).
PEER_PAGES_PINNED = {"domain page, with peers": 11, "peers a level ahead": 8, "peer requests": 5}


def test_peer_pages_cost_the_same_with_ten_times_the_peers(client, cycle, team, world):
    from assessments.services.peers import peer_request_send
    from tests.assessments.peer_data import past_cycle, scored

    last = past_cycle("2024/25")
    levels = {"strategy": 4, "infra": 4, "safe_practice_basics": 4, "empower_citizens_basics": 4}
    scored(world.trust_a, last, dict.fromkeys(levels, 1))
    scored(world.trust_b, last, levels)
    assessment = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    args = [cycle.slug, world.trust_a.ods_code]
    kinds = [
        ("domain page, with peers", "lead", reverse("assessments:domain", args=[*args, "strategy"])),
        ("peers a level ahead", "lead", reverse("assessments:peers", args=args)),
        ("peer requests", "lead", reverse("peer-requests", args=[world.trust_a.ods_code])),
    ]
    ask = {"from_organisation": world.trust_a, "domain_key": "strategy", "domain_name": "Digital strategy"}
    peer_request_send(to_organisation=world.trust_b, message="Hello", actor=team["lead"], **ask)
    before = counts(client, team, kinds)
    for number in range(20):
        joining = factories.OrganisationFactory(ics=world.ics_2, name=f"Peer Trust {number}")
        scored(joining, last, levels)
        peer_request_send(to_organisation=joining, message="Hello", actor=team["lead"], **ask)
    after = counts(client, team, kinds)
    assert assessment.organisation == world.trust_a
    assert after == before
    assert before == PEER_PAGES_PINNED
