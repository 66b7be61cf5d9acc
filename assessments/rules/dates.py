"""How the portal writes dates: "1 December 2026" and "1 December 2026 at 14:05", in UK time.

The GOV.UK and NHS style (day without a leading zero, month in full). Written without the
glibc-only "%-d" so it works on every platform WeasyPrint and gunicorn run on.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def _local(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def long_date(value: datetime.date | datetime.datetime | None) -> str:
    """'1 December 2026'; '' for no date."""
    if value is None:
        return ""
    local = _local(value)
    return f"{local.day} {local:%B %Y}"


def long_datetime(value: datetime.datetime | None) -> str:
    """'1 December 2026 at 14:05'; '' for no moment."""
    if value is None:
        return ""
    local = _local(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def closing_text(closes_on: datetime.date, deadline: datetime.date, today: datetime.date) -> str:
    """The closing date and the days left, in words, for the top of every assessment page:
    "Closes 30 June 2026: 45 days left", "Closes today, 30 June 2026", "Closed on 30 June 2026".

    `deadline` is the last day answers can be changed (the cycle's closing date, or the end of
    an extension national staff granted); when it is later than `closes_on` the page says so, so
    nobody is misled by the cycle's own date into thinking the chance to change answers has gone.
    """
    extended = f" (extended from {long_date(closes_on)})" if deadline > closes_on else ""
    days = (deadline - today).days
    if days < 0:
        return f"Closed on {long_date(deadline)}{extended}"
    if days == 0:
        return f"Closes today, {long_date(deadline)}{extended}"
    return f"Closes {long_date(deadline)}{extended}: {days} {'day' if days == 1 else 'days'} left"


def twelve_hour(value: datetime.time) -> str:
    """'9:30am', '10am', '12:15pm': the GOV.UK style for times."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def announced_datetime(value: datetime.datetime) -> str:
    """'Tuesday 2 March 2027 at 9:30am': a publication time as announced."""
    local = _local(value)
    return f"{local:%A} {local.day} {local:%B %Y} at {twelve_hour(local.time())}"
