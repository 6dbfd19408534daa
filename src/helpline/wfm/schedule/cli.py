"""`helpline wfm schedule`: named schedules from a requirements CSV and an operators file."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from helpline.domain.errors import HelplineError, ValidationFailed
from helpline.wfm.schedule.chart import coverage_html, coverage_svg
from helpline.wfm.schedule.checker import check_schedule
from helpline.wfm.schedule.contracts import STANDARD_CONTRACTS
from helpline.wfm.schedule.coverage import coverage
from helpline.wfm.schedule.json_format import (
    contract_from_dict,
    operator_from_dict,
    schedule_to_dict,
)
from helpline.wfm.schedule.model import Problem, Schedule, Weights, check_problem
from helpline.wfm.schedule.solver import default_workers, solve
from helpline.wfm.schedule.summary import schedule_summary


def read_requirements(path: Path, column: str) -> tuple[date, int, dict[str, list[int]]]:
    """Start date, interval minutes and need per skill from `helpline wfm staff` CSVs
    (several skills may be concatenated in one file)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"interval_start", column} <= set(rows[0]):
        raise ValidationFailed(f"{path}: needs columns interval_start and {column}")
    per_skill: dict[str, dict[datetime, int]] = defaultdict(dict)
    try:
        for r in rows:
            skill = (r.get("skill") or r.get("queue") or "default").strip()
            per_skill[skill][datetime.fromisoformat(r["interval_start"])] = \
                int(float(r[column]))
    except ValueError as error:
        raise ValidationFailed(f"{path}: {error}") from error
    times = sorted({t for v in per_skill.values() for t in v})
    step = int((times[1] - times[0]).total_seconds() // 60) if len(times) > 1 else 15
    first = times[0]
    if first.hour or first.minute:
        raise ValidationFailed(f"{path}: the requirement must start at midnight")
    slots = 1440 // step
    days = -(-len(times) // slots)
    need = {}
    for skill, values in per_skill.items():
        row = [0] * (days * slots)
        for t, v in values.items():
            k = int((t - first).total_seconds() // 60) // step
            if 0 <= k < len(row):
                row[k] = max(v, 0)
        need[skill] = row
    return first.date(), step, need


def load_problem(requirements: Path, operators: Path, column: str, repeat_weeks: int,
                 timezone: str | None, weights: Weights) -> Problem:
    start, step, need = read_requirements(requirements, column)
    try:
        data = json.loads(operators.read_text(encoding="utf-8"))
        contracts = dict(STANDARD_CONTRACTS)
        for c in data.get("contracts", []):
            contract = contract_from_dict(c)
            contracts[contract.name] = contract
        ops = tuple(operator_from_dict(o) for o in data["operators"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValidationFailed(f"{operators}: {error!r}") from error
    days = len(next(iter(need.values()))) * step // 1440
    if repeat_weeks > 1:
        if days != 7:
            raise ValidationFailed("--repeat-weeks needs a requirement of exactly 7 days")
        need = {s: v * repeat_weeks for s, v in need.items()}
        days *= repeat_weeks
    problem = Problem(start, days, step, need, contracts, ops, weights,
                      timezone or str(data.get("timezone", "UTC")))
    check_problem(problem)
    return problem


def write_shifts_csv(schedule: Schedule, path: Path) -> None:
    p = schedule.problem
    names = {o.id: o.name for o in p.operators}
    with path.open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["operator_id", "name", "day", "start", "end", "breaks"])
        for s in sorted(schedule.shifts, key=lambda x: (x.operator_id, x.start_minute)):
            breaks = " ".join(f"{p.at(b.start_minute).strftime('%H:%M')}+{b.minutes}"
                              for b in s.breaks)
            w.writerow([s.operator_id, names[s.operator_id], p.day_date(s.day).isoformat(),
                        p.at(s.start_minute).isoformat(), p.at(s.end_minute).isoformat(),
                        breaks])


def schedule_command(
    requirements: Annotated[Path, typer.Option(help="CSV from `helpline wfm staff`")],
    operators: Annotated[Path, typer.Option(help="JSON: operators (and contracts)")],
    out: Annotated[Path | None, typer.Option(help="schedule JSON to write")] = None,
    shifts_csv: Annotated[Path | None, typer.Option("--csv", help="shifts CSV")] = None,
    chart: Annotated[Path | None, typer.Option(help=".html or .svg coverage chart")] = None,
    need: Annotated[str, typer.Option(help="agents (breaks are placed) or staff")] = "agents",
    repeat_weeks: Annotated[int, typer.Option(help="tile a 7-day requirement")] = 1,
    timezone: Annotated[str | None, typer.Option(help="IANA zone of the times")] = None,
    time_limit: Annotated[float, typer.Option(help="seconds for the solver")] = 60.0,
    workers: Annotated[int, typer.Option(help="CP-SAT workers (0 = cores)")] = 0,
    margin: Annotated[float, typer.Option(help="planning margin for breaks, 0..0.2")] = 0.015,
    pick: Annotated[bool, typer.Option(help="use only the operators needed")] = False,
    under_weight: Annotated[int, typer.Option(help="per missing agent-interval")] = 100,
    over_weight: Annotated[int, typer.Option(help="per idle agent-interval")] = 1,
    preference_weight: Annotated[int, typer.Option(help="per broken wish")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary")] = False,
) -> None:
    """Schedule every operator (pattern, start times, breaks) against the requirement;
    report coverage, rule violations (an independent check) and the distance from the
    bound."""
    if need not in ("agents", "staff"):
        raise typer.BadParameter("need must be agents or staff")
    if not 0 <= margin <= 0.2:
        raise typer.BadParameter("margin must be 0..0.2")
    try:
        problem = load_problem(requirements, operators, need, repeat_weeks, timezone,
                               Weights(under_weight, over_weight, preference_weight))
        schedule = solve(problem, time_limit, workers or default_workers(),
                         staff_all=not pick, margin=margin)
    except HelplineError as error:
        typer.echo(f"error: {error.message} {error.details}", err=True)
        raise typer.Exit(2) from error
    except RuntimeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(3) from error
    if out:
        out.write_text(json.dumps(schedule_to_dict(schedule)), encoding="utf-8")
    if shifts_csv:
        write_shifts_csv(schedule, shifts_csv)
    summary = schedule_summary(schedule, len(check_schedule(schedule)))
    if chart:
        cov = coverage(schedule.shifts, {o.id: o.skills for o in problem.operators},
                       problem.requirement, problem.interval_minutes)
        if chart.suffix.lower() == ".svg":
            chart.write_text(coverage_svg(cov, problem.start, problem.interval_minutes),
                             encoding="utf-8")
        else:
            chart.write_text(coverage_html(cov, problem.start, problem.interval_minutes),
                             encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(", ".join(f"{k} {v}" for k, v in summary.items()))
    if summary["violations"]:
        raise typer.Exit(4)
