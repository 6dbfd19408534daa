"""The WFM page's SVG charts: shortfall shading, escaping, empty input."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from helpline.wfm.page_charts import coverage_svg, forecast_svg
from helpline.wfm.schedule import chart as schedule_chart
from helpline.wfm.schedule.coverage import Coverage

START = datetime(2026, 3, 2, tzinfo=ZoneInfo("Europe/Moscow"))


def test_coverage_chart_shades_each_short_interval() -> None:
    svg = coverage_svg(START, 60, [0, 2, 2, 1], [1, 1, 2, 0], title="<b>cov</b>", legend="l")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('fill="#d0021b"') == 2  # intervals 1 and 3 are short
    assert "&lt;b&gt;cov&lt;/b&gt;" in svg and "<b>" not in svg and "<script" not in svg
    assert ">02.03<" in svg  # the day label at local midnight


def test_coverage_chart_shades_what_the_skills_miss_when_served_is_given() -> None:
    # Interval 0: three agents present for two wanted, but only one has the skill.
    svg = coverage_svg(START, 60, [2, 2], [3, 2], served=[1, 2], title="t", legend="l")
    assert svg.count('fill="#d0021b"') == 1
    assert coverage_svg(START, 60, [2, 2], [3, 2], title="t",
                        legend="l").count('fill="#d0021b"') == 0


def test_schedule_chart_draws_a_coverage_with_its_summary() -> None:
    # Two hours of one skill: 2 wanted, one agent the first hour, two the second.
    cov = Coverage({"calls": np.array([2, 2])}, {"calls": np.array([1, 2])},
                   np.array([1, 2]), np.array([0, 0]))
    svg = schedule_chart.coverage_svg(cov, date(2026, 3, 2), 60)
    assert svg.count('fill="#d0021b"') == 1  # the first hour is one agent short
    assert "50.0% of intervals covered" in svg and ">02.03<" in svg
    assert schedule_chart.coverage_html(cov, date(2026, 3, 2), 60).count("<svg") == 1


def test_forecast_chart_and_empty_input() -> None:
    points = [(START + timedelta(minutes=15 * i), float(i), max(0.0, i - 1.0), i + 1.0)
              for i in range(8)]
    svg = forecast_svg(points, title="F", legend="L")
    assert svg.count("<path") == 2
    empty = forecast_svg([], title="No forecast", legend="L")
    assert "No forecast" in empty and "<path" not in empty
