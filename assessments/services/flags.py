"""Validation flags: the pure rules (assessments/rules/flags.py) applied to stored answers and
scores, and a reviewer's resolution of a flag.

* `assessment_flags_refresh` recomputes and stores the flags of a submitted assessment; scoring
  calls it in its own transaction, because two of the rules compare scores.
* `flag_resolve` records a reviewer's resolution, with an audit event.

Peers are re-checked lazily: scoring one organisation changes its peers' medians, but only the
assessment just scored is refreshed (an ICB's score does not enter any peer group, and a trust's
score is not re-fed to its ICB). The others' peer and ICB flags catch up the next time they are
scored or refreshed; re-checking every peer on each submission would make the last submitters
pay for everyone, and flags are prompts to look, not results.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, ValidationFlag
from assessments.rules import flags as flag_rules
from assessments.selectors import flag_domain_answers, flag_subject, measure_names, score_flags
from assessments.services.audit import record
from organisations.access import may


class NotFlaggable(Exception):
    """The assessment is not (or no longer) submitted: its stored flags are left as they are."""


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
    answers, domains = flag_domain_answers(assessment)
    raised = [*flag_rules.answer_flags(answers), *score_flags(assessment)]
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
    subject = flag_subject(flag, measure_names(flag.assessment.cycle.framework_id))
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
