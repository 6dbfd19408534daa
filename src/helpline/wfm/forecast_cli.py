"""`helpline wfm forecast`: backtest the models, pick the best, write the forecast CSV."""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from helpline.domain.errors import HelplineError
from helpline.wfm.forecast import ForecastResult, forecast
from helpline.wfm.forecast_calendar import read_calendar
from helpline.wfm.forecast_chart import write_chart
from helpline.wfm.forecast_data import (
    ForecastDataError,
    IntervalSeries,
    read_counts_csv,
    read_event_log,
)

EVENTS = "events"


def parse_days(text: str) -> int:
    """``14d`` / ``2w`` / ``14`` -> days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text.lower())
    if not match or int(match.group(1)) < 1:
        raise typer.BadParameter(f"{text!r}: use days like 14d or weeks like 2w")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def parse_interval(text: str) -> int:
    """``15m`` / ``30m`` -> minutes."""
    value = text.lower().removesuffix("min").removesuffix("m")
    if value not in ("15", "30"):
        raise typer.BadParameter("interval must be 15m or 30m")
    return int(value)


def write_forecast_csv(path: str | Path, result: ForecastResult) -> None:
    """Columns: interval_start (ISO, with offset), model, forecast, lo, hi, aht (s)."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["interval_start", "model", "forecast", "lo", "hi", "aht"])
        for p in result.points:
            writer.writerow([p.start.isoformat(), result.model, f"{p.forecast:.3f}",
                             f"{p.lo:.3f}", f"{p.hi:.3f}",
                             "" if math.isnan(p.aht_seconds) else f"{p.aht_seconds:.1f}"])


def _load_events(queue: str | None, channel: str | None, history_days: int,
                 interval: int, tz: ZoneInfo) -> IntervalSeries:
    from helpline.bootstrap import build
    from helpline.settings import Settings

    container = build(Settings())
    try:
        today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        return read_event_log(container.ctx, since=today - timedelta(days=history_days),
                              until=today, queue_id=queue, channel=channel,
                              interval_minutes=interval, tz=tz)
    finally:
        container.close()


def forecast_command(
    input: str = typer.Option(..., "--input", help="CSV of timestamped counts, or 'events' "
                              "for the event log of HELPLINE_DATABASE_URL"),
    horizon: str = typer.Option("14d", help="days (14d) or weeks (2w) to forecast"),
    out: Path = typer.Option(..., "--out", help="forecast CSV to write"),
    interval: str = typer.Option("15m", help="15m or 30m"),
    chart: Path | None = typer.Option(None, help="chart file: .html, .svg or .png"),
    calendar: Path | None = typer.Option(None, help="special days CSV: date,kind,factor,note"),
    level: float = typer.Option(0.8, help="prediction interval coverage (0..1)"),
    backtest_days: int = typer.Option(7, help="rolling origins (days) of the backtest"),
    tz: str = typer.Option("UTC", help="time zone of naive timestamps and of the grid"),
    queue: str | None = typer.Option(None, help="events: one queue only"),
    channel: str | None = typer.Option(None, help="events: one channel only"),
    history: str = typer.Option("8w", help="events: history to read before today"),
    as_json: bool = typer.Option(False, "--json", help="print a JSON summary"),
) -> None:
    """Forecast contacts (and AHT) per interval with the model that backtests best."""
    console = Console(stderr=as_json, soft_wrap=True)
    minutes = parse_interval(interval)
    days = parse_days(horizon)
    zone = ZoneInfo(tz) if tz.upper() != "UTC" else UTC
    try:
        special = read_calendar(calendar) if calendar else []
        if input == EVENTS:
            series = _load_events(queue, channel, parse_days(history), minutes,
                                  ZoneInfo(tz))
        else:
            series = read_counts_csv(input, interval_minutes=minutes, tz=zone)
        with console.status("backtesting models...") as status:
            result = forecast(series, days, special=special, level=level,
                              backtest_origins=backtest_days,
                              progress=lambda msg: status.update(msg))
        write_forecast_csv(out, result)
        if chart is not None:
            write_chart(chart, series, result)
    except (ForecastDataError, HelplineError, OSError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    summary = result.to_dict()
    summary.update({"out": str(out), "chart": str(chart) if chart else None,
                    "history_days": series.days,
                    "dropped_partial_day": series.dropped_partial_day.isoformat()
                    if series.dropped_partial_day else None})
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    console.print(f"history: {series.days} days of {minutes}-min intervals"
                  + (f" (dropped partial last day {series.dropped_partial_day})"
                     if series.dropped_partial_day else ""))
    if result.excluded_days:
        console.print("excluded from training: "
                      + ", ".join(d.isoformat() for d in result.excluded_days))
    console.print(f"backtest: {len(result.backtest.origins)} day-ahead origins")
    for s in result.backtest.scores:
        mark = "  <- chosen" if s.model == result.model else ""
        console.print(f"  {s.model:<15} WAPE {100 * s.wape:6.2f}%  MAPE {100 * s.mape:6.2f}%"
                      f"  x{s.wape_ratio:.3f} of seasonal naive{mark}")
    console.print(f"model: {result.model}; {len(result.points)} intervals, "
                  f"{summary['total_forecast']} contacts -> {out}")
