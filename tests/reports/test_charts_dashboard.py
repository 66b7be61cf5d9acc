"""The dashboard charts of reports.charts: self-contained SVG, a text alternative, the exact figures,
drawn where the figures say, and never told apart by colour alone."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from reports.charts import Series, figure, level_counts, measure_bars, spread, trend_lines

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"
MEASURES = ["Well led", "Ensure smart foundations", "Safe practice", "Support people"]


def parse(svg: str) -> ET.Element:
    assert svg.startswith("<svg"), "no XML declaration or anything else before the <svg>"
    return ET.fromstring(svg)


def assert_self_contained(svg: str, title: str, description: str) -> ET.Element:
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label") == title
    first, second = list(root)[:2]
    assert (first.tag, first.text) == (f"{SVG}title", title)
    assert (second.tag, second.text) == (f"{SVG}desc", description)
    assert not root.findall(".//svg:script", NS) and "<script" not in svg
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.endswith("href"):
                assert value.startswith("#"), (name, value)
    assert not re.search(r"url\(\s*['\"]?(?!#)", svg), "a url() to anything but this chart's own patterns"
    return root


def value_texts(root: ET.Element, serie: int | None = None) -> list[str]:
    """The figures a chart prints (<text class="value">) for one series, in drawing order."""
    scope = root if serie is None else _serie_groups(root, serie)
    found = []
    for group in [scope] if serie is None else scope:
        found += [t.text for t in group.iter(f"{SVG}text") if "value" in (t.get("class") or "").split()]
    return found


def desc_values(root: ET.Element, serie: int) -> list[str]:
    return [
        d.text for group in _serie_groups(root, serie) for d in group.iter(f"{SVG}desc") if d.get("class") == "value"
    ]


def _serie_groups(root: ET.Element, serie: int) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if f"serie-{serie}" in (g.get("class") or "").split()]


def axis_labels(root: ET.Element, axis: str) -> list[tuple[float, float, str]]:
    group = next(g for g in root.iter(f"{SVG}g") if (g.get("class") or "").split()[:2] == ["axis", axis])
    return [(float(t.get("x", 0)), float(t.get("y", 0)), t.text) for t in group.iter(f"{SVG}text")]


def test_figure_is_the_exact_decimal_and_refuses_floats():
    assert figure(Decimal("3.10")) == "3.10"
    assert figure(Decimal("3E+1")) == "30"
    assert figure(Decimal("-0.3")) == "-0.3"
    assert figure(7) == "7"
    for wrong in (3.1, True, "3.1", None):
        with pytest.raises(TypeError):
            figure(wrong)


# measure_bars ---------------------------------------------------------------------------------

SYSTEM = [Decimal("3.1"), Decimal("2.0"), None, Decimal("4.25")]
NATIONAL = [Decimal("2.9"), Decimal("0.0"), Decimal("3.3"), Decimal("5.0")]


def test_measure_bars_is_self_contained_with_its_text_alternative():
    svg = measure_bars(MEASURES, [Series("System median", SYSTEM)], "Medians", "System medians: Well led 3.1.")
    assert_self_contained(svg, "Medians", "System medians: Well led 3.1.")
    assert "Pygal" not in svg  # pygal's placeholder title is gone


def test_measure_bars_print_every_figure_exactly_and_say_when_one_is_missing():
    root = parse(measure_bars(MEASURES, [Series("System", SYSTEM), Series("National", NATIONAL)], "T", "D"))
    # Drawn bottom to top (pygal), so the first measure's figure comes last.
    assert value_texts(root, 0) == ["4.25", "Not available", "2.0", "3.1"]
    assert value_texts(root, 1) == ["5.0", "3.3", "0.0", "2.9"]  # a zero is printed too


def test_measure_bars_read_top_down_like_the_table_and_bar_lengths_are_the_figures():
    root = parse(measure_bars(MEASURES, [Series("System", SYSTEM), Series("National", NATIONAL)], "T", "D"))
    labels = sorted(axis_labels(root, "y"), key=lambda label: label[1])
    assert [text for _, _, text in labels] == MEASURES
    widths = [
        float(rect.get("width", 0))  # pygal leaves out a zero width
        for group in _serie_groups(root, 1)
        for rect in group.iter(f"{SVG}rect")
        if "rect" in (rect.get("class") or "").split()
    ]
    # National, bottom to top: 5.0, 3.3, 0.0, 2.9 on one scale.
    unit = widths[0] / 5
    assert widths == pytest.approx([5 * unit, 3.3 * unit, 0, 2.9 * unit])


def test_second_series_of_bars_has_a_fill_pattern_in_the_bars_and_the_legend():
    svg = measure_bars(MEASURES, [Series("System", SYSTEM), Series("National", NATIONAL)], "T", "D")
    root = parse(svg)
    patterns = root.findall(".//svg:defs/svg:pattern", NS)
    assert len(patterns) == 1
    pattern_id = patterns[0].get("id")
    chart_id = root.get("id")
    style = root.find(".//svg:defs/svg:style", NS).text
    rule = re.search(
        r"#" + re.escape(chart_id) + r" \.serie-1 \.rect,#" + re.escape(chart_id) + r" \.legend \.color-1\{([^}]*)\}",
        style,
    )
    assert rule and f"fill:url(#{pattern_id})" in rule.group(1)
    assert ".serie-0 .rect" not in style  # the first series stays solid: the two differ


def test_added_style_rules_are_scoped_to_their_own_chart():
    first = measure_bars(MEASURES, [Series("A", SYSTEM), Series("B", NATIONAL)], "T", "D")
    second = measure_bars(MEASURES, [Series("A", SYSTEM), Series("B", NATIONAL)], "T", "D")
    id_one, id_two = parse(first).get("id"), parse(second).get("id")
    assert id_one != id_two
    style = parse(first).find(".//svg:defs/svg:style", NS).text
    selectors = re.findall(r"(?:^|\})([^{}]+)\{", style)
    assert selectors and all(s.strip().startswith("#" + id_one) for sel in selectors for s in sel.split(","))


def test_measure_bars_refuse_a_series_of_the_wrong_length():
    with pytest.raises(ValueError, match="3 values for 4 labels"):
        measure_bars(MEASURES, [Series("System", SYSTEM[:3])], "T", "D")


# spread ---------------------------------------------------------------------------------------

LOWEST = [Decimal("1.0"), Decimal("2.0"), None, Decimal("2.9")]
MEDIAN = [Decimal("2.5"), Decimal("2.2"), None, Decimal("3.0")]
HIGHEST = [Decimal("4.1"), Decimal("3.0"), None, Decimal("3.1")]


def _spread_points(root: ET.Element) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    bars = []
    for group in _serie_groups(root, 0):
        for path in group.iter(f"{SVG}path"):
            numbers = [float(n) for n in re.findall(r"[\d.]+", path.get("d"))]
            bars.append(((numbers[0], numbers[1]), (numbers[2], numbers[3])))
    dots = [
        (float(c.get("cx")), float(c.get("cy"))) for group in _serie_groups(root, 1) for c in group.iter(f"{SVG}circle")
    ]
    return bars, dots


def test_spread_is_self_contained_and_carries_the_exact_figures():
    svg = spread(MEASURES, LOWEST, MEDIAN, HIGHEST, "Spread", "Lowest, median and highest.")
    root = assert_self_contained(svg, "Spread", "Lowest, median and highest.")
    assert desc_values(root, 0) == ["1.0", "4.1", "2.0", "3.0", "2.9", "3.1"]
    assert desc_values(root, 1) == ["2.5", "2.2", "3.0"]


def test_spread_draws_every_end_and_median_exactly_where_its_figure_is():
    root = parse(spread(MEASURES, LOWEST, MEDIAN, HIGHEST, "Spread", "D"))
    bars, dots = _spread_points(root)
    assert len(bars) == 3 and len(dots) == 3  # nothing for the measure without figures
    # One linear scale for every mark: x = origin + unit * figure, fixed by the first bar.
    (x_low, _), (x_high, _) = bars[0]
    unit = (x_high - x_low) / (4.1 - 1.0)
    origin = x_low - unit * 1.0
    shown = [m for m in zip(LOWEST, MEDIAN, HIGHEST, strict=True) if m[0] is not None]
    for ((start, y_bar), (end, y_end)), (dot_x, dot_y), (low, middle, high) in zip(bars, dots, shown, strict=True):
        assert start == pytest.approx(origin + unit * float(low), abs=0.01)
        assert end == pytest.approx(origin + unit * float(high), abs=0.01)
        assert dot_x == pytest.approx(origin + unit * float(middle), abs=0.01)
        assert y_bar == y_end == pytest.approx(dot_y)  # the median sits on its own measure's bar
    # The first measure is at the top, and the axis spans 0 to 5.
    assert [y for (_, y), _ in bars] == sorted(y for (_, y), _ in bars)
    ticks = {text: x for x, _, text in axis_labels(root, "x")}
    assert ticks["0"] == pytest.approx(origin, abs=0.01) and ticks["5"] == pytest.approx(origin + 5 * unit, abs=0.01)


def test_spread_names_a_measure_without_figures_and_tells_bar_from_dot_in_words():
    svg = spread(MEASURES, LOWEST, MEDIAN, HIGHEST, "Spread", "D")
    labels = [text for _, _, text in axis_labels(parse(svg), "y")]
    assert "Safe practice (not available)" in labels
    assert "Lowest to highest (bar)" in svg and "Median (dot)" in svg


def test_spread_refuses_figures_that_do_not_line_up_with_the_labels():
    with pytest.raises(ValueError):
        spread(MEASURES, LOWEST[:3], MEDIAN, HIGHEST, "Spread", "D")


# trend_lines ----------------------------------------------------------------------------------

CYCLES = ["2022/23", "2023/24", "2024/25", "2025/26"]


def test_trend_lines_are_self_contained_with_exact_figures():
    series = [Series("System median", [Decimal("2.1"), Decimal("2.40"), Decimal("2.8"), Decimal("3.0")])]
    root = assert_self_contained(
        trend_lines(CYCLES, series, "Trend", "System median by year."), "Trend", "System median by year."
    )
    assert desc_values(root, 0) == ["2.1", "2.40", "2.8", "3.0"]


def test_trend_lines_differ_by_dash_pattern_and_the_legend_says_which():
    series = [Series("System median", [Decimal(2)] * 4), Series("National median", [Decimal(3)] * 4)]
    svg = trend_lines(CYCLES, series, "Trend", "D")
    root = parse(svg)
    style = root.find(".//svg:defs/svg:style", NS).text
    chart = "#" + root.get("id")
    assert re.search(re.escape(chart) + r" \.series\.serie-1\{[^}]*stroke-dasharray:8,4", style)
    assert not re.search(re.escape(chart) + r" \.series\.serie-0\{[^}]*dasharray", style)
    assert "System median (solid line)" in svg and "National median (dashed line)" in svg


def test_a_missing_figure_is_a_gap_in_its_line():
    series = [Series("System median", [Decimal("2.1"), None, Decimal("2.8"), Decimal("3.0")])]
    root = parse(trend_lines(CYCLES, series, "Trend", "D"))
    dots = [float(c.get("cx")) for g in _serie_groups(root, 0) for c in g.iter(f"{SVG}circle")]
    assert len(dots) == 3
    paths = [p.get("d") for g in _serie_groups(root, 0) for p in g.iter(f"{SVG}path")]
    xs = [[float(x) for x in re.findall(r"[ML]\s*([\d.]+)", d)] for d in paths]
    # No line starts at the first figure: it would have to cross the missing year to reach the next.
    assert paths and not any(min(line) == pytest.approx(dots[0], abs=0.01) for line in xs)
    assert any(len(line) == 2 for line in xs)  # the last two years are joined


# level_counts ---------------------------------------------------------------------------------


def test_level_counts_print_every_count_with_whole_number_axis():
    svg = level_counts({1: 3, 2: 12, 3: 7}, "Levels", "3 at level 1, 12 at level 2, 7 at level 3.")
    root = assert_self_contained(svg, "Levels", "3 at level 1, 12 at level 2, 7 at level 3.")
    assert value_texts(root) == ["3", "12", "7", "0", "0"]
    assert [text for _, _, text in axis_labels(root, "x")] == [f"Level {n}" for n in range(1, 6)]
    ticks = [text for _, _, text in axis_labels(root, "y")]
    assert ticks and all(re.fullmatch(r"\d+", text) for text in ticks)
    assert int(ticks[-1]) >= 12


def test_level_counts_show_level_zero_only_when_given_and_keep_large_axes_short():
    svg = level_counts({0: 2, 5: 180}, "Levels", "D")
    root = parse(svg)
    assert [text for _, _, text in axis_labels(root, "x")] == [f"Level {n}" for n in range(6)]
    assert value_texts(root) == ["2", "0", "0", "0", "0", "180"]
    ticks = [int(text) for _, _, text in axis_labels(root, "y")]
    assert len(ticks) <= 11 and ticks[-1] >= 180


@pytest.mark.parametrize("counts", [{6: 1}, {-1: 1}, {1: -1}, {1: 1.5}])
def test_level_counts_refuse_what_is_not_a_count_of_a_level(counts):
    with pytest.raises(ValueError):
        level_counts(counts, "Levels", "D")


def test_a_chart_is_drawn_once_for_the_same_figures_and_handed_out_with_its_own_id(monkeypatch):
    import pygal

    from reports import charts

    renders = []
    real = pygal.graph.public.PublicApi.render

    def counted(self, **options):
        renders.append(1)
        return real(self, **options)

    monkeypatch.setattr(pygal.graph.public.PublicApi, "render", counted)
    args = (["Well led", "Safe practice"], [Decimal("1.0"), None], [Decimal("2.5"), None], [Decimal("4.0"), None])
    first = spread(*args, "Kept spread", "Kept spread, described")
    second = spread(*args, "Kept spread", "Kept spread, described")
    assert len(renders) == 1
    ids = [re.search(r'id="chart-([0-9a-f-]{36})"', svg).group(1) for svg in (first, second)]
    assert ids[0] != ids[1], "two copies on one page must not share an id"
    assert second == first.replace(ids[0], ids[1])
    assert_self_contained(second, "Kept spread", "Kept spread, described")
    # Other figures, even the same value written differently (printed differently), are drawn anew.
    spread(args[0], [Decimal("1.00"), None], *args[2:], "Kept spread", "Kept spread, described")
    spread(*args, "Kept spread", "Another description")
    assert len(renders) == 3
    assert len(charts._drawn) <= charts.DRAWN_KEPT
