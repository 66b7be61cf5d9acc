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
