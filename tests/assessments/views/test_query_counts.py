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
    ]


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
    "domain page": 7,  # the colleagues polled about the domain, with their views, in one query
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
