"""Requirement against scheduled coverage: a self-contained inline SVG (no script)."""

from __future__ import annotations

import html
from datetime import date, timedelta

from helpline.wfm.schedule.coverage import Coverage

WIDTH, HEIGHT, PAD = 1100, 320, 48


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def coverage_svg(cov: Coverage, start: date, interval_minutes: int, title: str = "") -> str:
    """Steps of the requirement (dark) and of the agents present (green), shortfalls red."""
    need = cov.need_total.tolist()
    served = (cov.need_total - cov.under).tolist()
    present = cov.present.tolist()
    n = len(need)
    top = max([*need, *present, 1])

    def xy(i: float, v: float) -> tuple[float, float]:
        return (PAD + (WIDTH - 2 * PAD) * i / max(n, 1),
                HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top)

    def steps(values: list[int]) -> str:
        pts: list[tuple[float, float]] = []
        for i, v in enumerate(values):
            pts += [xy(i, v), xy(i + 1, v)]
        return _path(pts)

    short = "".join(
        f'<rect x="{xy(i, 0)[0]:.1f}" y="{xy(i, need[i])[1]:.1f}" '
        f'width="{max(xy(i + 1, 0)[0] - xy(i, 0)[0], 0.8):.1f}" '
        f'height="{xy(i, served[i])[1] - xy(i, need[i])[1]:.1f}" fill="#d33"/>'
        for i in range(n) if served[i] < need[i])
    per_day = 1440 // interval_minutes
    days = "".join(
        f'<line x1="{xy(d * per_day, 0)[0]:.1f}" y1="{PAD}" x2="{xy(d * per_day, 0)[0]:.1f}" '
        f'y2="{HEIGHT - PAD}" stroke="#ddd"/>'
        f'<text x="{xy(d * per_day, 0)[0] + 3:.1f}" y="{HEIGHT - PAD + 14}" font-size="10">'
        f'{(start + timedelta(days=d)).strftime("%d.%m")}</text>'
        for d in range(n // per_day + (n % per_day > 0)))
    ticks = "".join(
        f'<text x="{PAD - 6}" y="{xy(0, top * k / 4)[1]:.1f}" text-anchor="end" '
        f'font-size="11">{top * k / 4:.0f}</text>' for k in range(5))
    s = cov.summary()
    label = html.escape(title or (
        f"Requirement vs scheduled: {100 * s['covered_share']:.1f}% of intervals covered, "
        f"deficit {100 * s['deficit_share']:.2f}%, over {100 * s['over_share']:.1f}%"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">'
        f'<rect width="100%" height="100%" fill="white"/>{days}{ticks}'
        f'<text x="{PAD}" y="20" font-size="14">{label}</text>'
        f'<path d="{steps(present)}" fill="none" stroke="#2a9d3a" stroke-width="1.2"/>'
        f'<path d="{steps(need)}" fill="none" stroke="#222" stroke-width="1"/>{short}'
        f'<text x="{WIDTH - PAD}" y="20" font-size="11" text-anchor="end">'
        f'black: required agents, green: scheduled (not on break), red: short</text></svg>')


def coverage_html(cov: Coverage, start: date, interval_minutes: int) -> str:
    return ('<!doctype html><html><head><meta charset="utf-8"><title>Helpline schedule '
            'coverage</title></head><body style="font-family:sans-serif">'
            f"{coverage_svg(cov, start, interval_minutes)}</body></html>")
