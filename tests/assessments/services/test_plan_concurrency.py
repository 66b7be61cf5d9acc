"""Two people saving the same improvement plan at the same moment, on real PostgreSQL row locks:
exactly one wins, the other is refused with PlanConflict and its change is not made."""

import datetime

import pytest

from assessments.models import ImprovementPlan, PlanTarget
from assessments.services.plans import PlanConflict, plan_target_save
from tests.assessments.services.test_concurrent_edits import run_together

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_edits_of_one_plan_never_overwrite_silently(assessment, team):
    when = datetime.date.today() + datetime.timedelta(days=200)
    ImprovementPlan.objects.create(assessment=assessment)

    def save(actor, level):
        return lambda: plan_target_save(
            assessment=assessment, domain_key="strategy", target_level=level, target_date=when, version=0, actor=actor
        )

    results = run_together(save(team["lead"], 3), save(team["contributor"], 4))

    conflicts = [r for r in results if isinstance(r, PlanConflict)]
    saved = [r for r in results if isinstance(r, PlanTarget)]
    assert len(conflicts) == 1 and len(saved) == 1, results
    assert PlanTarget.objects.get().target_level == saved[0].target_level
    assert ImprovementPlan.objects.get().version == 1
