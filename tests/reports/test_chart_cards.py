"""The chart card: the table and the CSV hold the same figures, the CSV cannot run as a formula, and
the page macro reads as four headed sections without JavaScript; the print macro has no tabs."""

import csv
import datetime
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.template import engines

from reports import charts
from reports.cards import (
    NOT_AVAILABLE,
    About,
    ChartCard,
    card_csv,
    card_csv_response,
    cards_by_key,
    clock_time,
    format_cell,
    safe_filename,
)

MEASURES = ("Well led", "Ensure smart foundations", "Safe practice", "Support people")
SYSTEM = (Decimal("3.1"), Decimal("2.0"), None, Decimal("4.25"))
NATIONAL = (Decimal("2.9"), Decimal("0.0"), Decimal("3.3"), Decimal("-0.3"))
ABOUT = About(
    source="Submitted, validated and published assessments of the 2025/26 cycle",
    cycle="2025/26",
    method="The median of the measure scores of the trusts in the system.",
    computed_at=datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.UTC),
)


def make_card(**changes) -> ChartCard:
    fields = {
        "key": "measure-medians",
        "title": "Median score for each success measure",
        "svg": charts.measure_bars(
            list(MEASURES),
            [charts.Series("System median", SYSTEM), charts.Series("National median", NATIONAL)],
            "Median score for each success measure",
            "Bars of the system and national medians.",
        ),
        "description": "The system median is highest for Support people (4.25).",
        "columns": ("Success measure", "System median", "National median"),
        "rows": tuple(zip(MEASURES, SYSTEM, NATIONAL, strict=True)),
        "about": ABOUT,
        "notes": ("Fewer than 5 trusts have a scored Safe practice measure, so its system median is not shown.",),
    }
    return ChartCard(**(fields | changes))


def render(source: str, **context) -> str:
    return engines["jinja2"].env.from_string(source).render(context)


def render_card(card: ChartCard, csv_url: str = "/reports/ics/card.csv", heading_level: int = 2) -> str:
    return render(
        '{% from "macros/chart_card.html" import chart_card %}{{ chart_card(card, csv_url, heading_level=level) }}',
        card=card,
        csv_url=csv_url,
        level=heading_level,
    )


class TableParser(HTMLParser):
    """The rows of the first table's cells as text (header row included), and the headings in order."""

    def __init__(self):
        super().__init__()
        self.rows, self.headings, self._cell, self._heading, self._in_table = [], [], None, None, False
        self._tables = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
            self._in_table = self._tables == 1
        elif tag == "tr" and self._in_table:
            self.rows.append([])
        elif tag in ("th", "td") and self._in_table:
            self._cell = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = (tag, [])

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif self._heading and tag == self._heading[0]:
            self.headings.append((tag, " ".join("".join(self._heading[1]).split())))
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._heading:
            self._heading[1].append(data)


def parse(html: str) -> TableParser:
    parser = TableParser()
    parser.feed(html)
    return parser


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_holds_exactly_the_figures_of_the_table_on_the_page():
    card = make_card()
    table = parse(render_card(card)).rows
    rows = parse_csv(card_csv(card))
    assert rows[0] == table[0] == list(card.columns)
    assert len(rows) == len(table) == len(card.rows) + 1
    for csv_row, table_row in zip(rows[1:], table[1:], strict=True):
        assert csv_row == ["" if text == NOT_AVAILABLE else text for text in table_row]
    assert rows[3] == ["Safe practice", "", "3.3"]  # None: empty in the CSV ...
    assert table[3] == ["Safe practice", NOT_AVAILABLE, "3.3"]  # ... and said in words on the page
    assert rows[4] == ["Support people", "4.25", "-0.3"]  # exact decimals; a negative stays a number


def test_print_table_holds_the_same_figures_as_the_csv():
    card = make_card()
    html = render('{% from "macros/chart_card.html" import chart_card_print %}{{ chart_card_print(card) }}', card=card)
    table = parse(html).rows
    assert [["" if t == NOT_AVAILABLE else t for t in row] for row in table] == parse_csv(card_csv(card))


@pytest.mark.parametrize(
    ("value", "in_csv"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-0.3", "-0.3"),  # plain numbers stay numbers, as text ...
        ("+4", "+4"),
        (Decimal("-0.3"), "-0.3"),  # ... and as figures
        (-2, "-2"),
        ("Trust = good", "Trust = good"),  # only a leading sign starts a formula
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_as_a_formula_are_text(value, in_csv):
    card = make_card(columns=("Organisation", "Figure"), rows=((value, Decimal(1)), ("Trust", value)))
    rows = parse_csv(card_csv(card))
    assert rows[1][0] == in_csv and rows[2][1] == in_csv


def test_csv_headings_are_guarded_too():
    card = make_card(columns=("=cmd", "Figure"), rows=(("A", 1),))
    assert parse_csv(card_csv(card))[0] == ["'=cmd", "Figure"]


def test_format_cell_is_exact_and_refuses_inexact_figures():
    assert format_cell(Decimal("3.10")) == "3.10"
    assert format_cell(None) == ""
    assert format_cell(12) == "12"
    assert format_cell("Well led") == "Well led"
    for wrong in (3.1, True):
        with pytest.raises(TypeError):
            format_cell(wrong)


def test_a_card_refuses_rows_that_do_not_fit_its_columns_or_hold_floats():
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        make_card(rows=(("Well led", Decimal(1)),))
    with pytest.raises(TypeError):
        make_card(rows=(("Well led", 3.1, None),))
    with pytest.raises(ValueError, match="slug"):
        make_card(key="Measure medians")
    with pytest.raises(ValueError, match="timezone-aware"):
        About("s", "2025/26", "m", datetime.datetime(2026, 12, 2, 9, 30))


def test_two_cards_on_a_page_may_not_share_a_key():
    with pytest.raises(ValueError, match="measure-medians"):
        cards_by_key([make_card(), make_card()])
    assert set(cards_by_key([make_card(), make_card(key="spread")])) == {"measure-medians", "spread"}


def test_csv_response_is_an_attachment_with_a_safe_name():
    card = make_card()
    response = card_csv_response(card, 'system "medians"\r\n../../etc/passwd.csv')
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="system-medians-etc-passwd.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # a byte order mark for Excel
    assert response.content.decode("utf-8-sig") == card_csv(card)
    assert safe_filename("", "measure-medians") == "measure-medians.csv"
    assert safe_filename("café 2025/26", "x") == "caf-2025-26.csv"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.UTC), "2 December 2026 at 9:30am"),
        (datetime.datetime(2026, 6, 1, 8, 5, tzinfo=datetime.UTC), "1 June 2026 at 9:05am"),  # BST
        (datetime.datetime(2026, 12, 2, 16, 0, tzinfo=datetime.UTC), "2 December 2026 at 4pm"),
        (datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC), "2 December 2026 at midday"),
        (datetime.datetime(2026, 6, 1, 23, 0, tzinfo=datetime.UTC), "2 June 2026 at midnight"),
    ],
)
def test_figures_computed_reads_in_uk_time(moment, text):
    assert clock_time(moment) == text


def test_card_has_four_headed_sections_under_its_title():
    html = render_card(make_card())
    headings = parse(html).headings
    assert headings == [
        ("h2", "Median score for each success measure"),
        ("h3", "Contents"),  # the tabs' own heading, moved below the card's
        ("h3", "Chart"),
        ("h3", "Table"),
        ("h3", "Download"),
        ("h3", "About"),
    ]
    for panel in ("chart", "table", "download", "about"):
        assert f'id="measure-medians-{panel}"' in html
        assert f'href="#measure-medians-{panel}"' in html
    # Without JavaScript every panel shows: the hidden class only hides once the tabs script runs.
    assert html.count('class="nhsuk-tabs__panel') == 4


def test_card_headings_follow_the_level_given():
    headings = parse(render_card(make_card(), heading_level=3)).headings
    assert headings[0] == ("h3", "Median score for each success measure")
    assert {tag for tag, _ in headings[1:]} == {"h4"}
    with pytest.raises(Exception, match="heading_level"):
        render_card(make_card(), heading_level=6)


def test_card_has_the_chart_its_description_the_csv_link_and_the_about():
    card = make_card()
    html = render_card(card, csv_url="/reports/ics/QE1/2025-26/measure-medians.csv")
    # Inline and unescaped (the tabs indent the panel, which adds spaces after the <style>'s line ends).
    assert " ".join(card.svg.split()) in " ".join(html.split())
    assert card.description in html
    assert (
        '<a class="nhsuk-link" href="/reports/ics/QE1/2025-26/measure-medians.csv" download>Download the figures'
        in html
    )
    assert "4 rows, with the columns Success measure, System median and National median" in html
    about = " ".join(re.sub(r"<[^>]+>", " ", html[html.index('id="measure-medians-about"') :]).split())
    assert "Source Submitted, validated and published assessments of the 2025/26 cycle" in about
    assert "Cycle 2025/26" in about
    assert "Method The median of the measure scores" in about
    assert "Figures computed 2 December 2026 at 9:30am" in about
    assert '<time datetime="2026-12-02T09:30+00:00">' in html


def test_notes_show_as_inset_text_above_the_tabs():
    html = render_card(make_card())
    inset = html.index("nhsuk-inset-text")
    assert html.index("Fewer than 5 trusts") > inset
    assert html.index("nhsuk-tabs") > html.index("Fewer than 5 trusts")
    assert "nhsuk-inset-text" not in render_card(make_card(notes=()))


def test_table_heads_rows_and_columns_and_right_aligns_figures():
    html = render_card(make_card())
    table = html[html.index("<table") : html.index("</table>")]
    assert "<caption" in table and "Median score for each success measure: the figures of the chart" in table
    assert table.count('scope="col"') == 3 and table.count('scope="row"') == 4
    assert table.count("nhsuk-table__header--numeric") == 2  # the two figure columns, not the names
    assert table.count("nhsuk-table__cell--numeric") == 8


def test_card_text_is_escaped_and_only_the_chart_is_inserted_as_markup():
    card = make_card(
        title="<script>alert(1)</script>",
        description='"><img src=x onerror=alert(1)>',
        rows=(("<b>Trust</b>", Decimal(1), None),),
        notes=("<i>note</i>",),
    )
    html = render_card(card)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "<b>Trust</b>" not in html and "<i>note</i>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Trust&lt;/b&gt;" in html


def test_a_card_without_a_chart_says_so_and_still_has_its_table():
    card = make_card(svg="", rows=(("Safe practice", None, None),))
    html = render_card(card)
    assert "<svg" not in html and "No chart is drawn" in html
    assert parse(html).rows[1] == ["Safe practice", NOT_AVAILABLE, NOT_AVAILABLE]


def test_print_card_has_no_tabs_and_keeps_chart_and_table_together():
    card = make_card()
    html = render('{% from "macros/chart_card.html" import chart_card_print %}{{ chart_card_print(card) }}', card=card)
    assert "nhsuk-tabs" not in html and "<a " not in html
    assert "break-inside: avoid" in html
    assert html.index("<svg") < html.index("<table") < html.index("Source:")
    assert (
        "Source: Submitted, validated and published assessments of the 2025/26 cycle. Cycle: 2025/26. "
        "Method: The median of the measure scores of the trusts in the system. "
        "Figures computed 2 December 2026 at 9:30am." in html
    )
    assert [tag for tag, _ in parse(html).headings] == ["h2"]


def test_print_card_lays_out_in_a_pdf_with_its_figures_as_text():
    from pypdf import PdfReader
    from weasyprint import HTML

    card = make_card()
    body = render('{% from "macros/chart_card.html" import chart_card_print %}{{ chart_card_print(card) }}', card=card)
    pdf = HTML(string=f'<!DOCTYPE html><html lang="en-GB"><body>{body}</body></html>').write_pdf()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for figure in ("4.25", "-0.3", "Not available", "Figures computed 2 December 2026 at 9:30am"):
        assert figure in text


def test_a_kept_card_is_the_card_the_macro_builds_with_this_render_s_chart(monkeypatch):
    from reports import cards

    monkeypatch.setattr(cards, "_kept_cards", type(cards._kept_cards)())
    card = make_card(key="kept-card")
    first = render_card(card)
    # Another render of the same figures carries another chart id (reports.charts), and shows it.
    again = make_card(key="kept-card")
    assert again.svg != card.svg
    second = render_card(again)
    assert len(cards._kept_cards) == 1
    assert second == first.replace(card.svg, again.svg)
    assert again.svg in second and card.svg not in second
    # Anything else about the card is a card of its own.
    changed = render_card(make_card(key="kept-card", description="Another description."))
    assert "Another description." in changed and len(cards._kept_cards) == 2
    render_card(card, heading_level=3)
    assert len(cards._kept_cards) == 3
    # A card whose text holds the placeholder keeps it as text, escaped.
    sneaky_card = make_card(key="kept-card", description=cards.CHART_PLACE)
    sneaky = render_card(sneaky_card)
    assert sneaky.count(cards.CHART_PLACE) == 0 and sneaky.count(sneaky_card.svg) == 1
