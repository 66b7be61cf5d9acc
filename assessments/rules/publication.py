"""The timetable rules of publishing a cycle's results, after official statistics practice.

Pure: dates in, problems out (a field name and what is wrong with it), so the services, the
forms and the tests share one statement of the rules.

* The provisional release opens a **review window**: organisations and their ICS check what
  will be published about them and raise queries from its first day to its last.
* The **publication time is announced ahead**, at least NOTICE before it (four weeks), so that
  nobody can choose a moment that suits a story. Bringing a date forward must still give the full
  notice; postponing is allowed at any time, with a reason, because it never shortens anyone's
  notice. Publication falls on a weekday (9.30am is the convention and the default) and after the
  review window has closed, so every query raised in time can be answered first.
"""

from __future__ import annotations

import datetime

NOTICE = datetime.timedelta(days=28)
DEFAULT_TIME = datetime.time(9, 30)
SATURDAY = 5

Problems = dict[str, str]


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def review_window_problems(
    opens_on: datetime.date | None, closes_on: datetime.date | None, *, today: datetime.date, opened: bool = False
) -> Problems:
    """What is wrong with a review window; `opened` says the window has already begun (its start
    can then no longer move, since organisations may already be relying on it)."""
    problems: Problems = {}
    if opens_on is None:
        problems["opens_on"] = "Enter the date the review window opens"
    elif not opened and opens_on < today:
        problems["opens_on"] = "The review window must open today or later"
    if closes_on is None:
        problems["closes_on"] = "Enter the date the review window closes"
    elif closes_on < today:
        problems["closes_on"] = "The review window must close today or later"
    elif opens_on is not None and closes_on < opens_on:
        problems["closes_on"] = "The review window must close on or after the day it opens"
    return problems


def in_review_window(opens_on: datetime.date | None, closes_on: datetime.date | None, today: datetime.date) -> bool:
    return opens_on is not None and closes_on is not None and opens_on <= today <= closes_on


def publication_time_problems(
    at: datetime.datetime | None,
    *,
    now: datetime.datetime,
    review_closes_on: datetime.date | None,
    announced: datetime.datetime | None = None,
    reason: str = "",
) -> Problems:
    """What is wrong with announcing publication at `at` (local time); `announced` is the time
    already announced, if any, which a change must explain in `reason`."""
    if at is None:
        return {"publication_date": "Enter the publication date"}
    problems: Problems = {}
    postponing = announced is not None and at > announced
    if at.weekday() >= SATURDAY:
        problems["publication_date"] = "Publication must fall on a weekday (Monday to Friday)"
    elif at <= now:
        problems["publication_date"] = "The publication date must be in the future"
    elif not postponing and at - now < NOTICE:
        earliest = (now + NOTICE).date()
        problems["publication_date"] = (
            f"Publication must be announced at least 4 weeks ahead: the earliest date is {_day(earliest)}"
            + (" (a date can be brought forward only with 4 weeks' notice)" if announced else "")
        )
    elif review_closes_on is not None and at.date() <= review_closes_on:
        problems["publication_date"] = (
            f"Publication must come after the review window closes on {_day(review_closes_on)}"
        )
    if announced is not None and at != announced and not reason.strip():
        problems["reason"] = "Say why the publication date is changing: the reason is shown with the new date"
    return problems
