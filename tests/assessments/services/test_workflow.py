"""Board sign-off through the service: the meeting date is checked whoever calls it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import Assessment, AuditEvent
from assessments.rules.dates import long_date
from assessments.rules.sign_off import board_meeting_window_opens
from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from tests.assessments.conftest import complete_everything

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
