"""Reads of improvement plans (kept beside assessments/selectors.py, which they build on): the
plan page, the domain page's one line, and the summaries the board report, the ICS pages and the
national counts read. Each reads a fixed number of queries however many targets and actions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from assessments.access import visible_plans_q
from assessments.models import Assessment, DomainResponse, DomainScore, ImprovementPlan, PlanAction, PlanTarget
from assessments.rules.plans import OUTCOME_LABELS, Outcome, target_outcome
from assessments.selectors import current_score_q
from framework.selectors import domain_outline
from organisations.prepared import PreparedQuery


def assessments_with_visible_plans(user: Any) -> QuerySet[Assessment]:
    """The assessments whose plans the user may see (PLAN_VIEW as a filter): another
    organisation's plan is a plain 404 unless the user is its ICS or national staff."""
    return Assessment.objects.filter(visible_plans_q(user)).select_related(
        "cycle__framework", "organisation__ics", "previous__cycle"
    )


def plan_of(assessment: Assessment) -> ImprovementPlan:
    """The assessment's plan, or an unsaved empty one when no target has been added yet."""
    plan = ImprovementPlan.objects.filter(assessment=assessment).select_related("signed_off_by").first()
    plan = plan or ImprovementPlan(assessment=assessment)
    plan.assessment = assessment
    return plan


def plan_target(plan: ImprovementPlan, domain_key: str) -> PlanTarget | None:
    if plan.pk is None:
        return None
    return PlanTarget.objects.select_related("domain").filter(plan=plan, domain_key=domain_key).first()


def plan_action(target: PlanTarget, action_id: int) -> PlanAction | None:
    return PlanAction.objects.select_related("owner").filter(pk=action_id, target=target).first()


def scored_levels(assessment_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each assessment's current domain levels by domain key (none until it is scored)."""
    levels: dict[int, dict[str, int]] = {}
    rows = DomainScore.objects.filter(current_score_q("score__"), score__assessment_id__in=list(assessment_ids))
    for assessment_id, key, level in rows.values_list("score__assessment_id", "domain_key", "level"):
        levels.setdefault(assessment_id, {})[key] = level
    return levels


@dataclass
class TargetRow:
    target: PlanTarget
    criteria: list[tuple[str, str]]  # (key, text) of the unmet criteria
    actions: list[PlanAction]
    done: int = 0


@dataclass
class MeasureTargets:
    name: str
    rows: list[TargetRow] = field(default_factory=list)


@dataclass(frozen=True)
class EarlierTarget:
    domain_name: str
    target_level: int
    target_date: Any
    later_level: int | None
    outcome: Outcome

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


def plan_targets(plan: ImprovementPlan) -> list[PlanTarget]:
    if plan.pk is None:
        return []
    actions = PlanAction.objects.select_related("owner").order_by("due_date", "pk")
    return list(
        PlanTarget.objects.filter(plan=plan)
        .select_related("domain__measure", "domain__framework")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )


def plan_by_measure(plan: ImprovementPlan, targets: list[PlanTarget] | None = None) -> list[MeasureTargets]:
    """The plan's targets grouped by measure in framework order, each with its unmet criteria's
    texts (from the version's kept outline: no query) and its actions with their owners."""
    groups: dict[str, MeasureTargets] = {}
    for target in plan_targets(plan) if targets is None else targets:
        outline = domain_outline(target.domain, target.domain.framework)
        texts = {c.key: c.text for level in outline for c in level.criteria}
        actions = list(target.actions.all())
        row = TargetRow(
            target=target,
            criteria=[(key, texts.get(key, key)) for key in target.criteria],
            actions=actions,
            done=sum(1 for a in actions if a.status == PlanAction.Status.DONE),
        )
        groups.setdefault(target.domain.measure.key, MeasureTargets(target.domain.measure.name)).rows.append(row)
    return list(groups.values())


def earlier_targets(assessment: Assessment) -> list[EarlierTarget]:
    """Last cycle's plan targets, each judged against this cycle's result for the same domain key
    (awaiting until this assessment is scored)."""
    if not assessment.previous_id:
        return []
    targets = list(
        PlanTarget.objects.filter(plan__assessment_id=assessment.previous_id).select_related("domain__measure")
    )
    if not targets:
        return []
    levels = scored_levels([assessment.pk]).get(assessment.pk)
    return [
        EarlierTarget(
            domain_name=t.domain.name,
            target_level=t.target_level,
            target_date=t.target_date,
            later_level=None if levels is None else levels.get(t.domain_key),
            outcome=target_outcome(
                t.target_level, None if levels is None else levels.get(t.domain_key), scored=levels is not None
            ),
        )
        for t in targets
    ]


def _plan_with_target_query(assessment_id: int, domain_id: int) -> QuerySet[ImprovementPlan]:
    targets = PlanTarget.objects.filter(plan=OuterRef("pk"), domain_id=domain_id)
    return ImprovementPlan.objects.filter(assessment_id=assessment_id).annotate(
        target_level=Subquery(targets.values("target_level")[:1]),
        target_date=Subquery(targets.values("target_date")[:1]),
    )


_plan_with_target = PreparedQuery(_plan_with_target_query)


def plan_for_domain(response: DomainResponse) -> tuple[ImprovementPlan, PlanTarget | None]:
    """The plan (unsaved when there is none) and its target for the domain, for the domain page's
    one line ("In your plan: level 4 by March 2027"), in one query."""
    plan = _plan_with_target.one_or_none(response.assessment_id, response.domain_id)
    if plan is None:
        return ImprovementPlan(assessment=response.assessment), None
    plan.assessment = response.assessment
    if plan.target_level is None:
        return plan, None
    target = PlanTarget(
        plan=plan,
        domain_id=response.domain_id,
        domain_key=response.domain.key,
        target_level=plan.target_level,
        target_date=plan.target_date,
    )
    return plan, target


@dataclass(frozen=True)
class PlanSummary:
    """One organisation's plan as a list row: its status and how many targets and actions."""

    assessment_id: int
    status: str
    targets: int
    actions: int
    actions_done: int

    @property
    def status_label(self) -> str:
        return ImprovementPlan.Status(self.status).label


def plan_summaries(assessment_ids: Iterable[int]) -> dict[int, PlanSummary]:
    """Plan status and counts for many assessments in one query (those without a plan absent)."""
    rows = (
        ImprovementPlan.objects.filter(assessment_id__in=list(assessment_ids))
        .annotate(
            target_count=Count("targets", distinct=True),
            action_count=Count("targets__actions", distinct=True),
            done_count=Count("targets__actions", filter=Q(targets__actions__status="done"), distinct=True),
        )
        .values_list("assessment_id", "status", "target_count", "action_count", "done_count")
    )
    return {row[0]: PlanSummary(*row) for row in rows}


@dataclass(frozen=True)
class ReportTarget:
    """A target as the board report and the ICS pack print it."""

    measure: str
    domain: str
    current_level: int | None
    target_level: int
    target_date: Any
    actions: int
    actions_done: int
    outcome: Outcome

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def fingerprint(self) -> str:
        return (
            ":".join(
                str(part)
                for part in (self.domain, self.current_level, self.target_level, self.target_date, self.actions_done)
            )
            + f"/{self.actions}:{self.outcome}"
        )


def report_targets(assessment_ids: Iterable[int]) -> dict[int, list[ReportTarget]]:
    """Each assessment's plan targets for documents, judged against the next cycle's result where
    there is one (`assessment.previous` pointing back at it). Three queries for any number."""
    ids = list(assessment_ids)
    targets = (
        PlanTarget.objects.filter(plan__assessment_id__in=ids)
        .select_related("domain__measure", "plan")
        .annotate(
            action_count=Count("actions"),
            done_count=Count("actions", filter=Q(actions__status="done")),
        )
        .order_by("plan__assessment_id", "domain__measure__position", "domain__position")
    )
    later = dict(Assessment.objects.filter(previous_id__in=ids).values_list("previous_id", "pk"))
    later_levels = scored_levels(later.values()) if later else {}
    result: dict[int, list[ReportTarget]] = {}
    for t in targets:
        assessment_id = t.plan.assessment_id
        levels = later_levels.get(later.get(assessment_id))
        level = None if levels is None else levels.get(t.domain_key)
        result.setdefault(assessment_id, []).append(
            ReportTarget(
                measure=t.domain.measure.name,
                domain=t.domain.name,
                current_level=t.current_level,
                target_level=t.target_level,
                target_date=t.target_date,
                actions=t.action_count,
                actions_done=t.done_count,
                outcome=target_outcome(t.target_level, level, scored=levels is not None),
            )
        )
    return result


def signed_off_plan_fingerprints(assessment_ids: Iterable[int]) -> dict[int, str]:
    """What each assessment's signed-off plan says, as a canonical text (absent when it has no
    signed-off plan): a part of its board report's fingerprint, so signing a plan off (or
    reopening it) makes the report out of date and the next one shows the agreed plan. One query."""
    rows = (
        PlanTarget.objects.filter(
            plan__assessment_id__in=list(assessment_ids), plan__status=ImprovementPlan.Status.SIGNED_OFF
        )
        .annotate(action_count=Count("actions"), done_count=Count("actions", filter=Q(actions__status="done")))
        .order_by("plan__assessment_id", "domain_key")
        .values_list(
            "plan__assessment_id", "plan__signed_off_at", "domain_key", "current_level", "target_level",
            "target_date", "action_count", "done_count",
        )
    )  # fmt: skip
    parts: dict[int, list[str]] = {}
    for assessment_id, signed_at, *target in rows:
        parts.setdefault(assessment_id, [signed_at.isoformat()]).append(":".join(str(value) for value in target))
    return {assessment_id: "|".join(texts) for assessment_id, texts in parts.items()}
