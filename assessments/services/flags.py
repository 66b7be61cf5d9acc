"""Validation flags: the pure rules (assessments/rules/flags.py and patterns.py) applied to stored
answers and scores, and a reviewer's resolution of a flag.

* `assessment_flags_refresh` stores one submitted assessment's *answer* flags; scoring calls it
  in its own transaction, so the organisation and its reviewer see them with the new score.
* `cycle_flags_refresh` works out every flag of every submitted assessment of a cycle at once,
  pattern flags included, and stores the differences. A worker runs it after scoring (debounced:
  a burst of submissions costs one run) and a beat sweep re-runs it for any cycle with a score
  newer than its last refresh, so the flags never depend on the order in which organisations
  submitted, and re-running over an unchanged cycle changes nothing.
* `flag_rates_refresh` recounts, per ICS and kind, how many organisations are flagged (the
  rows national and ICS pages read); the cycle refresh and every resolution call it.
* `flag_resolve` records a reviewer's resolution, with an audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.flag_inputs import draft_answers, submissions
from assessments.models import Assessment, AuditEvent, Cycle, FlagRate, ValidationFlag
from assessments.rules import flags as flag_rules
from assessments.rules.patterns import cycle_flags
from assessments.selectors import flag_subject, measure_names
from assessments.services.audit import record
from framework.models import Domain
from organisations.access import may


class NotFlaggable(Exception):
    """The assessment is not (or no longer) submitted: its stored flags are left as they are."""


@dataclass(frozen=True)
class FlagChanges:
    """What a refresh did: how many flags it added, updated and removed, over how many assessments."""

    assessments: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0


def _identity(kind: str, domain_key: str, measure_key: str) -> tuple[str, str, str]:
    return (kind, domain_key, measure_key)


def _stored_identity(stored: ValidationFlag) -> tuple[str, str, str]:
    return _identity(stored.kind, stored.domain.key if stored.domain_id else "", stored.measure_key)


@dataclass
class _Writes:
    """The flag writes a refresh has planned, applied together: one insert, one update and one
    delete for the whole cycle, whatever the number of assessments."""

    added: list[ValidationFlag]
    updated: list[ValidationFlag]
    removed: list[int]
    assessments: int = 0

    def apply(self) -> FlagChanges:
        ValidationFlag.objects.bulk_create(self.added, batch_size=500)
        ValidationFlag.objects.bulk_update(
            self.updated, ["explanation", "severity", "to_clear", "details", "computed_at"], batch_size=500
        )
        if self.removed:
            ValidationFlag.objects.filter(pk__in=self.removed).delete()
        return FlagChanges(self.assessments, len(self.added), len(self.updated), len(self.removed))


def _plan(
    writes: _Writes,
    assessment_id: int,
    raised: Sequence[flag_rules.Flag],
    existing: Iterable[ValidationFlag],
    domains: dict[str, Domain],
    now: Any,
) -> None:
    """Plan the writes that make the stored flags of one assessment (those in `existing`) the
    `raised` ones.

    A flag still raised is kept, with its resolution if it has one (the reviewer has already
    answered that question), and its figures brought up to date; one no longer raised is deleted,
    resolved or not; a new one is added unresolved. A flag whose figures did not change is not
    written at all, so an unchanged cycle costs no writes."""
    stored = {_stored_identity(flag): flag for flag in existing}
    for flag in raised:
        current = stored.pop(_identity(flag.kind, flag.domain_key, flag.measure_key), None)
        details = dict(flag.details)
        if current is None:
            writes.added.append(
                ValidationFlag(
                    assessment_id=assessment_id,
                    kind=flag.kind,
                    domain=domains[flag.domain_key] if flag.domain_key else None,
                    measure_key=flag.measure_key,
                    severity=flag.severity,
                    explanation=flag.explanation,
                    to_clear=flag.to_clear,
                    details=details,
                    computed_at=now,
                )
            )
        elif (current.explanation, current.severity, current.to_clear, current.details) != (
            flag.explanation,
            flag.severity,
            flag.to_clear,
            details,
        ):
            current.explanation, current.severity, current.to_clear = flag.explanation, flag.severity, flag.to_clear
            current.details, current.computed_at = details, now
            writes.updated.append(current)
    writes.removed.extend(stale.pk for stale in stored.values())
    writes.assessments += 1


@transaction.atomic
def assessment_flags_refresh(*, assessment_id: int) -> list[ValidationFlag]:
    """Recompute and store the answer flags of a submitted assessment, in one transaction.

    Idempotent; leaves the pattern flags to `cycle_flags_refresh`, which judges them with the
    whole cycle in view."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",)).select_related("cycle", "organisation").get(pk=assessment_id)
    )
    if assessment.status not in Assessment.SUBMITTED_OR_LATER:
        raise NotFlaggable(f"Assessment {assessment_id} is {assessment.status}, not submitted.")
    answers, facts = draft_answers(assessment)
    raised = flag_rules.answer_flags(answers, facts.prerequisites)
    existing = ValidationFlag.objects.filter(assessment=assessment, kind__in=flag_rules.ANSWER_KINDS).select_related(
        "domain"
    )
    writes = _Writes([], [], [])
    _plan(writes, assessment.pk, raised, existing, facts.domains, timezone.now())
    writes.apply()
    return list(ValidationFlag.objects.filter(assessment=assessment))


def _with_latest_score(cycles: Any) -> Any:
    return cycles.annotate(latest_score=Max("assessments__score__scored_at"))


def _due(cycle: Cycle) -> bool:
    latest = cycle.latest_score
    return latest is not None and (cycle.flags_refreshed_at is None or cycle.flags_refreshed_at < latest)


def cycle_flags_due(cycle: Cycle) -> bool:
    """A score newer than the cycle's last flag refresh (or none yet, once anything is scored)."""
    return _due(_with_latest_score(Cycle.objects.filter(pk=cycle.pk)).get())


@transaction.atomic
def cycle_flags_refresh(*, cycle_id: int, only_if_due: bool = False) -> FlagChanges | None:
    """Work out and store every flag of every submitted assessment of the cycle, in one transaction.

    The cycle's row is locked first, so two workers never refresh one cycle at once (the second
    waits, then finds nothing due). With `only_if_due` (the task after scoring) a cycle refreshed
    since its newest score is left alone and None returned: that is how a burst of submissions
    costs one refresh."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    if only_if_due and not cycle_flags_due(cycle):
        return None
    started = timezone.now()
    built, facts = submissions(cycle)
    raised = cycle_flags(built, facts.prerequisites)
    existing: dict[int, list[ValidationFlag]] = {}
    for flag in ValidationFlag.objects.filter(assessment_id__in=[int(s.ref) for s in built]).select_related("domain"):
        existing.setdefault(flag.assessment_id, []).append(flag)
    writes = _Writes([], [], [])
    for submission in built:
        assessment_id = int(submission.ref)
        _plan(writes, assessment_id, raised[submission.ref], existing.get(assessment_id, []), facts.domains, started)
    changes = writes.apply()
    flag_rates_refresh(cycle=cycle, computed_at=started)
    cycle.flags_refreshed_at = started
    cycle.save(update_fields=["flags_refreshed_at"])
    return changes


def flag_rates_refresh(*, cycle: Cycle, ics_ids: Iterable[int] | None = None, computed_at: Any = None) -> None:
    """Recount the cycle's flag rates per ICS and kind (of the ICSs named, or all): two queries
    and one write each way, whatever the number of flags."""
    computed_at = computed_at or timezone.now()
    assessments = Assessment.objects.filter(cycle=cycle, status__in=Assessment.SUBMITTED_OR_LATER)
    if ics_ids is not None:
        ics_ids = list(ics_ids)
        assessments = assessments.filter(organisation__ics_id__in=ics_ids)
    submitted: dict[int, int] = defaultdict(int)
    for ics_id in assessments.values_list("organisation__ics_id", flat=True):
        submitted[ics_id] += 1
    flagged: dict[tuple[int, str], set[int]] = defaultdict(set)
    unresolved: dict[tuple[int, str], set[int]] = defaultdict(set)
    for assessment_id, ics_id, kind, resolved_at in ValidationFlag.objects.filter(
        assessment__in=assessments
    ).values_list("assessment_id", "assessment__organisation__ics_id", "kind", "resolved_at"):
        for key in ((ics_id, kind), (ics_id, "")):
            flagged[key].add(assessment_id)
            if resolved_at is None:
                unresolved[key].add(assessment_id)
    rows = [
        FlagRate(
            cycle=cycle,
            ics_id=ics_id,
            kind=kind,
            submitted=count,
            flagged=len(flagged.get((ics_id, kind), ())),
            unresolved=len(unresolved.get((ics_id, kind), ())),
            computed_at=computed_at,
        )
        for ics_id, count in submitted.items()
        for kind in ("", *flag_rules.KINDS)
    ]
    stale = FlagRate.objects.filter(cycle=cycle)
    if ics_ids is not None:
        stale = stale.filter(ics_id__in=ics_ids)
    stale.delete()
    FlagRate.objects.bulk_create(rows)


def cycles_with_flags_due() -> list[int]:
    """The cycles whose pattern flags are older than their newest score (the beat sweep's list),
    in one query."""
    return [cycle.pk for cycle in _with_latest_score(Cycle.objects.order_by("pk")) if _due(cycle)]


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
    flag_rates_refresh(cycle=flag.assessment.cycle, ics_ids=[flag.assessment.organisation.ics_id])
    subject = flag_subject(flag, measure_names(flag.assessment.cycle.framework_id))
    record(
        assessment=flag.assessment,
        actor=actor,
        kind=AuditEvent.Kind.FLAG_RESOLVED,
        summary=f"Validation flag resolved: {flag.get_kind_display()} ({subject})",
        domain=flag.domain,
        before={"resolved": False},
        # A pattern flag's explanation can name other organisations, and the organisation's lead
        # reads this history: it stays on the flag, for reviewers only.
        after={
            "resolved": True,
            "kind": flag.kind,
            "severity": flag.severity,
            "measure_key": flag.measure_key,
            **({} if flag.is_pattern else {"explanation": flag.explanation}),
        },
        comment=flag.resolution_comment,
    )
    return flag
