"""The board meeting window, on plain dates (no database)."""

import datetime

import pytest

from assessments.rules.sign_off import board_meeting_date_problem, board_meeting_window_opens

D = datetime.date
OPENS = D(2025, 4, 1)
TODAY = D(2025, 5, 20)


@pytest.mark.parametrize("date", [D(2024, 4, 1), D(2024, 11, 30), OPENS, TODAY])
def test_meetings_from_a_year_before_the_cycle_opened_up_to_today_are_accepted(date):
    assert board_meeting_date_problem(date, OPENS, TODAY) is None


@pytest.mark.parametrize("date", [D(1900, 1, 1), D(2024, 3, 31), D(2023, 4, 1)])
def test_meetings_before_the_window_are_refused_naming_its_first_day(date):
    assert board_meeting_date_problem(date, OPENS, TODAY) == (
        "The date of the board meeting must be on or after 1 April 2024"
    )


def test_meetings_after_today_are_refused():
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert board_meeting_date_problem(tomorrow, OPENS, TODAY) == (
        "The date of the board meeting must be today or in the past"
    )


def test_a_cycle_opening_on_29_february_has_a_window_from_28_february():
    assert board_meeting_window_opens(D(2028, 2, 29)) == D(2027, 2, 28)
    assert board_meeting_date_problem(D(2027, 2, 27), D(2028, 2, 29), D(2028, 3, 1)) == (
        "The date of the board meeting must be on or after 28 February 2027"
    )
