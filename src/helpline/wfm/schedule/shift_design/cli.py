"""``helpline wfm shift-design``: solve one ``.dzn`` shift-design instance and bound it.

Prints the chosen shifts, the objective and its components, CP-SAT's bound, our LP bound
(:mod:`bound`) and the gap. The objective is recomputed by the independent evaluator
(:mod:`evaluate`) and the command fails loudly if the two disagree.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from helpline.wfm.schedule.shift_design.bound import lp_lower_bound
from helpline.wfm.schedule.shift_design.dzn_format import (
    DznFormatError,
    ShiftDesignInstance,
    load_dzn,
)
from helpline.wfm.schedule.shift_design.evaluate import ShiftDesignError, Variant, evaluate
from helpline.wfm.schedule.shift_design.model import solve_shift_design

#: Relative tolerance when the evaluator re-checks the model's objective.
AGREEMENT_TOLERANCE = 1e-9


class VariantOption(StrEnum):
    weighted = "weighted"
    bounded = "bounded"


def shift_design_command(
    instance: Annotated[Path, typer.Argument(help="A shift-design .dzn file.")],
    time_limit: Annotated[float, typer.Option("--time-limit",
                                              help="CP-SAT time limit, s.")] = 30,
    workers: Annotated[int, typer.Option(help="CP-SAT worker threads.")] = 8,
    variant: Annotated[VariantOption, typer.Option(
        help="weighted: minimum shift design objective (over, under, shifts, duties); "
             "bounded: full cover and maxDuties hard, over-cover and shifts minimised.",
    )] = VariantOption.weighted,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Design shifts for a week of demand (minimum shift design) with CP-SAT."""
    try:
        data = load_dzn(instance)
        report = shift_design_report(data, time_limit_seconds=time_limit, workers=workers,
                                     variant="bounded" if variant == VariantOption.bounded
                                     else "weighted")
    except (DznFormatError, ShiftDesignError) as error:
        typer.echo(f"{error.error_id}: {error.message}", err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    console = Console(soft_wrap=True)
    summary = Table(title=f"Shift design {report['instance']} ({report['variant']})")
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    for key, value in report.items():
        if key != "shifts":
            summary.add_row(key, _fmt(value))
    console.print(summary)
    shifts = Table(title="Shifts (workers per day)")
    shifts.add_column("start")
    shifts.add_column("length")
    for day in range(data.days):
        shifts.add_column(f"day {day + 1}", justify="right")
    for row in report["shifts"]:
        shifts.add_row(row["start"], row["length"], *(str(w) for w in row["workers_per_day"]))
    console.print(shifts)


def shift_design_report(instance: ShiftDesignInstance, *, time_limit_seconds: float,
                        workers: int, variant: Variant = "weighted") -> dict[str, Any]:
    """Solve, bound and re-evaluate ``instance``; one flat dict (plus ``shifts``)."""
    result = solve_shift_design(instance, time_limit_seconds=time_limit_seconds,
                                workers=workers, variant=variant)
    check = evaluate(instance, result.shifts)
    if result.objective is not None and not math.isclose(
            check.objective(variant), result.objective, rel_tol=AGREEMENT_TOLERANCE,
            abs_tol=AGREEMENT_TOLERANCE):
        raise ShiftDesignError(f"{instance.name}: evaluator objective "
                               f"{check.objective(variant)} != model {result.objective}")
    lp = lp_lower_bound(instance, variant, upper_bound=result.objective)
    objective = result.objective
    bounds = [b for b in (result.cpsat_bound, lp.bound) if b is not None and math.isfinite(b)]
    minutes = instance.interval_minutes
    return {
        "instance": instance.name, "variant": variant, "interval_minutes": minutes,
        "slots_per_week": instance.slots_per_week,
        "demand_worker_hours": instance.demand_worker_minutes / 60,
        "status": result.status, "objective": objective,
        "over_cover_minutes": result.over_cover_minutes,
        "under_cover_minutes": result.under_cover_minutes,
        "shift_count": result.shift_count, "duty_deviation": result.duty_deviation,
        "duties_per_week": result.duties_per_week, "cpsat_bound": result.cpsat_bound,
        "lp_bound": lp.bound, "lp_value": lp.lp_value,
        "gap_to_lp_bound_percent": _gap(objective, lp.bound),
        "gap_to_best_bound_percent": _gap(objective, max(bounds) if bounds else None),
        "solve_seconds": round(result.wall_seconds, 3), "lp_seconds": round(lp.wall_seconds, 3),
        "cpsat_phases": result.phases,
        "shifts": [{"start": _clock(s.start_slot * minutes),
                    "length": _duration(s.length_slots * minutes),
                    "start_slot": s.start_slot, "length_slots": s.length_slots,
                    "workers_per_day": list(s.workers_per_day)} for s in result.shifts],
    }


def _gap(objective: float | None, bound: float | None) -> float | None:
    """``(objective - bound) / objective`` in percent (0 when both are 0)."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    if objective == 0:
        return 0.0
    return round(100 * max(0.0, objective - bound) / objective, 3)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _duration(minutes: int) -> str:
    return f"{minutes // 60}h{minutes % 60:02d}"


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return str(value)
