"""Reads of assessments, always starting from what the user may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from assessments.models import Assessment, AssessmentScore, AuditEvent, DomainResponse, Evidence
from organisations.access import visible_organisations_q
from organisations.models import Organisation, Role, RoleAssignment, User
from wgll.framework.models import Criterion, Level, Measure


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(visible_organisations_q(user, prefix="organisation__")).select_related(
        "cycle__framework", "organisation__ics__region"
    )


def responses_visible_to(user: Any) -> QuerySet[DomainResponse]:
    return DomainResponse.objects.filter(
        visible_organisations_q(user, prefix="assessment__organisation__")
    ).select_related("assessment__cycle", "assessment__organisation", "domain__measure", "assignee")


def evidence_visible_to(user: Any) -> QuerySet[Evidence]:
    return Evidence.objects.filter(visible_organisations_q(user, prefix="response__assessment__organisation__"))


@dataclass
class MeasureSection:
    measure: Measure
    responses: list[DomainResponse] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(response.is_complete for response in self.responses)


def assessment_task_list(assessment: Assessment) -> list[MeasureSection]:
    """The measures of the assessment, in framework order, each with its applicable domains."""
    sections: dict[int, MeasureSection] = {}
    responses = assessment.responses.select_related("domain__measure", "assignee", "updated_by").order_by(
        "domain__measure__position", "domain__position"
    )
    for response in responses:
        measure = response.domain.measure
        sections.setdefault(measure.pk, MeasureSection(measure)).responses.append(response)
    return list(sections.values())


def assessment_progress(assessment: Assessment) -> dict[str, int]:
    counts = Counter(assessment.responses.values_list("status", flat=True))
    total = sum(counts.values())
    return {
        "total": total,
        "completed": counts[DomainResponse.Status.COMPLETED],
        "in_progress": counts[DomainResponse.Status.IN_PROGRESS],
        "not_started": counts[DomainResponse.Status.NOT_STARTED],
        "carried_forward": counts[DomainResponse.Status.CARRIED_FORWARD],
        "percent": round(100 * counts[DomainResponse.Status.COMPLETED] / total) if total else 0,
    }


def incomplete_responses(assessment: Assessment) -> list[DomainResponse]:
    return list(
        assessment.responses.exclude(status=DomainResponse.Status.COMPLETED)
        .select_related("domain__measure")
        .order_by("domain__measure__position", "domain__position")
    )


def response_for_page(assessment: Assessment, domain_key: str) -> DomainResponse:
    """One domain's answer with its levels, criteria and evidence (a fixed number of queries)."""
    return (
        assessment.responses.select_related("domain__measure", "assignee", "updated_by", "carried_forward_from__domain")
        .prefetch_related(
            Prefetch(
                "domain__levels",
                queryset=Level.objects.order_by("number").prefetch_related(
                    Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
                ),
            ),
            Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
        )
        .get(domain__key=domain_key)
    )


def criteria_by_level(response: DomainResponse) -> dict[int, list[str]]:
    return {level.number: [c.key for c in level.criteria.all()] for level in response.domain.levels.all()}


def criterion_texts(response: DomainResponse) -> dict[str, str]:
    return {c.key: c.text for level in response.domain.levels.all() for c in level.criteria.all()}


def changes_since(response: DomainResponse, version: int) -> list[AuditEvent]:
    """What others saved on this domain after the version a person started editing from."""
    return list(
        AuditEvent.objects.filter(
            assessment_id=response.assessment_id, domain_id=response.domain_id, response_version__gt=version
        ).select_related("actor")
    )


def assessment_history(assessment: Assessment) -> QuerySet[AuditEvent]:
    return assessment.events.select_related("actor", "domain").order_by("-created_at", "-pk")


def previous_responses(response: DomainResponse) -> list[DomainResponse]:
    """Last year's answers that this domain continues (same key, renamed, split or merged)."""
    previous = response.assessment.previous
    if previous is None:
        return []
    return list(previous.responses.filter(domain__key__in=response.domain.predecessor_keys).select_related("domain"))


@dataclass(frozen=True)
class YearOnYearRow:
    response: DomainResponse
    previous: list[DomainResponse]

    @property
    def previous_level(self) -> int | None:
        return max((p.level for p in self.previous), default=None) if self.previous else None

    @property
    def change(self) -> int | None:
        return None if self.previous_level is None else self.response.level - self.previous_level


def year_on_year(assessment: Assessment) -> list[YearOnYearRow]:
    """Every domain beside last year's answer to it, joined on domain keys (two queries)."""
    responses = list(
        assessment.responses.select_related("domain__measure").order_by("domain__measure__position", "domain__position")
    )
    previous_by_key: dict[str, DomainResponse] = {}
    if assessment.previous_id:
        previous_by_key = {r.domain.key: r for r in assessment.previous.responses.select_related("domain")}
    return [
        YearOnYearRow(r, [previous_by_key[k] for k in r.domain.predecessor_keys if k in previous_by_key])
        for r in responses
    ]


def people_with_role(organisation: Organisation, *roles: str) -> list[User]:
    return [
        a.user for a in RoleAssignment.objects.filter(organisation=organisation, role__in=roles).select_related("user")
    ]


def ics_reviewers(organisation: Organisation) -> list[User]:
    return [
        a.user
        for a in RoleAssignment.objects.filter(ics_id=organisation.ics_id, role=Role.ICS_REVIEWER).select_related(
            "user"
        )
    ]


def assignable_people(assessment: Assessment) -> list[User]:
    """Contributors and leads of the organisation: the people work can be delegated to."""
    people = {p.pk: p for p in people_with_role(assessment.organisation, Role.CONTRIBUTOR, Role.ASSESSMENT_LEAD)}
    return sorted(people.values(), key=lambda p: (p.get_full_name() or p.email).lower())


def assessment_current_score(assessment: Assessment):
    """The stored scores if they describe the latest submission, else None (scoring pending)."""
    score = AssessmentScore.objects.filter(assessment=assessment).prefetch_related("measures").first()
    if score is None or assessment.submitted_at is None or score.answers_submitted_at < assessment.submitted_at:
        return None
    return score
