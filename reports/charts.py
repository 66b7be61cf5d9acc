"""Charts for board reports: pygal, rendered to SVG strings on the server.

The SVG goes inline into the PDF's HTML, so it must fetch nothing: no JavaScript (pygal links
its tooltip script from a CDN by default), no external stylesheets, no XML declaration. Every
chart has a <title> and <desc> for its alternative text, and the report shows a table of the
same figures beside it; series differ by line style as well as colour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

import pygal
from pygal.style import Style

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
    "width": 720,
    "height": 520,
}


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


def radar(labels: Sequence[str], series: Sequence[Series], title: str, description: str) -> str:
    chart = pygal.Radar(**SAFE_CONFIG, range=(0, 5), fill=False, dots_size=3)
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
