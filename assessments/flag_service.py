"""Validation flags: the pure rules of assessments/flags.py applied to stored answers and scores.

* `assessment_flags_refresh` recomputes and stores the flags of a submitted assessment. The
  scoring task calls it right after scoring, because two of the rules compare scores.
* `draft_flags` computes (without storing) the flags that depend only on the answers, so the
  organisation sees them on the check-your-answers page before it submits.
* `flag_resolve` records a reviewer's resolution, with an audit event.

Peers are re-checked lazily: scoring one organisation changes its peers' medians, but only the
assessment just scored is refreshed (an ICB's score does not enter any peer group, and a trust's
score is not re-fed to its ICB). The others' peer and ICB flags catch up the next time they are
scored or refreshed; re-checking every peer on each submission would make the last submitters
pay for everyone, and flags are prompts to look, not results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from assessments import flags
from assessments.access import AssessmentAction
from assessments.audit import record
from assessments.cycles import carried_forward_notes
from assessments.models import Assessment, AuditEvent, DomainResponse, MeasureScore, ValidationFlag
from organisations.access import may
from organisations.models import CareSetting, Organisation
from wgll.framework.models import Domain, Measure


class NotFlaggable(Exception):
    """The assessment is not (or no longer) submitted: its stored flags are left as they are."""


def _carried_notes(response: DomainResponse, sources: list[DomainResponse]) -> str:
    """The notes the cycle's opening carried into this answer, built by the very rule that did it
    (cycles.carried_forward_notes), so "unchanged from last year" means exactly that."""
    return carried_forward_notes(response.domain, sources) if sources else ""


def _domain_answers(assessment: Assessment) -> tuple[list[flags.DomainAnswer], dict[str, Domain]]:
    """Each domain's answer beside last year's answers to it (joined on domain keys): two queries."""
    responses = list(
        DomainResponse.objects.filter(assessment=assessment)
        .select_related("domain__measure")
        .annotate(evidence_count=Count("evidence"))
        .order_by("domain__measure__position", "domain__position")
    )
    previous_by_key: dict[str, DomainResponse] = {}
    if assessment.previous_id:
        previous_by_key = {
            r.domain.key: r
            for r in DomainResponse.objects.filter(assessment_id=assessment.previous_id).select_related("domain")
        }
    answers = []
    for response in responses:
        sources = [previous_by_key[key] for key in response.domain.predecessor_keys if key in previous_by_key]
        answers.append(
            flags.DomainAnswer(
                domain_key=response.domain.key,
                domain_name=response.domain.name,
                level=response.level,
                notes=response.notes,
                evidence_count=response.evidence_count,
                previous_levels=tuple(source.level for source in sources),
                carried_notes=_carried_notes(response, sources),
            )
        )
    return answers, {response.domain.key: response.domain for response in responses}


def draft_flags(assessment: Assessment) -> list[flags.Flag]:
    """The answer-based flags of an assessment as it stands (computed, not stored)."""
    answers, _ = _domain_answers(assessment)
    return flags.answer_flags(answers)


def _scored_in_cycle(cycle_id: int) -> Q:
    """Measure scores of submitted (or later) assessments in the cycle whose score describes
    their latest submission."""
    return Q(
        score__assessment__cycle_id=cycle_id,
        score__assessment__status__in=Assessment.SUBMITTED_OR_LATER,
        score__answers_submitted_at__gte=F("score__assessment__submitted_at"),
    )


def _by_measure(rows: Iterable[tuple[str, Decimal]]) -> dict[str, list[Decimal]]:
    grouped: dict[str, list[Decimal]] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped


def _score_flags(assessment: Assessment) -> list[flags.Flag]:
    """Peer-outlier flags for a trust, member-consistency flags for an ICB; none until the
    assessment has a current score."""
    own = list(
        MeasureScore.objects.filter(_scored_in_cycle(assessment.cycle_id), score__assessment=assessment).values_list(
            "measure_key", "measure_name", "value"
        )
    )
    if not own:
        return []
    scores = [flags.MeasureValue(key, name, value) for key, name, value in own]
    organisation = assessment.organisation
    others = MeasureScore.objects.filter(_scored_in_cycle(assessment.cycle_id)).exclude(score__assessment=assessment)
    if organisation.kind == Organisation.Kind.ICB:
        members = others.filter(
            score__assessment__organisation__ics_id=organisation.ics_id,
            score__assessment__organisation__kind=Organisation.Kind.TRUST,
        )
        return flags.icb_inconsistent_with_members(scores, _by_measure(members.values_list("measure_key", "value")))
    setting = organisation.main_care_setting
    if not setting:
        return []
    peers = others.filter(
        score__assessment__organisation__kind=Organisation.Kind.TRUST,
        score__assessment__organisation__care_settings__0=setting,
    )
    label = CareSetting(setting).label.lower() if setting in CareSetting.values else setting
    return flags.peer_outliers(scores, _by_measure(peers.values_list("measure_key", "value")), f"other {label} trusts")


@transaction.atomic
def assessment_flags_refresh(*, assessment_id: int) -> list[ValidationFlag]:
    """Recompute and store the flags of a submitted assessment, in one transaction.

    Idempotent. A flag still raised is kept and its explanation brought up to date; if it was
    resolved, its resolution stays (the reviewer has already answered that question). A flag no
    longer raised is deleted, resolved or not. New flags are added unresolved.
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",)).select_related("cycle", "organisation").get(pk=assessment_id)
    )
    if assessment.status not in Assessment.SUBMITTED_OR_LATER:
        raise NotFlaggable(f"Assessment {assessment_id} is {assessment.status}, not submitted.")
    answers, domains = _domain_answers(assessment)
    raised = [*flags.answer_flags(answers), *_score_flags(assessment)]
    existing = {
        (stored.kind, stored.domain.key if stored.domain_id else "", stored.measure_key): stored
        for stored in ValidationFlag.objects.filter(assessment=assessment).select_related("domain")
    }
    now = timezone.now()
    kept: list[ValidationFlag] = []
    for flag in raised:
        stored = existing.pop((flag.kind, flag.domain_key, flag.measure_key), None)
        if stored is None:
            stored = ValidationFlag.objects.create(
                assessment=assessment,
                kind=flag.kind,
                domain=domains[flag.domain_key] if flag.domain_key else None,
                measure_key=flag.measure_key,
                explanation=flag.explanation,
                computed_at=now,
            )
        else:
            stored.explanation = flag.explanation
            stored.computed_at = now
            stored.save(update_fields=["explanation", "computed_at"])
        kept.append(stored)
    ValidationFlag.objects.filter(pk__in=[stale.pk for stale in existing.values()]).delete()
    return kept


def _measure_names(framework_id: int) -> dict[str, tuple[int, str]]:
    return {
        key: (position, name)
        for key, name, position in Measure.objects.filter(framework_id=framework_id).values_list(
            "key", "name", "position"
        )
    }


def flag_subject(flag: ValidationFlag, measures: dict[str, tuple[int, str]]) -> str:
    """What the flag is about, in words: the domain's or the measure's name."""
    if flag.domain_id:
        return flag.domain.name
    return measures.get(flag.measure_key, (0, flag.measure_key))[1]


def with_subject(flag: ValidationFlag) -> ValidationFlag:
    """The flag with `subject` set (one query for a measure flag)."""
    flag.subject = flag_subject(flag, {} if flag.domain_id else _measure_names(flag.assessment.cycle.framework_id))
    return flag


def assessment_flags(assessment: Assessment) -> list[ValidationFlag]:
    """The stored flags of an assessment in framework order (two queries), each with `subject`
    set to the name of the domain or measure it is about."""
    measures = _measure_names(assessment.cycle.framework_id)
    stored = list(ValidationFlag.objects.filter(assessment=assessment).select_related("domain__measure", "resolved_by"))
    for flag in stored:
        flag.subject = flag_subject(flag, measures)

    def order(flag: ValidationFlag) -> tuple:
        if flag.domain_id:
            return (flag.domain.measure.position, 0, flag.domain.position, flag.kind)
        return (measures.get(flag.measure_key, (99, ""))[0], 1, 0, flag.kind)

    return sorted(stored, key=order)


@transaction.atomic
def flag_resolve(*, flag_id: int, actor: Any, comment: str) -> ValidationFlag:
    """A reviewer records why a flag needs no (further) action; written to the audit trail."""
    flag = (
        ValidationFlag.objects.select_for_update(of=("self",))
        .select_related("assessment__organisation", "assessment__cycle", "domain")
        .get(pk=flag_id)
    )
    if not may(actor, AssessmentAction.RESOLVE_FLAG, flag.assessment):
        raise PermissionDenied("You cannot resolve this flag.")
    if not comment.strip():
        raise ValidationError({"comment": "Enter why this flag is resolved"})
    if flag.is_resolved:
        raise ValidationError("This flag has already been resolved.")
    flag.resolved_by = actor
    flag.resolved_at = timezone.now()
    flag.resolution_comment = comment.strip()
    flag.save(update_fields=["resolved_by", "resolved_at", "resolution_comment"])
    subject = flag_subject(flag, _measure_names(flag.assessment.cycle.framework_id))
    record(
        assessment=flag.assessment,
        actor=actor,
        kind=AuditEvent.Kind.FLAG_RESOLVED,
        summary=f"Validation flag resolved: {flag.get_kind_display()} ({subject})",
        domain=flag.domain,
        before={"resolved": False},
        after={"resolved": True, "kind": flag.kind, "measure_key": flag.measure_key, "explanation": flag.explanation},
        comment=flag.resolution_comment,
    )
    return flag
