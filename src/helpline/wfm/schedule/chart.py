"""Requirement against scheduled coverage of a solved schedule, for the CLI: the WFM
page's chart (``wfm.page_charts``) as a standalone SVG or HTML file."""

from __future__ import annotations

from datetime import date, datetime, time

from helpline.wfm.page_charts import coverage_svg as _coverage_chart
from helpline.wfm.schedule.coverage import Coverage

LEGEND = "black: required agents, blue: scheduled (not on break), red: short"


def coverage_svg(cov: Coverage, start: date, interval_minutes: int, title: str = "") -> str:
    """The requirement, the agents present and each interval's shortfall (per skill,
    summed) from ``start`` (local midnight); the title gives the coverage summary."""
    s = cov.summary()
    label = title or (
        f"Requirement vs scheduled: {100 * s['covered_share']:.1f}% of intervals covered, "
        f"deficit {100 * s['deficit_share']:.2f}%, over {100 * s['over_share']:.1f}%")
    need = [int(v) for v in cov.need_total]
    served = [int(v) for v in cov.need_total - cov.under]
    return _coverage_chart(datetime.combine(start, time()), interval_minutes, need,
                           [int(v) for v in cov.present], title=label, legend=LEGEND,
                           served=served)


def coverage_html(cov: Coverage, start: date, interval_minutes: int) -> str:
    return ('<!doctype html><html><head><meta charset="utf-8"><title>Helpline schedule '
            'coverage</title></head><body style="font-family:sans-serif">'
            f"{coverage_svg(cov, start, interval_minutes)}</body></html>")
