"""One organisation's year in the demo: what it does (its plan), answered and moved on through
the real services, as its lead, approver and reviewer (its ICS's, or national for an ICB) would."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from assessments.models import Assessment, Cycle, DomainResponse, Evidence
from assessments.services.evidence import evidence_add_link
from assessments.services.responses import Answer, response_save, responses_confirm_carried_forward
from assessments.services.workflow import (
    assessment_mark_ready,
    assessment_return,
    assessment_sign_off_and_submit,
    assessment_validate,
)
from demo.anomalies import Anomalies
from demo.model import Profile, demo_note, rng_for, target_level, ticks_for
from demo.people import Actors
from framework.models import Domain
from framework.selectors import CriteriaMap
from organisations.models import Organisation


@dataclass
class Plan:
    """What one organisation does in one cycle."""

    status: str
    share_answered: float = 1.0


def latest_plan(organisation: Organisation, anomalies: Anomalies) -> Plan:
    if anomalies.kind(organisation.ods_code):
        return Plan(Assessment.Status.SUBMITTED)
    draw = rng_for("status", organisation.ods_code).random()
    if draw < 0.07:
        return Plan(Assessment.Status.DRAFT, share_answered=0.3 + draw * 7)
    if draw < 0.13:
        return Plan(Assessment.Status.READY)
    if draw < 0.145:
        return Plan(Assessment.Status.RETURNED)
    if draw < 0.45:
        return Plan(Assessment.Status.SUBMITTED)
    return Plan(Assessment.Status.VALIDATED)


def board_meeting_date(latest: bool, real_closes_on: datetime.date, rng: random.Random) -> datetime.date:
    """A past cycle's boards met in the weeks before its submissions (see _backdate); this
    year's in the last few weeks."""
    if latest:
        return timezone.localdate() - datetime.timedelta(days=rng.randint(1, 20))
    return real_closes_on - datetime.timedelta(days=rng.randint(8, 40))


def _planned_levels(responses: list[DomainResponse], profile: Profile, code: str, year: int) -> dict[str, int]:
    """Each domain's level this year from the maturity model."""
    planned = {}
    for response in responses:
        domain = response.domain
        latent_key = domain.replaces[0] if domain.replaces else domain.key
        planned[domain.key] = target_level(profile, code, latent_key, domain.measure.key, year)
    return planned


def _ahead_of_foundations(domain: Domain, planned: dict[str, int]) -> bool:
    """Two or more levels above a domain it builds on: an honest lead says how in the notes."""
    return any(planned[domain.key] - planned[key] >= 2 for key in domain.depends_on if key in planned)


def _notes_of_another(response: DomainResponse) -> str:
    """Another organisation's notes to the same domain this cycle (one already answered), for a
    demo copier to take word for word."""
    return (
        DomainResponse.objects.filter(
            assessment__cycle_id=response.assessment.cycle_id, domain_id=response.domain_id, notes__regex=r"\d"
        )
        .exclude(assessment_id=response.assessment_id)
        .exclude(notes=F("carried_forward_from__notes"))
        .order_by("updated_at")
        .values_list("notes", flat=True)
        .first()
        or ""
    )


def seed_organisation(
    *,
    cycle: Cycle,
    year: int,
    latest: bool,
    organisation: Organisation,
    criteria: dict[int, CriteriaMap],
    actors: Actors,
    anomalies: Anomalies,
    profile: Profile,
    real_closes_on: datetime.date,
) -> Callable[[], object] | None:
    """One organisation's assessment for one cycle, answered and moved on through the services.

    Returns the ICS review still to do, run by the caller after this transaction has committed
    (and the submission been scored), as a reviewer would later."""

    lead, approver = actors.leads[organisation.pk], actors.approvers[organisation.pk]
    # An ICB's own system assessment is reviewed nationally: the ICS's reviewers are its staff.
    reviewer = actors.analyst if organisation.kind == Organisation.Kind.ICB else actors.reviewers[organisation.ics_id]
    code = organisation.ods_code
    rng = rng_for("answers", code, cycle.name)
    plan = latest_plan(organisation, anomalies) if latest else Plan(Assessment.Status.VALIDATED)
    anomaly = anomalies.kind(code) if latest else ""
    # Most organisations attach evidence to every claim of level 3 or above; a few are patchy.
    evidence_rate = 0.0 if code in anomalies.no_evidence else (0.75 if rng_for("patchy", code).random() < 0.06 else 1.0)
    assessment = Assessment.objects.select_related("cycle", "organisation").get(cycle=cycle, organisation=organisation)
    responses = list(
        assessment.responses.select_related("domain__measure", "carried_forward_from").order_by(
            "domain__measure__position", "domain__position"
        )
    )
    with_evidence = set(Evidence.objects.filter(response__assessment=assessment).values_list("response_id", flat=True))
    jump_domains = (
        set(rng.sample(range(len(responses)), min(len(responses), rng.randint(4, 6))))
        if anomaly in {"jumpers", "no_evidence", "copiers"}
        else set(rng.sample(range(len(responses)), min(len(responses), 6)))
        if anomaly == "token_reusers"
        else set()
    )

    planned = _planned_levels(responses, profile, code, year)
    for index, response in enumerate(responses):
        domain = response.domain
        levels = criteria[domain.pk]
        if plan.status == Assessment.Status.DRAFT and rng.random() > plan.share_answered:
            continue  # a draft still has answers to review
        carried = response.status == DomainResponse.Status.CARRIED_FORWARD
        # Last year's level of the domain this one continues (for a split domain, the whole).
        before = response.carried_forward_from.level if carried and response.carried_forward_from else None
        level = planned[domain.key]
        note = demo_note(domain.name, level, cycle.name, rng_for("notes", code, cycle.name, domain.key))
        notes = note if rng.random() > 0.12 or _ahead_of_foundations(domain, planned) else ""
        if anomaly == "jumpers" and index in jump_domains and before is not None:
            level, notes = min(5, before + 2), response.notes  # the notes say nothing of the jump
        elif anomaly == "no_evidence" and index in jump_domains:
            level = 4
        elif anomaly == "inflators" and domain.measure.key == "empower_citizens":
            level = 5
        elif anomaly == "deflators" and domain.measure.key == "smart_foundations":
            level = rng.randint(0, 1)
        elif anomaly == "copiers" and index in jump_domains and (copied := _notes_of_another(response)):
            level, notes = min(5, (before or level) + 1), copied
        elif anomaly == "token_reusers" and index in jump_domains:
            level = 4
        elif before is not None:
            if level == response.level == before:
                continue  # last year's answer still holds: confirmed below with the others
            if level > before:
                notes = f"Up from level {before} last year. {note}"
            elif level < before:
                notes = f"Down from level {before} last year after reassessment against this year's criteria. {note}"
            else:
                notes = f"Still level {before}, reviewed against this year's criteria. {note}"
        complete = plan.status != Assessment.Status.DRAFT or rng.random() < 0.7
        response = response_save(
            response_id=response.pk,
            expected_version=response.version,
            answer=Answer(met_criteria=ticks_for(levels, level, rng), notes=notes, complete=complete),
            actor=lead,
        )
        if anomaly == "token_reusers" and index in jump_domains:
            evidence_add_link(
                response_id=response.pk, url=f"https://www.{code.lower()}.nhs.uk/", title="Digital update", actor=lead
            )
        elif response.level >= 3 and response.pk not in with_evidence and rng.random() < evidence_rate:
            evidence_add_link(
                response_id=response.pk,
                url=f"https://evidence.example.org/{code.lower()}/{cycle.slug}/{domain.key}",
                title=(domain.evidence_expected or [f"{domain.name} evidence"])[0][:200],
                actor=lead,
            )
    if plan.status == Assessment.Status.DRAFT:
        # Every draft has been started: at least last year's Well led answers are confirmed.
        responses_confirm_carried_forward(assessment=assessment, actor=lead, measure_key="well_led")
        return None
    responses_confirm_carried_forward(assessment=assessment, actor=lead)
    assessment_mark_ready(assessment=assessment, actor=lead)
    if plan.status == Assessment.Status.READY:
        return None
    assessment_sign_off_and_submit(
        assessment=assessment,
        actor=approver,
        name=approver.get_full_name() or approver.email,
        role=approver.job_title or "Chief Executive",
        meeting_date=board_meeting_date(latest, real_closes_on, rng),
        minute_reference=f"TB/{cycle.name[2:4]}/{rng.randint(20, 140):03d}",
    )
    if plan.status == Assessment.Status.RETURNED:
        return lambda: assessment_return(
            assessment=assessment,
            actor=reviewer,
            comment="Please add evidence for the level 3 claims in Safe practice "
            "and explain the rise in Smart foundations.",
        )
    if plan.status == Assessment.Status.VALIDATED:
        view = (
            "its member trusts' assessments"
            if organisation.kind == Organisation.Kind.ICB
            else "the ICS digital board's view"
        )
        return lambda: assessment_validate(assessment=assessment, actor=reviewer, comment=f"Consistent with {view}.")
    return None
