"""The column-generation lower bound: against the LP over every feasible row (found by
brute force with the independent evaluator, solved by GLOP instead of HiGHS), valid
when stopped early, and never above a proven optimum of the benchmark."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
import typer
from ortools.linear_solver import pywraplp
from tests.unit.wfm.test_curtois import INSTANCES, TINY, TINY_OPTIMUM, needs_data
from typer.testing import CliRunner

from helpline.wfm.schedule.curtois.bounds import counting_bound
from helpline.wfm.schedule.curtois.cli import roster_benchmark_command
from helpline.wfm.schedule.curtois.column_bound import column_generation_bound
from helpline.wfm.schedule.curtois.cpsat_model import greedy_roster
from helpline.wfm.schedule.curtois.evaluate import day_matches, evaluate
from helpline.wfm.schedule.curtois.ros_format import (
    BEST_KNOWN_PENALTY,
    PROVEN_OPTIMAL,
    Instance,
    load_ros,
)

Row = tuple[str | None, ...]
# Feasible but poor (see test_curtois_lns): 303.
TINY_POOR = {"A": (None, "E", "E"), "B": (None, None, None)}


def feasible_rows(instance: Instance) -> dict[str, list[Row]]:
    """Every row of every employee that breaks none of the employee's hard rules."""
    options = [None, *(s.id for s in instance.shift_types)]
    rows: dict[str, list[Row]] = {}
    for employee in instance.employees:
        rows[employee.id] = []
        for row in itertools.product(options, repeat=instance.days):
            roster = {e.id: (None,) * instance.days for e in instance.employees}
            roster[employee.id] = row
            if not [v for v in evaluate(instance, roster).violations
                    if v.employee_id == employee.id]:
                rows[employee.id].append(row)
    return rows


def full_lp(instance: Instance, rows: dict[str, list[Row]]) -> float:
    """The master LP over all ``rows`` (GLOP)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    objective = solver.Objective()
    lam: dict[tuple[str, Row], pywraplp.Variable] = {}
    for employee in instance.employees:
        convexity = solver.Constraint(1, 1)
        for row in rows[employee.id]:
            var = solver.NumVar(0, solver.infinity(), "")
            lam[(employee.id, row)] = var
            convexity.SetCoefficient(var, 1)
            cost = sum(r.weight for r in instance.requests if r.employee_id == employee.id
                       and day_matches(row[r.day], r.shift) != r.on)
            objective.SetCoefficient(var, cost)
    for cover in instance.cover:
        on = [var for (_, row), var in lam.items() if row[cover.day] == cover.shift]
        if cover.min_count is not None:
            under = solver.NumVar(0, solver.infinity(), "")
            objective.SetCoefficient(under, cover.min_weight or 0)
            at_least = solver.Constraint(cover.min_count, solver.infinity())
            for var in [*on, under]:
                at_least.SetCoefficient(var, 1)
        if cover.max_count is not None:
            over = solver.NumVar(0, solver.infinity(), "")
            objective.SetCoefficient(over, cover.max_weight or 0)
            at_most = solver.Constraint(-solver.infinity(), cover.max_count)
            for var in on:
                at_most.SetCoefficient(var, 1)
            at_most.SetCoefficient(over, -1)
    objective.SetMinimization()
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return float(objective.Value())


def test_converges_to_the_lp_over_every_feasible_row(tiny: Instance) -> None:
    rows = feasible_rows(tiny)
    assert TINY_POOR["A"] in rows["A"] and len(rows["B"]) < 27  # the rules cut rows
    lp = full_lp(tiny, rows)
    result = column_generation_bound(tiny, {e: [r] for e, r in TINY_POOR.items()},
                                     time_limit_seconds=30.0)
    assert result.converged and result.rounds >= 2  # the poor rows alone are not the LP
    assert result.lp_value == pytest.approx(lp, abs=1e-6)
    assert result.bound == math.ceil(lp - 1e-6)
    assert result.bound <= TINY_OPTIMUM


def test_a_bound_stopped_after_one_round_is_still_a_lower_bound(tiny: Instance) -> None:
    lp = full_lp(tiny, feasible_rows(tiny))
    result = column_generation_bound(tiny, {e: [r] for e, r in TINY_POOR.items()},
                                     time_limit_seconds=30.0, max_rounds=1)
    assert result.rounds == 1 and not result.converged
    # one round's Lagrangian bound, from the duals of the poor rows' master: below the
    # LP (203) yet a bound (the columns it added bring the master to the LP at once)
    assert 0 < result.bound < math.ceil(lp - 1e-6)
    assert result.lp_value == pytest.approx(lp, abs=1e-6)


def test_rejects_a_missing_employee_and_bad_limits(tiny: Instance) -> None:
    with pytest.raises(ValueError, match="no row for employee B"):
        column_generation_bound(tiny, {"A": [TINY_POOR["A"]]}, time_limit_seconds=5.0)
    with pytest.raises(ValueError):
        column_generation_bound(tiny, TINY_POOR, time_limit_seconds=0)
    with pytest.raises(ValueError, match="workers"):
        column_generation_bound(tiny, {e: [r] for e, r in TINY_POOR.items()},
                                time_limit_seconds=5.0, workers=0)
    with pytest.raises(ValueError, match="employee A has 2 days, not 3"):
        column_generation_bound(tiny, {"A": [(None, "E")], "B": [TINY_POOR["B"]]},
                                time_limit_seconds=5.0)


@needs_data
@pytest.mark.parametrize("number", [1, 3])
def test_bound_on_a_benchmark_instance_is_below_its_proven_optimum(number: int) -> None:
    instance = load_ros(Path(INSTANCES) / f"Instance{number}.ros")
    assert number in PROVEN_OPTIMAL
    roster = greedy_roster(instance, time_limit_seconds=10.0, workers=2, random_seed=1)
    assert roster is not None
    result = column_generation_bound(instance, {e: [r] for e, r in roster.items()},
                                     time_limit_seconds=60.0)
    optimum = BEST_KNOWN_PENALTY[number]
    assert counting_bound(instance).penalty <= result.bound <= optimum, result


def test_roster_benchmark_reports_the_lp_bound_and_the_gap_to_it(
        tiny: Instance, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(roster_benchmark_command)
    source = tmp_path / "Tiny.ros"
    source.write_text(TINY, encoding="utf-8")
    ran = CliRunner().invoke(app, [str(source), "--time-limit", "5", "--json",
                                   "--lp-bound-seconds", "20"])
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.output)
    lp = full_lp(tiny, feasible_rows(tiny))
    assert report["lp_bound"] == math.ceil(lp - 1e-6) and report["lp_bound_converged"]
    assert report["gap_to_lp_bound_pct"] == pytest.approx(
        100 * (report["objective"] - report["lp_bound"]) / report["lp_bound"])
    plain = json.loads(CliRunner().invoke(app, [str(source), "--time-limit", "5",
                                                "--json"]).output)
    assert "lp_bound" not in plain
    refused = CliRunner().invoke(app, [str(source), "--lp-bound-seconds", "-1"])
    assert refused.exit_code == 2 and "--lp-bound-seconds" in refused.output
