"""The board sign-off form: the meeting must fall in the cycle's window (no database)."""

import datetime

import pytest
from django.utils import timezone

from assessments.forms.workflow import SignOffForm
from tests.assessments.views.test_workflow import sign_off_data

OPENS = datetime.date(2025, 4, 1)


def form(date: datetime.date, opens_on: datetime.date = OPENS) -> SignOffForm:
    return SignOffForm(sign_off_data(date), cycle_opens_on=opens_on)


@pytest.mark.parametrize("date", [datetime.date(1900, 1, 1), datetime.date(2024, 3, 31)], ids=["1900", "day-before"])
def test_a_meeting_before_the_window_is_refused(date):
    signed = form(date)
    assert not signed.is_valid()
    assert signed.errors == {"meeting_date": ["The date of the board meeting must be on or after 1 April 2024"]}


@pytest.mark.parametrize("date", [datetime.date(2024, 4, 1), timezone.localdate()], ids=["first-day", "today"])
def test_a_meeting_from_the_first_day_of_the_window_to_today_is_accepted(date):
    signed = form(date)
    assert signed.is_valid(), signed.errors
    assert signed.cleaned_data["meeting_date"] == date


def test_a_meeting_after_today_is_still_refused():
    signed = form(timezone.localdate() + datetime.timedelta(days=1))
    assert signed.errors == {"meeting_date": ["The date of the board meeting must be today or in the past"]}
