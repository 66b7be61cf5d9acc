"""Opening a cycle: one assessment per in-scope organisation, pre-filled from last year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, AuditEvent, Cycle, DomainResponse, Evidence
from assessments.rules import scoring
from assessments.rules.carry_forward import carried_met_criteria, carried_notes
from assessments.selectors import previous_cycle
from assessments.services.audit import record
from assessments.services.plans import plans_carry_forward
from framework.models import Domain
from framework.selectors import CriteriaMap, Crosswalk, framework_criteria, framework_crosswalks
from framework.services import framework_version_mark_in_use
from organisations.models import Organisation


@dataclass(frozen=True)
class OpenSummary:
    created: int
    already_open: int
    prefilled: int


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor: Any = None) -> OpenSummary:
    """Create every in-scope organisation's assessment; running it again creates nothing new.

    Trusts answer the domains of their care settings, ICBs the system-level domains. Answers,
    notes and evidence are carried forward from the organisation's previous assessment through
    the domain keys (including renamed, split and merged domains), marked for review.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    framework_version_mark_in_use(version=cycle.framework)
    domains = list(Domain.objects.filter(framework=cycle.framework))
    criteria = framework_criteria(cycle.framework_id)
    crosswalks = framework_crosswalks(cycle.framework_id)
    existing = set(Assessment.objects.filter(cycle=cycle).values_list("organisation_id", flat=True))
    earlier = previous_cycle(cycle)
    previous_by_org: dict[int, Assessment] = {}
    previous_responses: dict[int, dict[str, DomainResponse]] = defaultdict(dict)
    if earlier:
        previous_by_org = {a.organisation_id: a for a in Assessment.objects.filter(cycle=earlier)}
        for response in DomainResponse.objects.filter(assessment__cycle=earlier).select_related("domain"):
            previous_responses[response.assessment_id][response.domain.key] = response
    previous_evidence: dict[int, list[Evidence]] = defaultdict(list)
    if earlier:
        for item in Evidence.objects.filter(response__assessment__cycle=earlier):
            previous_evidence[item.response_id].append(item)

    created = prefilled = 0
    opened: list[Assessment] = []
    for organisation in Organisation.objects.exclude(pk__in=existing).order_by("ods_code"):
        is_icb = organisation.kind == Organisation.Kind.ICB
        applicable = [d for d in domains if d.applies_to(organisation.care_settings, is_icb=is_icb)]
        if not applicable:
            continue
        previous = previous_by_org.get(organisation.pk)
        assessment = Assessment.objects.create(cycle=cycle, organisation=organisation, previous=previous)
        last_year = previous_responses.get(previous.pk, {}) if previous else {}
        responses, carried_evidence = [], []
        for domain in applicable:
            sources = domain.predecessors_in(last_year)
            response = DomainResponse(assessment=assessment, domain=domain)
            if sources:
                _carry_forward(response, sources, criteria.get(domain.pk, {}), crosswalks.get(domain.pk, {}))
                # Evidence carries only from the domains the crosswalk says it applies to (a split
                # domain's evidence is not copied onto both halves); the lead can remove any of it.
                carried_evidence.append(
                    (
                        response,
                        [
                            e
                            for s in sources
                            if domain.carries_evidence_from(s.domain.key)
                            for e in previous_evidence[s.pk]
                        ],
                    )
                )
                prefilled += 1
            responses.append(response)
        DomainResponse.objects.bulk_create(responses)
        Evidence.objects.bulk_create(
            Evidence(
                response=response, kind=item.kind, title=item.title, file=item.file.name, url=item.url,
                content_type=item.content_type, size=item.size, digest=item.digest, carried_forward=True,
                added_by=item.added_by,
            )
            for response, items in carried_evidence
            for item in items
        )  # fmt: skip
        record(
            assessment=assessment,
            actor=actor,
            kind=AuditEvent.Kind.CYCLE_OPENED,
            summary=f"{cycle.name} assessment opened with {len(responses)} domains"
            + (f", answers carried forward from {previous.cycle.name}" if previous else ""),
        )
        created += 1
        opened.append(assessment)
    if earlier:
        # After the answers: a plan's targets are measured against the carried-forward levels.
        plans_carry_forward(assessments=opened, criteria=criteria, from_cycle=earlier.name, actor=actor)
    cycle.opened_at = cycle.opened_at or timezone.now()
    cycle.save(update_fields=["opened_at"])
    return OpenSummary(created=created, already_open=len(existing), prefilled=prefilled)


def _carry_forward(
    response: DomainResponse, sources: list[DomainResponse], criteria: CriteriaMap, crosswalk: Crosswalk
) -> None:
    """Last year's answers into this year's domain, by the carry-forward rules, marked for review."""
    response.met_criteria = carried_met_criteria(criteria, sources, crosswalk)
    response.level = scoring.domain_level(criteria, response.met_criteria)
    response.notes = carried_notes(response.domain.key, sources)
    response.status = DomainResponse.Status.CARRIED_FORWARD
    response.carried_forward_from = sources[0]
