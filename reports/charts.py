"""Charts for board reports: pygal, rendered to SVG strings on the server.

The SVG goes inline into the PDF's HTML, so it must fetch nothing: no JavaScript (pygal links
its tooltip script from a CDN by default), no external stylesheets, no XML declaration. Every
chart has a <title> and <desc> for its alternative text, and the report shows a table of the
same figures beside it; series differ by line style as well as colour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

import pygal
from pygal.style import Style
from pygal.util import text_len

FONT = '"Liberation Sans", "DejaVu Sans", sans-serif'

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212b32",
    foreground_strong="#212b32",
    foreground_subtle="#4c6272",
    colors=("#005eb8", "#330072", "#007f3b", "#8a1538"),
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    tooltip_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    no_data_font_family=FONT,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=16,
)

# Dash patterns so that the series can be told apart without colour.
DASHES = (None, "8, 4", "2, 4", "12, 4, 2, 4")

SAFE_CONFIG = {
    "js": [],  # no tooltip script from a CDN
    "disable_xml_declaration": True,
    "style": STYLE,
    "explicit_size": False,
    "print_values": False,
    "show_legend": True,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 2,
    # Names are never cut short with "…": a board must be able to read which line is which
    # ("Median: Trusts whose main care setting is acute"), and measure names are the axes.
    "truncate_legend": -1,
    "truncate_label": -1,
    "width": 720,
    "height": 520,
}

# pygal's own layout figures (its defaults), used to make room for legends that are not cut.
MARGIN = 20
SPACING = 10
LEGEND_BOX = 12
PLOT_HEIGHT = 470  # the chart above the legend


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | None]


def _svg(chart: pygal.graph.graph.Graph, title: str, description: str) -> str:
    # pygal puts the chart title in a <text>; the SVG's own <title>/<desc> are what assistive
    # technology reads, so they are added as the first children.
    svg = chart.render(is_unicode=True)
    # pygal always embeds an inline <script> with its tooltip configuration, even with js=[]:
    # charts are static in pages and PDFs, so no script may remain.
    svg = _SCRIPT.sub("", svg)
    opening_end = svg.index(">") + 1
    accessible = f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    svg = svg[:opening_end] + accessible + svg[opening_end:]
    return svg.replace("<svg ", '<svg role="img" aria-label="' + escape(title, {'"': "&quot;"}) + '" ', 1)


def legend_layout(names: Sequence[str]) -> dict[str, int]:
    """Columns, width and height for a bottom legend whose entries are never truncated.

    pygal sizes the legend by a generous estimate of text width (0.6 em a character): two
    columns only when every entry fits half the chart (and they pair up evenly: pygal leaves no
    room for a half-filled last row); otherwise one entry a line, the chart made wide enough for
    the longest, and tall enough for every line below the plot.
    """
    font = STYLE.legend_font_size
    longest = max((text_len(len(name), font) for name in names), default=0)
    entry = longest + LEGEND_BOX + 5  # box, gap, text
    # The legend starts after the plot's left margin (about 50 units); as much again on the right.
    width = max(SAFE_CONFIG["width"], math.ceil(entry + 5 * MARGIN))
    columns = 2 if len(names) % 2 == 0 and entry <= (width - 5 * MARGIN) / 2 else 1
    rows = math.ceil(len(names) / columns)
    height = PLOT_HEIGHT + math.ceil(rows * 1.5 * max(font, LEGEND_BOX)) + 2 * SPACING
    return {"legend_at_bottom_columns": columns, "width": width, "height": height}


def radar(labels: Sequence[str], series: Sequence[Series], title: str, description: str) -> str:
    layout = legend_layout([item.name for item in series])
    chart = pygal.Radar(**{**SAFE_CONFIG, **layout}, range=(0, 5), fill=False, dots_size=3)
    chart.title = title
    chart.x_labels = list(labels)
    for index, item in enumerate(series):
        dash = DASHES[index % len(DASHES)]
        stroke = {"width": 2} | ({"dasharray": dash} if dash else {})
        chart.add(item.name, [None if v is None else float(v) for v in item.values], stroke_style=stroke)
    return _svg(chart, title, description)


def trend(cycles: Sequence[str], values: Sequence[Decimal], title: str, description: str) -> str:
    chart = pygal.Line(**{**SAFE_CONFIG, "show_legend": False}, range=(0, 5), dots_size=4)
    chart.title = title
    chart.x_labels = list(cycles)
    chart.add("Overall score", [float(v) for v in values], stroke_style={"width": 3})
    return _svg(chart, title, description)
