"""How the closing date and the days left are written on every assessment page."""

import datetime

import pytest

from assessments.rules.dates import closing_text

JUNE_30 = datetime.date(2026, 6, 30)
JULY_31 = datetime.date(2026, 7, 31)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 5, 16), "Closes 30 June 2026: 45 days left"),
        (datetime.date(2026, 6, 29), "Closes 30 June 2026: 1 day left"),
        (JUNE_30, "Closes today, 30 June 2026"),
        (datetime.date(2026, 7, 1), "Closed on 30 June 2026"),
    ],
)
def test_closing_date_and_days_left(today, expected):
    assert closing_text(JUNE_30, JUNE_30, today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 7, 1), "Closes 31 July 2026 (extended from 30 June 2026): 30 days left"),
        (JULY_31, "Closes today, 31 July 2026 (extended from 30 June 2026)"),
        (datetime.date(2026, 8, 1), "Closed on 31 July 2026 (extended from 30 June 2026)"),
    ],
)
def test_an_extension_moves_the_date_and_says_so(today, expected):
    assert closing_text(JUNE_30, JULY_31, today) == expected
