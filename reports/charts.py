"""The one chart module: pygal, rendered to SVG strings on the server, for pages and PDFs alike.

The SVG goes inline into the page's or the PDF's HTML, so it must fetch nothing: no JavaScript
(pygal links its tooltip script from a CDN by default), no external stylesheets, no XML
declaration. Every chart has a <title> and <desc> for its alternative text, and every chart is
shown with a table of the same figures (reports.cards). Colour is never the only signal: lines
differ by dash pattern (and say so in the legend), bars by fill pattern and carry their values
as text, a spread's median is a dot on a range bar. Figures are on the 0-5 level scale except
counts of organisations.

Style rules added to a chart (fill patterns, value positions) are scoped to that chart's own id:
inline SVG's <style> applies to the whole HTML page, and a page shows several charts.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
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
DEFAULT_CSS = ("file://style.css", "file://graph.css")  # pygal's own, inlined from its package

LEVELS = (0, 5)  # the level scale: a domain reaches 0 (level 1 not met) to 5

# Bars are drawn opaque: pygal's default 70% opacity makes NHS blue too pale for the 3:1 contrast
# WCAG 2.2 asks of graphical objects against the white background.
SOLID_STYLE = Style(
    **{
        **STYLE.__dict__,
        **dict.fromkeys(("opacity", "opacity_hover", "stroke_opacity", "stroke_opacity_hover"), "1"),
        "value_font_size": 13,
    }
)

# Words for DASHES, added to the legend: pygal's legend key is a coloured square whatever the line
# style, so without them a reader who cannot tell the colours apart could not tell which line is which.
DASH_NAMES = ("solid line", "dashed line", "dotted line", "dash-dot line")


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | None]


def figure(value: Decimal | int) -> str:
    """A figure as text, exactly: Decimal("3.10") is "3.10", never "3.1000000000000001" or "3.1E+0".
    The one rule for charts' printed values, tables and CSV files (reports.cards), so they agree."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"A figure is a Decimal or an int, not {type(value).__name__}: floats are not exact")
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _says(text: str) -> Callable[[object], str]:
    """A pygal formatter that writes `text` whatever the value drawn."""
    return lambda _drawn: text


def _point(value: Decimal | int, y: float | None = None) -> dict:
    """A pygal value that draws at `value` (at (value, y) on an XY chart) and whose text (printed
    value, <desc class="value">) is the exact figure, not pygal's rendering of a float."""
    return {"value": float(value) if y is None else (float(value), y), "formatter": _says(figure(value))}


def _scoped_css(chart: pygal.graph.graph.Graph, rules: str) -> None:
    """Add style rules to this chart only: "{chart}" in `rules` becomes the chart's own id."""
    chart.css = [*DEFAULT_CSS, "inline:" + rules.replace("{chart}", f"#chart-{chart.uuid}")]


def _check_lengths(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not series:
        raise ValueError("A chart needs at least one series.")
    for item in series:
        if len(item.values) != len(labels):
            raise ValueError(f"Series {item.name!r} has {len(item.values)} values for {len(labels)} labels.")


def _svg(chart: pygal.graph.graph.Graph, title: str, description: str) -> str:
    # pygal puts the chart title in a <text>; the SVG's own <title>/<desc> are what assistive
    # technology reads, so they are added as the first children.
    svg = chart.render(is_unicode=True)
    # pygal always embeds an inline <script> with its tooltip configuration, even with js=[]:
    # charts are static in pages and PDFs, so no script may remain.
    svg = _SCRIPT.sub("", svg)
    if not getattr(chart, "title", None):
        # A chart drawn without a visible title (its card's heading names it) gets pygal's
        # placeholder <title>Pygal</title>; the real one is added below.
        svg = svg.replace("<title>Pygal</title>", "", 1)
    opening_end = svg.index(">") + 1
    accessible = f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    svg = svg[:opening_end] + accessible + svg[opening_end:]
    return svg.replace("<svg ", '<svg role="img" aria-label="' + escape(title, {'"': "&quot;"}) + '" ', 1)


# Drawing a chart is most of an ICS dashboard's time (pygal lays out every label and bar in
# Python), and everyone who opens the dashboard between two figure refreshes is shown the same
# charts. A chart is a pure function of its figures and words, so each process keeps the last
# DRAWN_KEPT drawings keyed by exactly those: new figures are a new key, never a stale chart.
DRAWN_KEPT = 256
_drawn: OrderedDict[tuple, str] = OrderedDict()
_drawn_lock = threading.Lock()
_CHART_ID = re.compile(r"chart-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def _frozen(value: object) -> object:
    """`value` as a hashable key with the same meaning (lists and tuples alike, a mapping's items
    sorted, a series as its name and values); Decimal("3.1") and Decimal("3.10") stay apart,
    since they print differently."""
    if isinstance(value, Series):
        return ("series", value.name, _frozen(value.values))
    if isinstance(value, Mapping):
        return ("mapping", tuple(sorted((_frozen(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    hash(value)  # anything else must be hashable already, or the key would mean nothing
    return (type(value).__name__, value)


def drawn_once(draw: Callable[..., str]) -> Callable[..., str]:
    """Keep `draw`'s SVG per process under its arguments. A kept chart is handed out with a new
    chart id (its scoped style rules and fill patterns are keyed by it), so two copies on one
    page never share an id."""

    @functools.wraps(draw)
    def drawing(*args, **kwargs) -> str:
        key = (draw.__name__, _frozen(args), _frozen(tuple(sorted(kwargs.items()))))
        with _drawn_lock:
            svg = _drawn.get(key)
            if svg is not None:
                _drawn.move_to_end(key)
        if svg is None:
            svg = draw(*args, **kwargs)
            with _drawn_lock:
                _drawn[key] = svg
                while len(_drawn) > DRAWN_KEPT:
                    _drawn.popitem(last=False)
            return svg
        found = _CHART_ID.search(svg)
        return svg.replace(found.group(1), str(uuid.uuid4())) if found else svg

    return drawing


def legend_layout(names: Sequence[str], plot_height: int = PLOT_HEIGHT) -> dict[str, int]:
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
    height = plot_height + math.ceil(rows * 1.5 * max(font, LEGEND_BOX)) + 2 * SPACING
    return {"legend_at_bottom_columns": columns, "width": width, "height": height}


@drawn_once
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


@drawn_once
def trend(cycles: Sequence[str], values: Sequence[Decimal], title: str, description: str) -> str:
    chart = pygal.Line(**{**SAFE_CONFIG, "show_legend": False}, range=(0, 5), dots_size=4)
    chart.title = title
    chart.x_labels = list(cycles)
    chart.add("Overall score", [float(v) for v in values], stroke_style={"width": 3})
    return _svg(chart, title, description)


# Fill patterns for the second and later series of bars, so that bars are told apart by more
# than colour: diagonal stripes, dots, cross-hatching. {id} is the pattern's id, {colour} its ink.
FILL_PATTERNS = (
    None,  # solid
    '<pattern id="{id}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">'
    '<rect width="8" height="8" fill="#ffffff"/><rect width="4" height="8" fill="{colour}"/></pattern>',
    '<pattern id="{id}" patternUnits="userSpaceOnUse" width="6" height="6">'
    '<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="2" fill="{colour}"/></pattern>',
    '<pattern id="{id}" patternUnits="userSpaceOnUse" width="8" height="8">'
    '<rect width="8" height="8" fill="#ffffff"/>'
    '<path d="M0 0L8 8M8 0L0 8" stroke="{colour}" stroke-width="2"/></pattern>',
)


@drawn_once
def measure_bars(labels: Sequence[str], series: Sequence[Series], title: str, description: str) -> str:
    """Grouped horizontal bars on the 0-5 scale, one group a label (e.g. a success measure), one bar
    a series (e.g. "System median", "National median"), the first label at the top.

    Each bar's value is printed beside its end, and a missing figure is printed as "Not
    available" where its bar would start, so no figure depends on reading a bar's length or its
    colour. The second and later series are filled with a pattern (stripes, dots, cross-hatching)
    in the legend too, so the series are told apart without colour.
    """
    return _grouped_bars(labels, series, title, description, {"range": LEVELS})


def count_bars(labels: Sequence[str], series: Sequence[Series], title: str, description: str) -> str:
    """Grouped horizontal bars of counts (organisations, flags), drawn as `measure_bars` (values
    printed, later series patterned) on a whole-number axis from 0."""
    if any(isinstance(v, bool) or not isinstance(v, int) for item in series for v in item.values if v is not None):
        raise ValueError("Counts are whole numbers.")
    largest = max((v for item in series for v in item.values if v is not None), default=0)
    ticks = _count_axis(largest)
    axis = {"range": (0, ticks[-1]), "y_labels": ticks, "value_formatter": lambda value: str(round(value))}
    return _grouped_bars(labels, series, title, description, axis)


def _grouped_bars(
    labels: Sequence[str], series: Sequence[Series], title: str, description: str, axis: Mapping[str, object]
) -> str:
    _check_lengths(labels, series)
    plot_height = 80 + len(labels) * (26 * len(series) + 16)
    layout = legend_layout([item.name for item in series], plot_height)
    config = {**SAFE_CONFIG, **layout, "style": SOLID_STYLE, "print_values": True}
    chart = pygal.HorizontalBar(**config, **axis, print_values_position="top", print_zeroes=True)
    # pygal draws the first label at the bottom: reversed, the chart reads top down like the table.
    chart.x_labels = list(reversed(labels))
    patterns, rules = [], []
    for index, item in enumerate(series):
        colour = STYLE.colors[index % len(STYLE.colors)]
        pattern = FILL_PATTERNS[index % len(FILL_PATTERNS)]
        if pattern:
            pattern_id = f"fill-{index}-{chart.uuid}"
            patterns.append(pattern.format(id=pattern_id, colour=colour))
            rules.append(
                f"{{chart}} .serie-{index} .rect, {{chart}} .legend .color-{index} "
                f"{{ fill: url(#{pattern_id}); stroke: {colour}; stroke-width: 1.5px; }}"
            )
        values = [
            {"value": 0, "formatter": _says("Not available")} if value is None else _point(value)
            for value in reversed(item.values)
        ]
        chart.add(item.name, values)
    chart.defs = patterns
    # Values start just after the end of their bar (pygal centres them on it, half over the bar).
    rules.append("{chart} .text-overlay text.value { text-anchor: start; }")
    _scoped_css(chart, "\n".join(rules))
    return _svg(chart, title, description)


@drawn_once
def spread(
    labels: Sequence[str],
    minimum: Sequence[Decimal | None],
    median: Sequence[Decimal | None],
    maximum: Sequence[Decimal | None],
    title: str,
    description: str,
) -> str:
    """For each label (e.g. a success measure, the first at the top) a bar from the lowest to the
    highest figure and a dot at the median, on the 0-5 scale.

    Drawn as an XY chart of the given figures themselves, so every end and every dot is exactly
    where its figure is: a box plot would compute quartiles of its own from raw data. The range
    is a bar and the median a dot (shapes, not only colours) and the legend says which is which.
    The figures are not printed on the chart, where a close lowest, median and highest would print
    over each other; its table gives them. A label whose figures are all missing has no marks.
    """
    count = len(labels)
    if not (len(minimum) == len(median) == len(maximum) == count):
        raise ValueError("spread needs a lowest, a median and a highest figure (or None) for every label.")
    positions = [count - index for index in range(count)]  # y of each label, the first at the top
    ranges: list[dict | None] = []
    medians: list[dict | None] = []
    for y, low, middle, high in zip(positions, minimum, median, maximum, strict=True):
        if low is not None and high is not None:
            ranges += [_point(low, y), _point(high, y), None]  # None: a gap before the next bar
        if middle is not None:
            medians.append(_point(middle, y))
    names = ["Lowest to highest (bar)", "Median (dot)"]
    layout = legend_layout(names, 80 + count * 48)
    chart = pygal.XY(
        **{**SAFE_CONFIG, **layout, "style": SOLID_STYLE},
        xrange=LEVELS,
        range=(0.5, count + 0.5),
        allow_interruptions=True,
        x_labels=list(range(LEVELS[0], LEVELS[1] + 1)),
        y_labels=[
            {"label": label if any(v is not None for v in figures) else f"{label} (not available)", "value": y}
            for label, y, *figures in zip(labels, positions, minimum, median, maximum, strict=True)
        ],
        show_y_guides=False,
    )
    chart.add(names[0], ranges, dots_size=1)
    chart.add(names[1], medians, stroke=False, dots_size=7)
    # pygal's per-series stroke width loses to its own `.reactive { stroke-width: 1 }`, so the
    # widths are set here. The median dot has a white ring, so it stands out on its bar even where
    # the two colours look alike.
    _scoped_css(
        chart,
        "{chart} .serie-0 .line { stroke-width: 10px; stroke-linecap: butt; }\n"
        "{chart} .serie-1 .dot { stroke: #ffffff; stroke-width: 2px; }",
    )
    return _svg(chart, title, description)


@drawn_once
def trend_lines(cycles: Sequence[str], series: Sequence[Series], title: str, description: str) -> str:
    """Several lines over the cycles (e.g. a system's median and the national median), on the 0-5
    scale, told apart by dash pattern as well as colour (the legend names each line's pattern).
    A missing figure (None) is a gap in its line, never a line drawn through it."""
    _check_lengths(cycles, series)
    names = [f"{item.name} ({DASH_NAMES[index % len(DASH_NAMES)]})" for index, item in enumerate(series)]
    layout = legend_layout(names, 400)
    config = {**SAFE_CONFIG, **layout, "style": SOLID_STYLE}
    chart = pygal.Line(**config, range=LEVELS, dots_size=4, allow_interruptions=True)
    chart.x_labels = list(cycles)
    for index, (item, name) in enumerate(zip(series, names, strict=True)):
        dash = DASHES[index % len(DASHES)]
        stroke = {"dasharray": dash} if dash else {}
        chart.add(name, [None if value is None else _point(value) for value in item.values], stroke_style=stroke)
    # pygal's per-series stroke width loses to its own `.reactive { stroke-width: 1 }`.
    _scoped_css(chart, "{chart} .series .line { stroke-width: 3px; }")
    return _svg(chart, title, description)


def _count_axis(largest: int) -> list[int]:
    """Whole-number ticks from 0 to at least `largest`, at most about ten of them."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        step = candidate
        if largest / candidate <= 10:
            break
    top = max(step, math.ceil(largest / step) * step)
    return list(range(0, top + 1, step))


@drawn_once
def level_counts(counts: Mapping[int, int], title: str, description: str) -> str:
    """Bars of how many organisations are at each level, 1 to 5 (and 0, when `counts` has that
    key: a domain none of whose level 1 criteria are all met is at level 0). Each bar's count is
    printed on it, zeros included, and the count axis has whole numbers only."""
    if any(level not in range(LEVELS[0], LEVELS[1] + 1) for level in counts):
        raise ValueError(f"Levels are 0 to 5, not {sorted(counts)}.")
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts.values()):
        raise ValueError("Counts are whole numbers, 0 or more.")
    levels = range(0 if 0 in counts else 1, LEVELS[1] + 1)
    ticks = _count_axis(max(counts.values(), default=0))
    chart = pygal.Bar(
        **{**SAFE_CONFIG, "style": SOLID_STYLE, "show_legend": False, "print_values": True, "height": 420},
        range=(0, ticks[-1]),
        y_labels=ticks,
        value_formatter=lambda value: str(round(value)),
        print_values_position="top",
        print_zeroes=True,
    )
    chart.x_labels = [f"Level {level}" for level in levels]
    chart.add("Organisations", [_point(counts.get(level, 0)) for level in levels])
    # The count sits above its bar (pygal centres it on the bar's top edge).
    _scoped_css(chart, "{chart} .text-overlay text.value { transform: translateY(-0.6em); }")
    return _svg(chart, title, description)
