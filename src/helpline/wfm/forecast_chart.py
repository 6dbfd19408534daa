"""Chart of history, forecast and prediction interval.

``.html``/``.svg``: a self-contained inline SVG (no dependency, no script, no network).
``.png``: matplotlib, only if it is installed (it is not a dependency of Helpline).
"""

from __future__ import annotations

import html
from pathlib import Path

from helpline.wfm.forecast import ForecastResult
from helpline.wfm.forecast_data import IntervalSeries

WIDTH, HEIGHT, PAD = 1100, 360, 48


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def render_svg(series: IntervalSeries, result: ForecastResult, history_days: int = 14) -> str:
    """An SVG: the last ``history_days`` of history (grey), forecast (blue), band."""
    spd = series.slots_per_day
    n = series.days * spd
    hist = series.counts[max(0, n - history_days * spd):n]
    fc = result.points
    total = len(hist) + len(fc)
    top = max([*hist.tolist(), *(p.hi for p in fc), 1.0])

    def xy(i: int, v: float) -> tuple[float, float]:
        return (PAD + (WIDTH - 2 * PAD) * i / max(total - 1, 1),
                HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top)

    h_line = _path([xy(i, float(v)) for i, v in enumerate(hist)])
    base = len(hist)
    f_line = _path([xy(base + i, p.forecast) for i, p in enumerate(fc)])
    band = ([xy(base + i, p.hi) for i, p in enumerate(fc)]
            + [xy(base + i, p.lo) for i, p in reversed(list(enumerate(fc)))])
    band_path = _path(band) + " Z"
    split_x = xy(base, 0)[0]
    title = html.escape(f"Forecast: {result.model}, {result.interval_minutes}-min intervals, "
                        f"{round(result.level * 100)}% interval")
    ticks = "".join(
        f'<text x="{PAD - 6}" y="{xy(0, top * k / 4)[1]:.1f}" text-anchor="end" '
        f'font-size="11">{top * k / 4:.0f}</text>' for k in range(5))
    first = series.time_at(max(0, n - history_days * spd)).strftime("%Y-%m-%d")
    last = fc[-1].start.strftime("%Y-%m-%d %H:%M") if fc else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}">'
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<text x="{PAD}" y="20" font-size="14">{title}</text>'
        f'{ticks}'
        f'<line x1="{split_x:.1f}" y1="{PAD}" x2="{split_x:.1f}" y2="{HEIGHT - PAD}" '
        f'stroke="#999" stroke-dasharray="4 3"/>'
        f'<path d="{band_path}" fill="#9ec5ff" fill-opacity="0.5" stroke="none"/>'
        f'<path d="{h_line}" fill="none" stroke="#555" stroke-width="1"/>'
        f'<path d="{f_line}" fill="none" stroke="#1a5fd0" stroke-width="1.4"/>'
        f'<text x="{PAD}" y="{HEIGHT - 16}" font-size="11">{first}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 16}" font-size="11" text-anchor="end">'
        f'{html.escape(last)}</text>'
        f'<text x="{WIDTH - PAD}" y="20" font-size="11" text-anchor="end">'
        f'grey: history, blue: forecast, band: prediction interval</text></svg>')


def render_html(series: IntervalSeries, result: ForecastResult) -> str:
    """A self-contained HTML page with the SVG chart and the backtest table."""
    rows = "".join(
        f"<tr><td>{html.escape(s.model)}{' (chosen)' if s.model == result.model else ''}</td>"
        f"<td>{100 * s.wape:.2f}</td><td>{100 * s.mape:.2f}</td><td>{s.wape_ratio:.3f}</td></tr>"
        for s in result.backtest.scores)
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Helpline forecast"
            "</title></head><body style=\"font-family:sans-serif\">"
            f"{render_svg(series, result)}"
            "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\">"
            "<tr><th>model</th><th>WAPE %</th><th>MAPE %</th><th>WAPE / seasonal naive</th>"
            f"</tr>{rows}</table></body></html>")


def write_chart(path: str | Path, series: IntervalSeries, result: ForecastResult) -> None:
    """Write ``.html``, ``.svg`` or ``.png`` (matplotlib needed) by the file's suffix."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".html":
        target.write_text(render_html(series, result), encoding="utf-8")
    elif suffix == ".svg":
        target.write_text(render_svg(series, result), encoding="utf-8")
    elif suffix == ".png":
        _write_png(target, series, result)
    else:
        raise ValueError(f"chart must be .html, .svg or .png, not {suffix or 'no suffix'}")


def _write_png(target: Path, series: IntervalSeries, result: ForecastResult) -> None:
    try:
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        raise ValueError("a .png chart needs matplotlib (not installed): use .html") from error
    spd = series.slots_per_day
    n = series.days * spd
    start = max(0, n - 14 * spd)
    hist_x = [series.time_at(i) for i in range(start, n)]
    fc_x = [p.start for p in result.points]
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.plot(hist_x, series.counts[start:n], color="#555", linewidth=0.8, label="history")
    ax.fill_between(fc_x, [p.lo for p in result.points], [p.hi for p in result.points],
                    color="#9ec5ff", alpha=0.5, label=f"{round(result.level * 100)}% interval")
    ax.plot(fc_x, [p.forecast for p in result.points], color="#1a5fd0", linewidth=1,
            label=f"forecast ({result.model})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    plt.close(fig)
