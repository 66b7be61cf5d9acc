"""PLAN_VIEW as a rule and as a filter agree, for every kind of person and for plans of both ICSs."""

import pytest

from assessments.access import AssessmentAction
from assessments.models import Assessment, ImprovementPlan
from assessments.plan_selectors import assessments_with_visible_plans
from organisations.access import may

pytestmark = pytest.mark.django_db

WHO = ["lead", "contributor", "approver", "viewer", "reviewer", "board", "other_reviewer", "other_lead",
       "same_ics_lead", "analyst", "framework_admin", "nobody"]  # fmt: skip


@pytest.mark.parametrize("who", WHO)
def test_the_plan_rule_and_its_filter_agree(cycle, team, world, who):
    user = team[who]
    assessments = list(Assessment.objects.filter(cycle=cycle).select_related("organisation"))
    listed = set(assessments_with_visible_plans(user).filter(cycle=cycle).values_list("pk", flat=True))
    allowed = {a.pk for a in assessments if may(user, AssessmentAction.PLAN_VIEW, ImprovementPlan(assessment=a))}
    assert listed == allowed
    own = next(a for a in assessments if a.organisation_id == world.trust_a.pk)
    assert (own.pk in listed) == (who not in {"other_reviewer", "other_lead", "same_ics_lead", "nobody"})
