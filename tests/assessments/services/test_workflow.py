"""The workflow services' own rules, apart from the pages: reviewing with flags open."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from assessments.models import Assessment, AuditEvent
from assessments.services.workflow import assessment_return, assessment_validate
from tests.assessments.flagging import stored

pytestmark = pytest.mark.django_db

Status = Assessment.Status


def test_validate_is_refused_without_a_reason_while_flags_are_unresolved(
    flagged, team, django_capture_on_commit_callbacks
):
    count = len(stored(flagged))
    events = flagged.events.count()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        assessment_validate(assessment=flagged, actor=team["reviewer"], comment="   ")

    assert refused.value.message_dict == {"comment": [f"Enter why you are validating with {count} unresolved flags"]}
    assert Assessment.objects.get(pk=flagged.pk).status == Status.SUBMITTED
    assert flagged.events.count() == events
    assert mail.outbox == []


def test_validate_with_a_reason_records_the_open_flags_in_the_audit_event(flagged, team):
    count = len(stored(flagged))

    assessment_validate(assessment=flagged, actor=team["reviewer"], comment="Checked at the ICS board.")

    event = flagged.events.filter(kind=AuditEvent.Kind.TRANSITION).latest("pk")
    assert Assessment.objects.get(pk=flagged.pk).status == Status.VALIDATED
    assert event.after == {"status": Status.VALIDATED, "open_flags": count}
    assert event.comment == "Checked at the ICS board."


def test_a_return_records_the_open_flags_too(flagged, team):
    assessment_return(assessment=flagged, actor=team["reviewer"], comment="Add evidence for level 3.")
    event = flagged.events.filter(kind=AuditEvent.Kind.TRANSITION).latest("pk")
    assert event.after == {"status": Status.RETURNED, "open_flags": len(stored(flagged))}
