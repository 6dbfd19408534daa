"""`helpline wfm publish`: store a schedule file (and a forecast) so operators and the WFM
page see it.

The schedule is the JSON ``helpline wfm schedule --out`` writes
(:mod:`helpline.wfm.schedule.json_format`); operator ids are agent ids or usernames. The
forecast is the CSV ``helpline wfm forecast --out`` writes (``interval_start`` with its
UTC offset, ``forecast``, optional ``lo`` and ``hi``). Everything is written in one
transaction: on any error nothing is stored.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from helpline.cli_support import container_from_env
from helpline.domain.errors import HelplineError, ValidationFailed
from helpline.services.wfm_schedules import ForecastPoint
from helpline.wfm.schedule.json_format import schedule_from_dict
from helpline.wfm.schedule.model import Schedule

console = Console(soft_wrap=True)


def read_schedule(path: Path) -> Schedule:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationFailed(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ValidationFailed(f"{path} is not JSON: {error.msg} (line {error.lineno})"
                               ) from error
    if not isinstance(data, dict) or "problem" not in data or "shifts" not in data:
        raise ValidationFailed(f"{path} is not a schedule file (needs 'problem' and 'shifts')")
    return schedule_from_dict(data)


def read_forecast(path: Path) -> list[ForecastPoint]:
    """Rows of ``interval_start,forecast[,lo,hi]``; ``lo``/``hi`` default to the forecast."""
    points: list[ForecastPoint] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"interval_start", "forecast"} - set(reader.fieldnames or [])
            if missing:
                raise ValidationFailed(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                try:
                    at = datetime.fromisoformat(row["interval_start"])
                    value = float(row["forecast"])
                    lo = float(row.get("lo") or value)
                    hi = float(row.get("hi") or value)
                except (TypeError, ValueError) as error:
                    raise ValidationFailed(f"{path}, line {line}: {error}") from error
                if at.tzinfo is None:
                    raise ValidationFailed(f"{path}, line {line}: interval_start needs its UTC "
                                           "offset (e.g. 2026-03-02T08:00:00+03:00)")
                if not all(math.isfinite(v) for v in (value, lo, hi)):
                    raise ValidationFailed(f"{path}, line {line}: values must be finite")
                points.append(ForecastPoint(at, value, lo, hi))
    except OSError as error:
        raise ValidationFailed(f"cannot read {path}: {error.strerror}") from error
    return points


def publish_command(
    schedule: Path = typer.Option(..., "--schedule", help="schedule JSON (helpline wfm "
                                  "schedule --out)"),
    forecast: Path | None = typer.Option(None, "--forecast", help="forecast CSV (helpline "
                                         "wfm forecast --out) for the WFM page's chart"),
    name: str | None = typer.Option(None, "--name", help="shown on the WFM page"),
    draft: bool = typer.Option(False, "--draft", help="store without publishing (publish "
                               "later on the WFM page)"),
    replace: bool = typer.Option(False, "--replace", help="supersede published schedules "
                                 "that share a day with this one"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Publish a schedule for the operators (one transaction; refuses unknown operators)."""
    from helpline.services import wfm_schedules

    try:
        loaded = read_schedule(schedule)
        points = read_forecast(forecast) if forecast is not None else []
    except HelplineError as error:
        console.print(f"[red]{error.error_id}: {escape(error.message)}[/red]")
        raise typer.Exit(1) from error
    with container_from_env(console, show_details=True) as container:
        done = wfm_schedules.publish(container.ctx, loaded, name=name or "", forecast=points,
                                     draft=draft, replace_published=replace)
    if as_json:
        print(json.dumps(done.to_json()))
        return
    replaced = (f"; superseded {', '.join(f'#{i}' for i in done.superseded)}"
                if done.superseded else "")
    console.print(f"schedule #{done.schedule_id} {done.status}: {done.shifts} shifts of "
                  f"{done.operators} operators, {done.forecast_points} forecast intervals"
                  f"{replaced}"
                  + (f"; {done.evening_before_dropped} night shifts starting the evening "
                     "before the first day not stored (they belong to the previous period)"
                     if done.evening_before_dropped else ""))
