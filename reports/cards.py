"""The chart card: one chart, the table of its figures, their CSV and a note on their source.
(A first cut; the full card, with its formatting rules, lands with the chart-card work.)"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse


@dataclass(frozen=True)
class About:
    source: str
    cycle: str
    method: str
    computed_at: datetime.datetime


@dataclass(frozen=True)
class ChartCard:
    key: str
    title: str
    svg: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int | Decimal | None, ...], ...]
    about: About
    notes: tuple[str, ...] = ()


def card_csv(card: ChartCard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(card.columns)
    writer.writerows([["" if v is None else str(v) for v in row] for row in card.rows])
    return out.getvalue()


def card_csv_response(card: ChartCard, filename: str) -> HttpResponse:
    response = HttpResponse(card_csv(card), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
