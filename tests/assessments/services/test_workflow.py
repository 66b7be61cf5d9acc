"""The workflow services' own rules, apart from the pages: the board meeting date is checked
whoever calls sign-off; reviewing with flags open, who may review, and who is told that an
assessment awaits review."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Assessment, AuditEvent
from assessments.rules.dates import long_date
from assessments.rules.sign_off import board_meeting_window_opens
from assessments.selectors import reviewers_of
from assessments.services.workflow import (
    assessment_mark_ready,
    assessment_return,
    assessment_sign_off_and_submit,
    assessment_validate,
)
from tests.assessments.conftest import complete_everything
from tests.assessments.flagging import stored, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(assessment, team) -> Assessment:
    complete_everything(assessment, team["lead"])
    return assessment_mark_ready(assessment=assessment, actor=team["lead"])


def sign_off(assessment, team, meeting_date):
    return assessment_sign_off_and_submit(
        assessment=assessment, actor=team["approver"], name="Jo Chair", role="Chair of the board",
        meeting_date=meeting_date, minute_reference="BM/25/117",
    )  # fmt: skip


def window_opens(assessment) -> datetime.date:
    return board_meeting_window_opens(assessment.cycle.opens_on)  # checked on fixed dates in the rule's tests


def state(assessment):
    fresh = Assessment.objects.get(pk=assessment.pk)
    events = AuditEvent.objects.filter(assessment=assessment).count()
    return (fresh.status, fresh.submitted_at, fresh.board_meeting_date, fresh.board_minute_reference, events)


@pytest.mark.parametrize("days_before_window", [None, 1], ids=["1900", "day-before-window"])
def test_a_board_meeting_before_the_window_is_refused_and_nothing_changes(ready, team, days_before_window):
    earliest = window_opens(ready)
    date = datetime.date(1900, 1, 1) if days_before_window is None else earliest - datetime.timedelta(days=1)
    before = state(ready)
    with pytest.raises(ValidationError) as error:
        sign_off(ready, team, date)
    assert error.value.message_dict == {
        "meeting_date": [f"The date of the board meeting must be on or after {long_date(earliest)}"]
    }
    assert state(ready) == before and before[0] == Assessment.Status.READY


@pytest.mark.parametrize("which", ["first-day-of-window", "today"])
def test_a_board_meeting_in_the_window_is_recorded(ready, team, which):
    date = window_opens(ready) if which == "first-day-of-window" else timezone.localdate()
    submitted = sign_off(ready, team, date)
    fresh = Assessment.objects.get(pk=submitted.pk)
    assert fresh.status == Assessment.Status.SUBMITTED and fresh.board_meeting_date == date
    assert AuditEvent.objects.filter(assessment=ready, summary__contains=f"meeting {long_date(date)}").exists()


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


# Nobody reviews their own organisation's assessment.


@pytest.mark.parametrize("decide", [assessment_validate, assessment_return])
def test_a_reviewer_with_a_role_at_the_trust_is_refused_and_nothing_changes(
    assessment, team, conflicted, decide, django_capture_on_commit_callbacks
):
    complete_everything(assessment, team["lead"])
    submit(assessment, team["lead"], team["approver"])
    events = assessment.events.count()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        decide(assessment=assessment, actor=conflicted["reviewer_at_trust"], comment="Looks right to me.")

    assert Assessment.objects.get(pk=assessment.pk).status == Status.SUBMITTED
    assert assessment.events.count() == events
    assert mail.outbox == []


def test_an_ics_reviewer_cannot_review_the_icbs_own_assessment_but_an_analyst_can(icb_assessment, team, person):
    complete_everything(icb_assessment, person("assessment_lead", icb_assessment.organisation))
    submit(
        icb_assessment,
        person("assessment_lead", icb_assessment.organisation),
        person("approver", icb_assessment.organisation),
    )

    with pytest.raises(PermissionDenied):
        assessment_validate(assessment=icb_assessment, actor=team["reviewer"], comment="Fine.")
    assert Assessment.objects.get(pk=icb_assessment.pk).status == Status.SUBMITTED

    assessment_validate(assessment=icb_assessment, actor=team["analyst"], comment="Checked nationally.")
    assert Assessment.objects.get(pk=icb_assessment.pk).status == Status.VALIDATED


def test_a_trusts_submission_is_sent_to_the_ics_reviewers_who_may_review_it(
    assessment, team, conflicted, django_capture_on_commit_callbacks
):
    complete_everything(assessment, team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team["lead"], team["approver"])

    told = sorted(mail.outbox[-1].to)
    assert told == sorted([team["reviewer"].email, conflicted["icb_staff_reviewer"].email, team["lead"].email])
    assert conflicted["reviewer_at_trust"].email not in told  # they may not review their own trust
    assert "ready for ICS review" in mail.outbox[-1].body


def test_an_icbs_submission_is_sent_to_national_analysts_not_its_ics_reviewers(
    icb_assessment, team, conflicted, person, django_capture_on_commit_callbacks
):
    organisation = icb_assessment.organisation
    lead, approver = person("assessment_lead", organisation), person("approver", organisation)
    complete_everything(icb_assessment, lead)
    with django_capture_on_commit_callbacks(execute=True):
        submit(icb_assessment, lead, approver)

    submitted = Assessment.objects.select_related("organisation").get(pk=icb_assessment.pk)
    assert [user.pk for user in reviewers_of(submitted)] == [team["analyst"].pk]
    told = sorted(mail.outbox[-1].to)
    # The ICB's leads are told as its leads (one is also an ICS reviewer); the ICS's reviewers are not.
    assert told == sorted([team["analyst"].email, lead.email, conflicted["icb_staff_reviewer"].email])
    assert team["reviewer"].email not in told and conflicted["reviewer_at_trust"].email not in told
    assert "ready for national review" in mail.outbox[-1].body
