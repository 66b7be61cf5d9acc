"""The chart card: its table and its CSV hold the same figures, its CSV runs no formula, its
charts are safe static SVG with a text alternative, and its four parts are headed sections."""

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.template import engines

from reports import charts
from reports.cards import NOT_AVAILABLE, About, ChartCard, card_csv, card_csv_response
from reports.charts import Series

ABOUT = About(
    source="Submitted assessments of 2025/26",
    cycle="2025/26",
    method="Medians.",
    computed_at=datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.UTC),
)


def card(rows=None, **more) -> ChartCard:
    return ChartCard(
        key=more.pop("key", "spread"),
        title="Spread per measure",
        svg=charts.spread(
            ["Well led", "Safe practice"], [D("1.0"), None], [D("2.5"), None], [D("4.0"), None], "T", "D"
        ),
        description="Lowest, median and highest.",
        columns=("Measure", "Lowest", "Median", "Highest"),
        rows=rows or (("Well led", D("1.0"), D("2.5"), D("4.0")), ("Safe practice", None, None, None)),
        about=ABOUT,
        **more,
    )


class Cells(HTMLParser):
    """Every row of every table in some HTML, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def page_html(value: ChartCard) -> str:
    return render(
        '{% from "macros/chart_card.html" import chart_card %}{{ chart_card(card, "/x/spread.csv") }}', card=value
    )


def test_the_csv_holds_exactly_the_tables_figures():
    value = card()
    parser = Cells()
    parser.feed(page_html(value))
    table = [row for row in parser.rows if row]
    from_csv = list(csv.reader(io.StringIO(card_csv(value))))
    assert table[0] == from_csv[0] == ["Measure", "Lowest", "Median", "Highest"]
    assert from_csv[1:] == [["Well led", "1.0", "2.5", "4.0"], ["Safe practice", "", "", ""]]
    # The table says what the CSV leaves empty.
    assert table[1:] == [
        ["Well led", "1.0", "2.5", "4.0"],
        ["Safe practice", NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE],
    ]


def test_a_csv_cell_never_runs_as_a_formula():
    value = card(rows=(('=HYPERLINK("http://x")', D("-0.3"), D("1.0"), D("2.0")), ("+1", None, None, None)))
    rows = list(csv.reader(io.StringIO(card_csv(value))))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][1] == "-0.3"  # a negative figure stays a number
    assert rows[2][0] == "+1"  # a plain number is left alone


def test_the_csv_download_is_an_attachment_with_a_safe_name():
    response = card_csv_response(card(), 'Q00 "2025/26"\r\n.csv')
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Q00-2025-26.csv"'
    assert response.content.startswith("\ufeff".encode())


def test_cards_refuse_floats_and_ragged_rows():
    with pytest.raises((TypeError, ValueError)):
        card(rows=(("Well led", 1.0, D("2.5"), D("4.0")),))
    with pytest.raises(ValueError):
        card(rows=(("Well led", D("1.0")),))
    with pytest.raises(ValueError):
        card(key="Not a slug")


def test_the_page_card_has_four_headed_sections_and_the_download_link():
    html = page_html(card(notes=("Trusts in X: not shown.",)))
    headings = re.findall(r"<h3[^>]*>(.*?)</h3>", html)
    assert [h for h in headings if h in ("Chart", "Table", "Download", "About")] == [
        "Chart",
        "Table",
        "Download",
        "About",
    ]
    assert 'href="/x/spread.csv"' in html
    assert "Trusts in X: not shown." in html
    assert "2 December 2026 at 9:30am" in html  # UK time
    assert "<script" not in html


def test_the_print_card_has_no_tabs():
    html = render(
        '{% from "macros/chart_card.html" import chart_card_print %}{{ chart_card_print(card) }}', card=card()
    )
    assert "nhsuk-tabs" not in html
    assert "<svg" in html and "Well led" in html


def svg_root(svg: str):
    return ET.fromstring(svg)


@pytest.mark.parametrize(
    "svg",
    [
        charts.measure_bars(
            ["Well led", "Safe practice"],
            [Series("System", [D("3.3"), None]), Series("England", [D("3.0"), D("2.1")])],
            "T",
            "D",
        ),
        charts.spread(["Well led"], [D("1.5")], [D("2.5")], [D("4.5")], "T", "D"),
        charts.trend_lines(
            ["2023/24", "2024/25"],
            [Series("System", [D("2.1"), None]), Series("England", [D("2.0"), D("2.4")])],
            "T",
            "D",
        ),
        charts.level_counts({0: 0, 1: 2, 2: 3, 3: 1, 4: 0, 5: 4}, "T", "D"),
    ],
    ids=["measure_bars", "spread", "trend_lines", "level_counts"],
)
def test_every_chart_is_static_accessible_svg(svg):
    root = svg_root(svg)
    assert root.get("role") == "img"
    names = [child.tag.split("}")[-1] for child in root[:2]]
    assert names == ["title", "desc"]
    assert "<script" not in svg
    # Nothing is fetched: no external links, stylesheets or images (pygal's credit comment aside).
    code = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    assert not re.search(r"(href|src)=\"(?!#)", code)
    assert "@import" not in code and "url(http" not in code
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert set(re.findall(r"https?://[^\"\s<]+", code)) <= namespaces


def test_charts_print_their_figures():
    bars = charts.measure_bars(["Well led"], [Series("System", [D("3.3")]), Series("England", [D("2.9")])], "T", "D")
    assert "3.3" in bars and "2.9" in bars
    counts = charts.level_counts({0: 0, 1: 2, 2: 3, 3: 1, 4: 0, 5: 4}, "T", "D")
    assert ">4<" in counts or "4</text>" in counts
