"""The three demo cycles: two past and published, one open now."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoCycle:
    name: str
    framework: str
    opens_on: datetime.date | None  # None: the live cycle, open from a month ago for three months
    closes_on: datetime.date | None


DEMO_CYCLES = [
    DemoCycle("2023/24", "2024/25", datetime.date(2023, 4, 1), datetime.date(2023, 6, 30)),
    DemoCycle("2024/25", "2024/25", datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)),
    DemoCycle("2025/26", "2025/26", None, None),
]
