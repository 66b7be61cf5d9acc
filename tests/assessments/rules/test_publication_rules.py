"""The publication timetable rules: the review window and the announced date."""

import datetime

import pytest

from assessments.rules.publication import in_review_window, publication_time_problems, review_window_problems

TODAY = datetime.date(2026, 12, 2)  # a Wednesday
NOW = datetime.datetime(2026, 12, 2, 10, 0)


def at(day: datetime.date, hour: int = 9, minute: int = 30) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute))


def test_a_window_from_today_to_a_fortnight_is_fine():
    assert review_window_problems(TODAY, TODAY + datetime.timedelta(days=14), today=TODAY) == {}


@pytest.mark.parametrize(
    ("opens", "closes", "field", "words"),
    [
        (None, TODAY, "opens_on", "Enter the date the review window opens"),
        (TODAY, None, "closes_on", "Enter the date the review window closes"),
        (TODAY - datetime.timedelta(days=1), TODAY, "opens_on", "must open today or later"),
        (
            TODAY + datetime.timedelta(days=3),
            TODAY + datetime.timedelta(days=2),
            "closes_on",
            "on or after the day it opens",
        ),
        (TODAY, TODAY - datetime.timedelta(days=1), "closes_on", "must close today or later"),
    ],
)
def test_a_bad_window_names_the_field(opens, closes, field, words):
    problems = review_window_problems(opens, closes, today=TODAY)
    assert field in problems and words in problems[field]


def test_a_window_that_has_begun_keeps_its_past_start():
    started = TODAY - datetime.timedelta(days=5)
    assert review_window_problems(started, TODAY + datetime.timedelta(days=3), today=TODAY, opened=True) == {}


def test_the_window_includes_its_first_and_last_day():
    opens, closes = TODAY, TODAY + datetime.timedelta(days=2)
    assert [in_review_window(opens, closes, TODAY + datetime.timedelta(days=d)) for d in (-1, 0, 2, 3)] == [
        False,
        True,
        True,
        False,
    ]
    assert not in_review_window(None, None, TODAY)


def test_four_weeks_notice_to_the_day_is_enough_and_one_day_less_is_not():
    enough = at(datetime.date(2026, 12, 30), 10, 0)  # exactly 28 days later, a Wednesday
    assert publication_time_problems(enough, now=NOW, review_closes_on=TODAY) == {}
    short = enough - datetime.timedelta(days=1)
    problems = publication_time_problems(short, now=NOW, review_closes_on=TODAY)
    assert "at least 4 weeks ahead: the earliest date is 30 December 2026" in problems["publication_date"]


def test_publication_falls_on_a_weekday():
    saturday = at(datetime.date(2027, 1, 9))
    assert "weekday" in publication_time_problems(saturday, now=NOW, review_closes_on=TODAY)["publication_date"]


def test_publication_comes_after_the_review_window():
    day = datetime.date(2027, 1, 13)
    problems = publication_time_problems(at(day), now=NOW, review_closes_on=day)
    assert "after the review window closes on 13 January 2027" in problems["publication_date"]


def test_a_change_needs_a_reason_and_bringing_forward_needs_full_notice():
    announced = at(datetime.date(2027, 2, 3))
    later = at(datetime.date(2027, 2, 10))
    assert "reason" in publication_time_problems(later, now=NOW, review_closes_on=TODAY, announced=announced)
    assert (
        publication_time_problems(later, now=NOW, review_closes_on=TODAY, announced=announced, reason="ONS clash") == {}
    )
    # Postponing near the date is fine; bringing it forward inside 4 weeks is not.
    near = at(datetime.date(2027, 2, 1))
    close_now = datetime.datetime(2027, 1, 25, 10)
    assert (
        publication_time_problems(
            at(datetime.date(2027, 2, 4)), now=close_now, review_closes_on=TODAY, announced=near, reason="Late data"
        )
        == {}
    )
    problems = publication_time_problems(
        at(datetime.date(2027, 1, 29)), now=close_now, review_closes_on=TODAY, announced=near, reason="Sooner"
    )
    assert "brought forward only with 4 weeks' notice" in problems["publication_date"]


def test_no_date_and_a_past_date_are_refused():
    assert publication_time_problems(None, now=NOW, review_closes_on=None) == {
        "publication_date": "Enter the publication date"
    }
    past = at(datetime.date(2026, 11, 30))
    assert "in the future" in publication_time_problems(past, now=NOW, review_closes_on=None)["publication_date"]
