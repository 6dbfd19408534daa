"""Inline SVG charts of the WFM page: the attached forecast, and the requirement against
scheduled coverage. Self-contained (no script, no network); text is escaped."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

WIDTH, HEIGHT, PAD = 1100, 300, 44


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def _frame(title: str, legend: str, top: float, body: str, ticks: str) -> str:
    y_ticks = "".join(
        f'<text x="{PAD - 6}" y="{HEIGHT - PAD - (HEIGHT - 2 * PAD) * k / 4 + 4:.1f}" '
        f'text-anchor="end" font-size="11">{top * k / 4:.0f}</text>' for k in range(5))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="100%" font-family="system-ui, sans-serif" role="img" '
            f'aria-label="{html.escape(title)}">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text x="{PAD}" y="18" font-size="14">{html.escape(title)}</text>'
            f'<text x="{WIDTH - PAD}" y="18" font-size="11" text-anchor="end">'
            f'{html.escape(legend)}</text>{y_ticks}{ticks}{body}</svg>')


def _day_ticks(start: datetime, slots: int, slot_minutes: int,
               x: Callable[[int], float]) -> str:
    """A tick and a date label at each local midnight."""
    out = []
    step = timedelta(minutes=slot_minutes)
    for i in range(slots + 1):
        t = start + i * step
        if t.hour == 0 and t.minute == 0:
            xx = x(i)
            out.append(f'<line x1="{xx:.1f}" y1="{PAD}" x2="{xx:.1f}" y2="{HEIGHT - PAD}" '
                       f'stroke="#eee"/>')
            if i < slots:
                out.append(f'<text x="{xx + 2:.1f}" y="{HEIGHT - PAD + 14}" font-size="10">'
                           f'{t:%d.%m}</text>')
    return "".join(out)


def empty_svg(message: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 60" width="100%" '
            f'font-family="system-ui, sans-serif" role="img" '
            f'aria-label="{html.escape(message)}"><text x="{PAD}" y="34" '
            f'font-size="14" fill="#6b7385">{html.escape(message)}</text></svg>')


def forecast_svg(points: Sequence[tuple[datetime, float, float, float]], *, title: str,
                 legend: str) -> str:
    """``(interval_start, forecast, lo, hi)`` oldest first: the forecast line and band."""
    if not points:
        return empty_svg(title)
    n = len(points)
    top = max([p[3] for p in points] + [p[1] for p in points] + [1.0])
    slot_minutes = (round((points[1][0] - points[0][0]).total_seconds() / 60)
                    if n > 1 else 15)

    def xy(i: int, v: float) -> tuple[float, float]:
        return (PAD + (WIDTH - 2 * PAD) * i / max(n - 1, 1),
                HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top)

    band = [xy(i, p[3]) for i, p in enumerate(points)] + [
        xy(i, points[i][2]) for i in range(n - 1, -1, -1)]
    body = (f'<path d="{_path(band)} Z" fill="#9ec5ff" fill-opacity="0.5" stroke="none"/>'
            f'<path d="{_path([xy(i, p[1]) for i, p in enumerate(points)])}" fill="none" '
            f'stroke="#1a5fd0" stroke-width="1.3"/>')
    return _frame(title, legend, top, body,
                  _day_ticks(points[0][0], n, slot_minutes, lambda i: xy(i, 0)[0]))


def coverage_svg(start: datetime, interval_minutes: int, need: Sequence[int],
                 scheduled: Sequence[int], *, title: str, legend: str,
                 served: Sequence[int] | None = None) -> str:
    """Requirement (dark step line) against scheduled agents (blue area); the shortfall
    is shaded red: from the requirement down to ``served`` (the agents who count
    towards it per skill, when given: with several skills an interval can have enough
    agents in all and still be short of one skill) or else to ``scheduled``."""
    n = len(need)
    if n == 0:
        return empty_svg(title)
    top = float(max([*need, *scheduled, 1]))

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * i / n

    def y(v: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    def steps(values: Sequence[int]) -> list[tuple[float, float]]:
        pts: list[tuple[float, float]] = []
        for i, v in enumerate(values):
            pts += [(x(i), y(v)), (x(i + 1), y(v))]
        return pts

    area = [(x(0), y(0)), *steps(scheduled), (x(n), y(0))]
    counted = scheduled if served is None else served
    short = "".join(
        f'<rect x="{x(i):.1f}" y="{y(need[i]):.1f}" width="{x(i + 1) - x(i):.2f}" '
        f'height="{y(counted[i]) - y(need[i]):.1f}" fill="#d0021b" fill-opacity="0.35"/>'
        for i in range(n) if counted[i] < need[i])
    body = (f'<path d="{_path(area)} Z" fill="#9ec5ff" fill-opacity="0.6" stroke="none"/>'
            f'{short}<path d="{_path(steps(need))}" fill="none" stroke="#1d2330" '
            f'stroke-width="1.2"/>')
    return _frame(title, legend, top, body, _day_ticks(start, n, interval_minutes, x))
