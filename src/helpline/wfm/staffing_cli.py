"""`helpline wfm staff`: requirements per interval from a forecast CSV."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import typer

from helpline.domain.errors import HelplineError
from helpline.wfm.staffing import Target, requirements

COLUMNS = ["interval_start", "queue", "skill", "channel", "volume", "aht_seconds", "agents",
           "staff", "service_level", "model"]


def read_forecast(path: Path, column: str) -> tuple[list[str], list[float], list[float], float]:
    """Interval starts, volumes (``column``: forecast or hi), AHT and interval seconds from
    the CSV that ``helpline wfm forecast`` writes."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise typer.BadParameter(f"{path}: no intervals")
    missing = {"interval_start", column, "aht"} - set(rows[0])
    if missing:
        raise typer.BadParameter(f"{path}: missing columns {sorted(missing)}")
    try:
        starts = [r["interval_start"] for r in rows]
        volume = [max(0.0, float(r[column])) for r in rows]
        aht = [float(r["aht"]) for r in rows]
        times = [datetime.fromisoformat(s) for s in starts[:2]]
    except ValueError as error:
        raise typer.BadParameter(f"{path}: {error}") from error
    interval = (times[1] - times[0]).total_seconds() if len(times) == 2 else 900.0
    if interval <= 0:
        raise typer.BadParameter(f"{path}: intervals must be in time order")
    return starts, volume, aht, interval


def staff_command(
    out: Annotated[Path, typer.Option(help="requirements CSV to write")],
    forecast: Annotated[Path | None, typer.Option(
        help="CSV written by `helpline wfm forecast`")] = None,
    plan: Annotated[Path | None, typer.Option(
        help="JSON list of queues: forecast, queue, skill, channel and targets")] = None,
    queue: Annotated[str, typer.Option(help="queue the forecast is for")] = "mobile",
    skill: Annotated[str, typer.Option(help="skill the queue needs")] = "",
    channel: Annotated[str, typer.Option(help="call or chat")] = "call",
    target_sl: Annotated[float, typer.Option(help="e.g. 0.9")] = 0.9,
    target_seconds: Annotated[float, typer.Option(help="answered within, s")] = 180.0,
    shrinkage: Annotated[float, typer.Option(help="0..1")] = 0.0,
    max_occupancy: Annotated[float, typer.Option(help="0..1")] = 1.0,
    patience_seconds: Annotated[float | None, typer.Option(help="calls: Erlang A")] = None,
    max_abandon: Annotated[float | None, typer.Option(help="with patience")] = None,
    chats_per_agent: Annotated[int, typer.Option(help="chat concurrency")] = 3,
    handle_time_growth: Annotated[float, typer.Option(help="chat slowdown")] = 0.0,
    volume: Annotated[str, typer.Option(help="forecast (point) or hi (upper bound)")] = (
        "forecast"),
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary")] = False,
) -> None:
    """Agents and staff needed per interval for one queue and skill (``--forecast``), or
    for every queue of a plan file (``--plan``); write one CSV."""
    if (forecast is None) == (plan is None):
        raise typer.BadParameter("give either --forecast or --plan")
    defaults = {"channel": channel, "target_sl": target_sl, "target_seconds": target_seconds,
                "shrinkage": shrinkage, "max_occupancy": max_occupancy,
                "patience_seconds": patience_seconds, "max_abandon": max_abandon,
                "chats_per_agent": chats_per_agent, "handle_time_growth": handle_time_growth,
                "volume": volume}
    if plan is not None:
        try:
            entries = json.loads(plan.read_text(encoding="utf-8"))
            if not isinstance(entries, list) or not entries:
                raise ValueError("the plan must be a non-empty JSON list")
            queues = [{**defaults, **e, "forecast": plan.parent / str(e["forecast"])}
                      for e in entries]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise typer.BadParameter(f"{plan}: {error}") from error
    else:
        queues = [{**defaults, "forecast": forecast, "queue": queue, "skill": skill}]
    rows: list[list[object]] = []
    peaks: dict[str, int] = {}
    agents_total = staff_total = 0.0
    for q in queues:
        ch = str(q["channel"])
        if ch not in ("call", "chat"):
            raise typer.BadParameter("channel must be call or chat")
        if q["volume"] not in ("forecast", "hi"):
            raise typer.BadParameter("volume must be forecast or hi")
        starts, counts, aht, interval = read_forecast(Path(q["forecast"]), str(q["volume"]))
        target = Target(float(q["target_sl"]), float(q["target_seconds"]),
                        float(q["shrinkage"]), float(q["max_occupancy"]),
                        None if q["patience_seconds"] is None else float(q["patience_seconds"]),
                        None if q["max_abandon"] is None else float(q["max_abandon"]),
                        int(q["chats_per_agent"]), float(q["handle_time_growth"]))
        kind: Literal["call", "chat"] = "chat" if ch == "chat" else "call"
        try:
            need = requirements(kind, np.asarray(counts), np.asarray(aht), interval, target)
        except HelplineError as error:
            typer.echo(f"error: {error.message} {error.details}", err=True)
            raise typer.Exit(2) from error
        name = str(q.get("queue") or "mobile")
        sk = str(q.get("skill") or name)
        for i, start in enumerate(starts):
            rows.append([start, name, sk, ch, f"{counts[i]:.3f}", f"{aht[i]:.1f}",
                         int(need.agents[i]), int(need.staff[i]),
                         f"{float(need.service_level[i]):.4f}", need.model])
        peaks[f"{name}/{sk}"] = int(need.agents.max())
        agents_total += float(need.agents.sum()) * interval / 3600
        staff_total += float(need.staff.sum()) * interval / 3600
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    summary = {"intervals": len(rows), "queues": len(queues), "peak_agents": peaks,
               "agent_hours": round(agents_total, 1), "staff_hours": round(staff_total, 1),
               "out": str(out)}
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(", ".join(f"{k} {v}" for k, v in summary.items()))
