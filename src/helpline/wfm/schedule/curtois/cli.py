"""``helpline wfm roster-benchmark``: solve one Curtois & Qu ``.ros`` instance (CP-SAT on
the whole model or the large-neighbourhood search, see ``methods``) and check the roster
with the independent evaluator."""

from __future__ import annotations

import csv
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from helpline.wfm.schedule.curtois.bounds import counting_bound
from helpline.wfm.schedule.curtois.column_bound import column_generation_bound
from helpline.wfm.schedule.curtois.cpsat_model import SolveResult
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.methods import METHODS, Method, choose_method, solve_instance
from helpline.wfm.schedule.curtois.ros_format import (
    PROVEN_OPTIMAL,
    Instance,
    RosFormatError,
    best_known_penalty,
    load_ros,
)


def benchmark_report(instance: Instance, result: SolveResult) -> dict[str, Any]:
    """Plain-dict summary of a solve, checked by ``evaluate``."""
    best = best_known_penalty(instance.name)
    evaluation = evaluate(instance, result.roster) if result.roster else None
    gap_best = (None if best is None or result.objective is None
                else round(100.0 * (result.objective - best) / best, 3))
    return {
        "instance": instance.name,
        "employees": len(instance.employees),
        "days": instance.days,
        "shift_types": len(instance.shift_types),
        "status": result.status,
        "method": "cpsat" if result.lns_steps is None else "lns",
        "lns_steps": result.lns_steps,
        "objective": result.objective,
        "solver_objective": result.solver_objective,
        "best_bound": result.best_bound,
        "counting_bound": counting_bound(instance).penalty,
        "gap_pct": None if result.gap is None else round(100.0 * result.gap, 3),
        "best_known": best,
        "best_known_proven_optimal": instance.number in PROVEN_OPTIMAL,
        "gap_to_best_known_pct": gap_best,
        "seconds": round(result.wall_seconds, 2),
        "build_seconds": round(result.build_seconds, 2),
        "variables": result.variables,
        "constraints": result.constraints,
        "evaluator_penalty": None if evaluation is None else evaluation.penalty,
        "evaluator_agrees": None if evaluation is None
        else evaluation.penalty == result.objective,
        "hard_violations": None if evaluation is None else len(evaluation.violations),
        "hard_violations_by_kind": {} if evaluation is None else evaluation.counts(),
    }


def lp_bound_report(instance: Instance, result: SolveResult, seconds: float,
                    workers: int) -> dict[str, Any]:
    """The column-generation bound from ``result``'s roster, and the gap to it."""
    assert result.roster and result.objective is not None
    lp = column_generation_bound(instance, {e: [row] for e, row in result.roster.items()},
                                 time_limit_seconds=seconds, workers=workers)
    return {
        "lp_bound": lp.bound,
        "lp_bound_converged": lp.converged,
        "lp_bound_rounds": lp.rounds,
        "lp_bound_seconds": round(lp.seconds, 2),
        "gap_to_lp_bound_pct": (None if lp.bound <= 0 else
                                round(100.0 * (result.objective - lp.bound) / lp.bound, 3)),
    }


def write_roster_csv(instance: Instance, roster: dict[str, tuple[str | None, ...]] | Any,
                     path: Path) -> None:
    """One row per employee, one column per date; a cell holds the shift id, empty when
    off."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["employee", *((instance.start_date + timedelta(days=d)).isoformat()
                                       for d in range(instance.days))])
        for employee in instance.employees:
            writer.writerow([employee.id, *(s or "" for s in roster[employee.id])])


def roster_benchmark_command(
    instance: Annotated[Path, typer.Argument(help="Benchmark instance (.ros XML).",
                                             exists=True, dir_okay=False)],
    time_limit: Annotated[float, typer.Option("--time-limit",
                                              help="Solver wall time limit, s.")] = 60.0,
    workers: Annotated[int, typer.Option("--workers",
                                         help="CP-SAT worker threads (LNS: searcher "
                                              "threads).")] = 2,
    method: Annotated[str, typer.Option(
        "--method", help="auto (CP-SAT up to 4 weeks and 300 employee x shift-type "
                         "pairs, LNS beyond), cpsat or lns.")] = "auto",
    seed: Annotated[int | None, typer.Option("--seed", help="CP-SAT random seed.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the roster as CSV.")]
        = None,
    log: Annotated[bool, typer.Option("--log", help="CP-SAT search log (LNS: one line per "
                                                   "step) to stderr.")] = False,
    lp_bound_seconds: Annotated[float, typer.Option(
        "--lp-bound-seconds",
        help="After solving, up to this many seconds of column generation from the "
             "roster for a lower bound (the LP relaxation; 0: none).")] = 0.0,
) -> None:
    """Solve a Curtois & Qu shift scheduling instance and check it independently."""
    try:
        problem = load_ros(instance)
    except RosFormatError as error:
        typer.echo(f"{error.error_id}: {error.message}", err=True)
        raise typer.Exit(2) from error
    if time_limit <= 0 or workers < 1 or lp_bound_seconds < 0:
        typer.echo("--time-limit must be > 0, --workers >= 1 and --lp-bound-seconds >= 0",
                   err=True)
        raise typer.Exit(2)
    if method not in METHODS:
        typer.echo(f"--method must be one of {', '.join(METHODS)}", err=True)
        raise typer.Exit(2)
    chosen: Method = choose_method(problem) if method == "auto" else method
    err = Console(stderr=True)
    callback = (lambda line: print(line, file=sys.stderr, flush=True)) if log else None
    if as_json or log:
        result = solve_instance(problem, method=chosen, time_limit_seconds=time_limit,
                                workers=workers, random_seed=seed, log_callback=callback)
    else:
        with err.status(f"Solving {problem.name} ({len(problem.employees)} employees, "
                        f"{problem.days} days, {chosen}) for up to {time_limit:g} s..."):
            result = solve_instance(problem, method=chosen, time_limit_seconds=time_limit,
                                    workers=workers, random_seed=seed)
    report = benchmark_report(problem, result)
    if lp_bound_seconds > 0 and result.roster:
        report.update(lp_bound_report(problem, result, lp_bound_seconds, workers))
    if out is not None and result.roster:
        write_roster_csv(problem, result.roster, out)
        report["roster_csv"] = str(out)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        table = Table(title=f"{problem.name}: roster ({chosen})")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in report.items():
            table.add_row(key, "-" if value is None else str(value))
        Console(soft_wrap=True).print(table)
    if result.objective is None or report["hard_violations"]:
        raise typer.Exit(1)
