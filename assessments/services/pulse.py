"""The staff pulse: the lead opens it (one general link for all staff) and closes it; anyone with
the link answers once per browser, anonymously. Results are read through assessments.selectors
and shown by the disclosure module's rules (assessments/rules/pulse.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, PulseResponse, StaffPulse
from assessments.rules.pulse import clean_answers
from assessments.services.hooks import AfterCommit
from organisations.access import may

# The pulse -> board report step: a report shows the pulse, and its fingerprint holds the pulse's
# state (reports registers the listener).
PulseListener = Callable[[int], object]
opened_or_closed = AfterCommit("a pulse's opening or closing (assessment)")


def on_pulse_opened_or_closed(name: str, listener: PulseListener) -> None:
    """Register `listener(assessment_id)` to run after a pulse is opened, closed or reopened."""
    opened_or_closed.register(name, listener)


class PulseClosed(Exception):
    """The pulse no longer takes answers."""


@transaction.atomic
def pulse_open(*, assessment: Assessment, actor: Any) -> StaffPulse:
    """Open the assessment's pulse (or reopen a closed one, keeping its answers and link)."""
    if not may(actor, AssessmentAction.RUN_PULSE, assessment):
        raise PermissionDenied("You cannot send this organisation's staff pulse.")
    pulse, created = StaffPulse.objects.select_for_update().get_or_create(
        assessment=assessment, defaults={"code": secrets.token_urlsafe(16), "opened_by": actor}
    )
    reopened = not created and pulse.closed_at is not None
    if reopened:
        pulse.closed_at = None
        pulse.save(update_fields=["closed_at"])
    if created or reopened:
        opened_or_closed.after_commit(assessment.pk)
    return pulse


@transaction.atomic
def pulse_close(*, pulse: StaffPulse, actor: Any) -> StaffPulse:
    if not may(actor, AssessmentAction.RUN_PULSE, pulse.assessment):
        raise PermissionDenied("You cannot close this organisation's staff pulse.")
    locked = StaffPulse.objects.select_for_update().get(pk=pulse.pk)
    if locked.closed_at is None:
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        opened_or_closed.after_commit(locked.assessment_id)
    return locked


@transaction.atomic
def pulse_answer(*, code: str, answers: Mapping[str, str]) -> PulseResponse:
    """Record one person's answers. Every statement needs an answer ("Don't know" is one)."""
    pulse = StaffPulse.objects.select_for_update().filter(code=code).first()
    if pulse is None:
        raise StaffPulse.DoesNotExist
    if not pulse.is_open:
        raise PulseClosed
    try:
        cleaned = clean_answers(answers)
    except ValueError as missing:
        raise ValidationError({str(missing): "Choose an answer for this statement"}) from missing
    return PulseResponse.objects.create(pulse=pulse, answers=cleaned, answered_on=timezone.localdate())
