"""The WFM page's SVG charts: shortfall shading, escaping, empty input."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from helpline.wfm.page_charts import coverage_svg, forecast_svg

START = datetime(2026, 3, 2, tzinfo=ZoneInfo("Europe/Moscow"))


def test_coverage_chart_shades_each_short_interval() -> None:
    svg = coverage_svg(START, 60, [0, 2, 2, 1], [1, 1, 2, 0], title="<b>cov</b>", legend="l")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('fill="#d0021b"') == 2  # intervals 1 and 3 are short
    assert "&lt;b&gt;cov&lt;/b&gt;" in svg and "<b>" not in svg and "<script" not in svg
    assert ">02.03<" in svg  # the day label at local midnight


def test_forecast_chart_and_empty_input() -> None:
    points = [(START + timedelta(minutes=15 * i), float(i), max(0.0, i - 1.0), i + 1.0)
              for i in range(8)]
    svg = forecast_svg(points, title="F", legend="L")
    assert svg.count("<path") == 2
    empty = forecast_svg([], title="No forecast", legend="L")
    assert "No forecast" in empty and "<path" not in empty
