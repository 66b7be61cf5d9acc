"""The national count of improvement plan targets: per domain, how many organisations' signed-off
plans of the cycle target each level, refreshed with the cycle's figures (a sign-off makes the
cycle due), shown as a chart card whose table and CSV hold the same figures, and a domain too few
organisations target left out with the reason."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ImprovementPlan, PlanTarget
from reports import counts, national_cards, national_dashboard
from reports.refresh import cycle_figures_due, cycle_figures_refresh
from tests import factories
from tests.reports.test_national_dashboard import csv_rows

pytestmark = pytest.mark.django_db

LATER = datetime.date.today() + datetime.timedelta(days=300)


@pytest.fixture
def country(country_data):
    return country_data[1]


def plan(assessment, targets, signed_off=True):
    made = ImprovementPlan.objects.create(
        assessment=assessment,
        status="signed_off" if signed_off else "draft",
        signed_off_at=timezone.now() if signed_off else None,
    )
    for key, level in targets.items():
        response = assessment.responses.select_related("domain").get(domain__key=key)
        PlanTarget.objects.create(
            plan=made, domain=response.domain, domain_key=key, target_level=level, target_date=LATER
        )
    return made


def test_target_counts_are_grouped_by_domain_in_the_order_given_with_every_level():
    rows = [
        counts.TargetRow("strategy", "Digital strategy", "Well led", 3, 4),
        counts.TargetRow("strategy", "Digital strategy", "Well led", 4, 2),
        counts.TargetRow("cloud", "Cloud hosting", "Smart foundations", 2, 1),
    ]
    assert counts.target_counts(rows, plans=7) == {
        "plans": 7,
        "domains": [
            {"key": "strategy", "name": "Digital strategy", "measure": "Well led",
             "levels": {"1": 0, "2": 0, "3": 4, "4": 2, "5": 0}},
            {"key": "cloud", "name": "Cloud hosting", "measure": "Smart foundations",
             "levels": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}},
        ],
    }  # fmt: skip


def test_the_dashboard_counts_signed_off_plans_only_and_hides_small_domains(country, client):
    cycle = country.this_year
    trusts = list(
        Assessment.objects.filter(cycle=cycle, organisation__kind="trust", responses__domain__key="strategy")
        .distinct()
        .order_by("pk")
    )
    assert len(trusts) >= 7
    for index, assessment in enumerate(trusts[:6]):
        plan(assessment, {"strategy": 3 if index < 4 else 5, **({"cloud": 4} if index < 2 else {})})
    plan(trusts[6], {"strategy": 2}, signed_off=False)  # a draft is not counted
    assert cycle_figures_due(cycle.pk)  # signing plans off makes the cycle's counts due
    cycle_figures_refresh(cycle_id=cycle.pk)
    assert not cycle_figures_due(cycle.pk)

    data = national_dashboard.national_dashboard(cycle)
    assert data.targets.plans == 6
    card = national_cards.targets_card(data)
    rows = {row[0]: row for row in card.rows}
    assert rows["Digital strategy"][2:] == (0, 0, 4, 0, 2, 6)
    assert rows["Cloud hosting"][2:] == (None,) * 6  # two organisations: not shown
    assert "Cloud hosting (2)" in card.notes[0] and "fewer than 5" in card.notes[0]
    assert "Cloud hosting" not in card.svg and "Digital strategy" in card.svg

    analyst = factories.UserFactory()
    factories.grant(analyst, "national_analyst")
    client.force_login(analyst)
    got = csv_rows(client.get(reverse("national:chart-csv", args=[cycle.slug, "targets"])))
    assert got[0] == list(card.columns)
    assert got[1:] == [["" if v is None else str(v) for v in row] for row in card.rows]
    page = client.get(reverse("national:dashboard", args=[cycle.slug])).content.decode()
    assert "Improvement plan targets by domain" in page


def test_reopening_a_plan_makes_the_cycle_due_again(country):
    cycle = country.this_year
    assessment = Assessment.objects.filter(cycle=cycle, responses__domain__key="strategy").first()
    made = plan(assessment, {"strategy": 4})
    cycle_figures_refresh(cycle_id=cycle.pk)
    assert not cycle_figures_due(cycle.pk)
    made.status, made.signed_off_at = "draft", None
    made.save()
    assert cycle_figures_due(cycle.pk)
