"""The chart card: one chart, the table of its figures, a CSV of exactly those figures, and where
the figures come from. Every dashboard and PDF shows its charts this way
(templates/macros/chart_card.html), so a reader always finds the same four things, and can
always get at the figures without reading the chart (colour, shape or position are never the
only way to know a figure).

Pure: no database, no request. The figures are given as they are to be shown; a view builds a
card from a selector's figures, renders it with the macro and serves `card_csv_response` for the
card's CSV link.

One rule for the text of a figure, `format_cell`, is used by the table and by the CSV, so the two
can never disagree. The only differences are the ones a spreadsheet needs:

* a missing figure (None) is empty in the CSV and reads "Not available" in the table (an empty
  table cell says nothing to a screen reader user, and "0" would be a false figure);
* a CSV text cell that a spreadsheet would take for a formula (starting with = + - @, a tab or a
  carriage return) starts with an apostrophe, which spreadsheets show as text and do not run
  (CSV injection). Numbers, negative ones included, are left as numbers.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from markupsafe import Markup

from reports.charts import figure

Cell = str | int | Decimal | None

NOT_AVAILABLE = "Not available"
LONDON = ZoneInfo("Europe/London")

_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")


def clock_time(value: datetime.datetime) -> str:
    """'2 December 2026 at 9:30am', 'at 4pm', 'at midday', 'at midnight', in UK time (GOV.UK and NHS
    style: 12-hour clock, no leading zero, no minutes on the hour)."""
    if value.tzinfo is None:
        raise ValueError("Times are timezone-aware: a naive time could be UTC or UK time.")
    local = value.astimezone(LONDON)
    if (local.hour, local.minute) == (12, 0):
        time = "midday"
    elif (local.hour, local.minute) == (0, 0):
        time = "midnight"
    else:
        hour = local.hour % 12 or 12
        minutes = f":{local.minute:02d}" if local.minute else ""
        time = f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{local.day} {local:%B %Y} at {time}"


@dataclass(frozen=True)
class About:
    """Where a card's figures come from, so a reader can judge them and find them again."""

    source: str  # e.g. "Submitted, validated and published assessments of the 2025/26 cycle"
    cycle: str  # "2025/26"
    method: str  # plain English: how the figures were worked out
    computed_at: datetime.datetime  # when the figures were computed (aware)

    def __post_init__(self) -> None:
        if self.computed_at.tzinfo is None:
            raise ValueError("About.computed_at must be timezone-aware.")

    @property
    def computed_at_text(self) -> str:
        """'2 December 2026 at 9:30am' (UK time)."""
        return clock_time(self.computed_at)

    @property
    def computed_at_iso(self) -> str:
        """The same moment for a <time datetime> attribute, with its UTC offset."""
        return self.computed_at.astimezone(LONDON).isoformat(timespec="minutes")


@dataclass(frozen=True)
class TableCell:
    """One cell as the table shows it."""

    text: str
    numeric: bool  # right-aligned, like every column of figures
    missing: bool  # the figure is None: shown as NOT_AVAILABLE, empty in the CSV


@dataclass(frozen=True)
class ChartCard:
    key: str  # slug, unique on a page; used in element ids and the CSV URL
    title: str
    svg: str  # from reports.charts; "" when no chart can be drawn (every figure suppressed)
    description: str  # the text alternative: what the chart shows, its figures in words
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]  # exactly the figures of the chart; the first cell names the row
    about: About
    notes: tuple[str, ...] = ()  # e.g. why a group is not shown ("Fewer than 5 ... so not shown")

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"A card key is a slug (a-z, 0-9 and single hyphens), not {self.key!r}.")
        if not self.columns:
            raise ValueError("A card's table needs its column headings.")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"Row {row!r} has {len(row)} cells for {len(self.columns)} columns.")
            for value in row:
                format_cell(value)  # refuses floats and other types now, not when a page renders

    @property
    def numeric_columns(self) -> tuple[bool, ...]:
        """Which columns hold figures (every value a number or missing, at least one a number):
        right-aligned, heading and cells alike."""
        return tuple(
            any(_is_number(row[index]) for row in self.rows)
            and all(value is None or _is_number(value) for value in (row[index] for row in self.rows))
            for index in range(len(self.columns))
        )

    def table(self) -> tuple[tuple[TableCell, ...], ...]:
        """The rows as the table shows them, through the same `format_cell` as the CSV."""
        numeric = self.numeric_columns
        return tuple(
            tuple(
                TableCell(
                    text=NOT_AVAILABLE if value is None else format_cell(value),
                    numeric=numeric[i],
                    missing=value is None,
                )
                for i, value in enumerate(row)
            )
            for row in self.rows
        )

    @property
    def csv_summary(self) -> str:
        """What the CSV holds, in words: '7 rows, with the columns Measure, System median and National median'."""
        count = len(self.rows)
        names = list(self.columns)
        if len(names) == 1:
            return f"{count} {'row' if count == 1 else 'rows'}, with the column {names[0]}"
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        return f"{count} {'row' if count == 1 else 'rows'}, with the columns {listed}"


def _is_number(value: Cell) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def format_cell(value: Cell) -> str:
    """A cell's text, for the table and the CSV alike: a Decimal exactly as it is ("3.1", "3.10"),
    an int as digits, text as it is, None as "" (the table shows NOT_AVAILABLE instead). Floats are
    refused: they are not exact, and "3.1" must never become "3.1000000000000001"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return figure(value)  # refuses floats, bools and anything else


def _csv_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading apostrophe before = + - @, tab or CR,
    unless the text is a plain number such as "-0.3" (which a spreadsheet reads as a number)."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def card_csv(card: ChartCard) -> str:
    """The card's figures as CSV: the column headings, then exactly the table's rows, nothing else."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quoted where needed, CRLF line ends
    writer.writerow([_csv_safe(name) for name in card.columns])
    for row in card.rows:
        writer.writerow([_csv_safe(format_cell(value)) for value in row])
    return buffer.getvalue()


def safe_filename(filename: str, fallback: str) -> str:
    """A download name of letters, digits, hyphens and underscores, ending .csv: nothing that could
    break out of the header, name a folder or hide the file's kind."""
    stem = filename.removesuffix(".csv")
    stem = _UNSAFE_FILENAME.sub("-", stem).strip("-_")
    return (stem or fallback) + ".csv"


def card_csv_response(card: ChartCard, filename: str) -> HttpResponse:
    """The card's CSV as a download. It starts with a byte order mark, so Excel (which many NHS
    analysts open a CSV with) reads names with accents or curly apostrophes as UTF-8 rather than
    as Windows-1252; every other CSV reader skips it as `utf-8-sig`."""
    response = HttpResponse(
        ("\ufeff" + card_csv(card)).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=safe_filename(filename, card.key)
    )
    return response


def cards_by_key(cards: Sequence[ChartCard]) -> dict[str, ChartCard]:
    """A page's cards by key, refusing two with one key (their ids and CSV links would clash)."""
    found: dict[str, ChartCard] = {}
    for card in cards:
        if card.key in found:
            raise ValueError(f"Two cards on one page have the key {card.key!r}.")
        found[card.key] = card
    return found


# A card's markup around its chart (tabs, table, download link, about list) is built by the
# design system's macros, which cost more than the rest of an ICS dashboard; it is a pure function
# of the card's words and figures, so each process keeps the last CARDS_KEPT of them and puts the
# chart (which carries a fresh id each time, reports.charts) into its place.
CARDS_KEPT = 256
CHART_PLACE = "<!--app-chart-card-chart-->"  # escaped anywhere in the card's text, so never found there
_kept_cards: OrderedDict[tuple, str] = OrderedDict()
_kept_cards_lock = threading.Lock()


def kept_card_markup(card: ChartCard, csv_url: str, heading_level: int, markup: Callable[..., str]) -> Markup:
    """`markup(card, csv_url, heading_level)` (the chart card macro) with the card's chart in
    place, built once per process for the same card, address and heading level."""
    key = (replace(card, svg=""), bool(card.svg), csv_url, heading_level)
    with _kept_cards_lock:
        html = _kept_cards.get(key)
        if html is not None:
            _kept_cards.move_to_end(key)
    if html is None:
        html = str(markup(replace(card, svg=CHART_PLACE if card.svg else ""), csv_url, heading_level))
        if card.svg and html.count(CHART_PLACE) != 1:
            raise ValueError(f"The chart card markup of {card.key!r} must place its chart exactly once.")
        with _kept_cards_lock:
            _kept_cards[key] = html
            while len(_kept_cards) > CARDS_KEPT:
                _kept_cards.popitem(last=False)
    # The chart is pygal's SVG from reports.charts (no script: reports/charts.py strips it) in our own
    # escaped card markup, inserted unescaped as the macro always has.
    return Markup(html.replace(CHART_PLACE, card.svg, 1) if card.svg else html)  # noqa: S704  # nosec B704
