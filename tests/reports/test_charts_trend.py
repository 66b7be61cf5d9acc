import re
from decimal import Decimal

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
