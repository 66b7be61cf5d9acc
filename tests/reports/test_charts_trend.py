import re
from decimal import Decimal

import pytest
from pygal.util import text_len

from reports.charts import radar, trend


def test_trend_chart_over_several_years_is_a_self_contained_svg():
    svg = trend(["2023/24", "2024/25", "2025/26"], [Decimal("2.1"), Decimal("2.4"), Decimal("2.8")], "Trend", "Overall")
    assert svg.lstrip().startswith("<svg") and "<title" in svg
    assert "<script" not in svg
    # Nothing a renderer could fetch: no external href/src and no url() to another host or file.
    assert not re.search(r"""(href|src)\s*=\s*["'](https?:|file:|//)""", svg)
    assert not re.search(r"url\(\s*['\"]?(https?:|file:|//)", svg)


def test_radar_chart_is_a_self_contained_svg():
    from reports.charts import Series

    labels = ["A", "B", "C", "D", "E", "F", "G"]
    svg = radar(labels, [Series("Us", [Decimal(2)] * 7)], "Radar", "Seven measures")
    assert "<script" not in svg


LONG_NAMES = [
    "The Robert Jones and Agnes Hunt Orthopaedic Hospital NHS Foundation Trust",
    "Median: Trusts in NHS Bath and North East Somerset, Swindon and Wiltshire Integrated Care Board",
    "Median: Trusts whose main care setting is acute",
    "Median: All trusts in England",
]


TEXT = re.compile(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<')


def _texts(svg: str) -> list[tuple[float, float, str]]:
    return [(float(x), float(y), text) for x, y, text in TEXT.findall(svg)]


@pytest.mark.parametrize(
    "names",
    [LONG_NAMES[:1], LONG_NAMES[:2], LONG_NAMES[:3], LONG_NAMES, ["Trust A", "Median: All trusts in England"]],
    ids=["one", "two", "three", "four", "two short"],
)
def test_radar_legend_and_measure_names_are_never_cut_short(names):
    from reports.charts import STYLE, Series

    labels = ["A measure name well over twenty-five characters", "B", "C", "D", "E", "F", "G"]
    svg = radar(labels, [Series(name, [Decimal(2)] * 7) for name in names], "Radar", "Seven measures")

    assert "…" not in svg
    texts = _texts(svg)
    assert {text for _, _, text in texts} >= {*names, labels[0]}  # in full as visible text, not only a tooltip
    # Every legend entry fits inside the chart, beside the next one, by pygal's own estimate of width.
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    left, top = (float(v) for v in re.search(r'translate\(([\d.]+), ([\d.]+)\)" class="legends"', svg).groups())
    entries = sorted((y, x, text) for x, y, text in texts if text in names)
    for index, (y, x, text) in enumerate(entries):
        end = left + x + text_len(len(text), STYLE.legend_font_size)
        following = entries[index + 1] if index + 1 < len(entries) else None
        if following and following[0] == y:  # the next entry on the same row
            assert end <= left + following[1] - 17, text
        assert end <= width and top + y <= height, text
