"""Board sign-off rules. Pure: dates in, a message or None out."""

from __future__ import annotations

import datetime

from assessments.rules.dates import long_date

MEETING_IN_THE_FUTURE = "The date of the board meeting must be today or in the past"


def board_meeting_window_opens(cycle_opens_on: datetime.date) -> datetime.date:
    """The earliest board meeting that can sign off a cycle's assessment: one year before the
    cycle opened (29 February gives 28 February). A board may approve the approach before the
    cycle opens, but a meeting older than that approved an earlier year's position, and a mistyped
    year (1900) would go onto the board report's cover."""
    try:
        return cycle_opens_on.replace(year=cycle_opens_on.year - 1)
    except ValueError:
        return cycle_opens_on.replace(year=cycle_opens_on.year - 1, day=28)


def board_meeting_date_problem(date: datetime.date, cycle_opens_on: datetime.date, today: datetime.date) -> str | None:
    """Why this cannot be the date of the board meeting that signed off the assessment, or None.
    Only dates from one year before the cycle opened up to today are accepted."""
    if date > today:
        return MEETING_IN_THE_FUTURE
    earliest = board_meeting_window_opens(cycle_opens_on)
    if date < earliest:
        return f"The date of the board meeting must be on or after {long_date(earliest)}"
    return None
