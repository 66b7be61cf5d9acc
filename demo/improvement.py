"""Demo improvement plans: for a sample of trusts with submitted results in the live cycle, a plan
on their weakest domains with actions owned by their lead and approver, made through the plan
services; about two in three signed off by the approver, the rest left as drafts.

The Royal Free (DEMO_TRUST) gets none: its live assessment is the demo lead's draft, and the
browser journey makes its plan from nothing."""

from __future__ import annotations

import datetime

from assessments.models import Assessment, DomainResponse, ImprovementPlan
from assessments.services.plans import plan_action_save, plan_sign_off, plan_target_save
from demo.model import rank, rng_for
from demo.people import DEMO_TRUST, Actors
from organisations.models import Organisation

PLANS = 60  # enough signed-off plans that the national target counts show most domains
ACTIONS = [
    "Agree the business case with the board",
    "Appoint a clinical lead for the work",
    "Run a discovery with ward and clinic staff",
    "Go live in a first pilot area",
    "Train staff and measure adoption",
    "Procure a supplier through the national framework",
    "Close the gaps the internal audit found",
    "Report progress to the digital committee",
]


def demo_plans_seed(*, cycle_name: str, organisations: list[Organisation], actors: Actors) -> int:
    """Plans for up to PLANS of `organisations` (a stable sample); those with a plan already are
    skipped, so running it again adds nothing. How many plans it made."""
    candidates = [
        a
        for a in Assessment.objects.filter(
            cycle__name=cycle_name,
            organisation__in=[o for o in organisations if o.ods_code != DEMO_TRUST],
            organisation__kind=Organisation.Kind.TRUST,
            status__in=Assessment.SUBMITTED_OR_LATER,
            plan__isnull=True,
        ).select_related("organisation", "cycle")
        if a.organisation_id in actors.leads and a.organisation_id in actors.approvers
    ]
    sample = sorted(candidates, key=lambda a: rank(f"plan:{a.organisation.ods_code}"))[:PLANS]
    for assessment in sample:
        _plan(assessment, actors)
    return len(sample)


def _plan(assessment: Assessment, actors: Actors) -> None:
    code = assessment.organisation.ods_code
    rng = rng_for("improvement-plan", code)
    lead = actors.leads[assessment.organisation_id]
    approver = actors.approvers[assessment.organisation_id]
    weakest = sorted(
        DomainResponse.objects.filter(assessment=assessment, level__lt=5).select_related("domain"),
        key=lambda r: (r.level, rank(f"{code}:{r.domain.key}")),
    )[: rng.choice((2, 3))]
    by = datetime.date(assessment.cycle.closes_on.year + 1, 3, 31)
    for response in weakest:
        target = plan_target_save(
            assessment=assessment,
            domain_key=response.domain.key,
            target_level=min(5, response.level + rng.choice((1, 1, 2))),
            target_date=by,
            version=None,
            actor=lead,
        )
        for number, description in enumerate(rng.sample(ACTIONS, 2)):
            plan_action_save(
                target=target,
                description=description,
                owner=(lead, approver)[number % 2],
                due_date=by - datetime.timedelta(days=rng.choice((60, 120, 180))),
                status=rng.choice(("not_started", "in_progress", "in_progress", "done")),
                version=None,
                actor=lead,
            )
    if weakest and rng.random() < 0.67:
        plan_sign_off(plan=ImprovementPlan.objects.get(assessment=assessment), version=None, actor=approver)
