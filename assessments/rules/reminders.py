"""When a reminder is due: pure rules over dates, so the daily sweep and its tests agree.

Deadline reminders go at fixed points before the closing date (4 weeks, 2 weeks, 3 days), once
each; a sweep that missed a day sends the latest point passed, never the earlier ones late.
Waiting reminders (something sits with a person: a sign-off, a returned assessment, a review)
go once the wait reaches a few days, then weekly while it lasts.
"""

from __future__ import annotations

import datetime

DEADLINE_MILESTONES = (28, 14, 3)
FIRST_WAIT_DAYS = 3
REPEAT_WAIT_DAYS = 7


def deadline_milestone(deadline: datetime.date, today: datetime.date) -> int | None:
    """The milestone (days before the deadline) that `today` has reached, or None before the
    first one and after the deadline."""
    days_left = (deadline - today).days
    if days_left < 0:
        return None
    reached = [milestone for milestone in DEADLINE_MILESTONES if days_left <= milestone]
    return min(reached) if reached else None


def waiting_reminder_due(since: datetime.date, today: datetime.date, last_sent: datetime.date | None) -> bool:
    """Due when the wait has lasted FIRST_WAIT_DAYS and no reminder about it went in the last
    REPEAT_WAIT_DAYS."""
    if (today - since).days < FIRST_WAIT_DAYS:
        return False
    return last_sent is None or (today - last_sent).days >= REPEAT_WAIT_DAYS
