"""Minimum shift design: the .dzn reader on the real instances, the CP-SAT model against a
brute-force enumeration written here, the independent evaluator, our LP bound, the CLI.

The instances live in ../shared/data/shift-design/ (HELPLINE_SHARED_DATA overrides the
folder); tests that need them skip when it is absent.
"""

from __future__ import annotations

import dataclasses
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from helpline.wfm.schedule.shift_design.bound import lp_lower_bound
from helpline.wfm.schedule.shift_design.cli import shift_design_command
from helpline.wfm.schedule.shift_design.dzn_format import (
    DznFormatError,
    ShiftDesignInstance,
    load_dzn,
    parse_dzn,
)
from helpline.wfm.schedule.shift_design.evaluate import (
    DesignedShift,
    ShiftDesignError,
    Variant,
    evaluate,
)
from helpline.wfm.schedule.shift_design.model import solve_shift_design

#: ../shared/data of the project (HELPLINE_SHARED_DATA overrides it).
SHARED_DATA = Path(os.environ.get("HELPLINE_SHARED_DATA",
                                  Path(__file__).resolve().parents[4] / "shared" / "data"))
DATA = SHARED_DATA / "shift-design"
needs_data = pytest.mark.skipif(not DATA.is_dir(),
                                reason=f"{DATA} not found (shared data set absent)")
WORKERS = 2


def _toy(name: str) -> ShiftDesignInstance:
    return load_dzn(DATA / f"{name}.dzn")


def _dzn(*, interval: int = 360, days: int = 1, demand: list[int], starts: tuple[int, int],
         lengths: tuple[int, int], duties: tuple[str, str] = ("0", "7"),
         avg_minutes: int = 2400, weights: tuple[int, int, int, int] = (1, 1, 0, 60)) -> str:
    """A one-shift-type instance as .dzn text; weights are under, over, duties, shifts."""
    under, over, duty, shifts = weights
    return (f"interval = {interval};\ndays = {days};\ndemand = {demand};\nshiftTypes = 1;\n"
            f"minStart = [{starts[0]}];\nmaxStart = [{starts[1]}];\n"
            f"minLength = [{lengths[0]}];\nmaxLength = [{lengths[1]}];\n"
            f"minDuties = {duties[0]};\nmaxDuties = {duties[1]};\n"
            f"avgMinutes = {avg_minutes};\nweightUnderCover = {under};\n"
            f"weightOverCover = {over};\nweightDutiesPerWeek = {duty};\n"
            f"weightShiftInstances = {shifts};\n")


# -- brute force, independent of the model, the bound and the evaluator ----------------------
def brute_force(inst: ShiftDesignInstance, variant: Variant,
                cap: int = 8) -> tuple[Fraction, dict[tuple[int, int], int]]:
    """Optimum of a one-day instance by depth-first enumeration of workers per shift.

    Every shift gets 0..``cap`` workers. Branches are cut by a lower bound (shift count,
    over-cover so far, and shortages no later shift can fill), never by a heuristic.
    On the toys a worker above peak demand + 3 costs more than 1,000 over-minutes, more
    than any optimum found, so ``cap = 8`` (peak 5) loses nothing.
    """
    assert inst.days == 1
    week = 1440 // inst.interval_minutes
    minutes = inst.interval_minutes
    shifts = sorted({(s, n) for t in inst.shift_types
                     for s in range(t.min_start_slot, t.max_start_slot + 1)
                     for n in range(t.min_length_slots, t.max_length_slots + 1)})
    slots = [[(s + k) % week for k in range(n)] for s, n in shifts]
    later = [[False] * week for _ in range(len(shifts) + 1)]
    for i in range(len(shifts) - 1, -1, -1):
        later[i] = list(later[i + 1])
        for t in slots[i]:
            later[i][t] = True
    w_over, w_under = inst.weight_over_cover * minutes, inst.weight_under_cover * minutes
    w_shift = inst.weight_shift_instances
    cover = [0] * week
    x = [0] * len(shifts)
    best: list[object] = [Fraction(10**12), ()]

    def leaf() -> Fraction | None:
        over = sum(max(0, c - d) for c, d in zip(cover, inst.demand, strict=True))
        under = sum(max(0, d - c) for c, d in zip(cover, inst.demand, strict=True))
        used, duties = sum(1 for v in x if v), sum(x)
        work = sum(v * n * minutes for v, (_, n) in zip(x, shifts, strict=True))
        per_week = inst.avg_minutes_per_week * duties / work if duties else None
        if variant == "bounded":
            if under or (per_week is not None and per_week > inst.max_duties_per_week):
                return None
            return Fraction(w_over * over + w_shift * used)
        deviation = Fraction(0)
        if per_week is not None:
            deviation = (max(Fraction(0), per_week - inst.max_duties_per_week)
                         + max(Fraction(0), inst.min_duties_per_week - per_week))
        return (w_over * over + w_under * under + w_shift * used
                + inst.weight_duties_per_week * deviation)

    def lower(i: int, used: int) -> int | None:
        bound = w_shift * used
        for t in range(week):
            if cover[t] > inst.demand[t]:
                bound += w_over * (cover[t] - inst.demand[t])
            elif cover[t] < inst.demand[t] and not later[i][t]:
                if variant == "bounded":
                    return None
                bound += w_under * (inst.demand[t] - cover[t])
        return bound

    def dfs(i: int, used: int) -> None:
        bound = lower(i, used)
        assert isinstance(best[0], Fraction)
        if bound is None or bound >= best[0]:
            return
        if i == len(shifts):
            cost = leaf()
            if cost is not None and cost < best[0]:
                best[0], best[1] = cost, tuple(x)
            return
        for v in range(cap + 1):
            if v:
                x[i] = v
                for t in slots[i]:
                    cover[t] += 1
            dfs(i + 1, used + (1 if v else 0))
        for t in slots[i]:
            cover[t] -= x[i]
        x[i] = 0

    dfs(0, 0)
    value, chosen = best
    assert isinstance(value, Fraction) and isinstance(chosen, tuple)
    return value, {shifts[i]: v for i, v in enumerate(chosen) if v}


# -- reader ------------------------------------------------------------------------------------
@needs_data
def test_every_instance_parses_and_is_consistent() -> None:
    paths = sorted(DATA.rglob("*.dzn"))
    assert len(paths) == 23
    for path in paths:
        inst = load_dzn(path)
        assert inst.name == path.stem
        assert len(inst.demand) == inst.days * 1440 // inst.interval_minutes
        assert len(inst.shift_types) == (2 if inst.name.startswith("toy") else 4)
        assert inst.candidate_shifts()


@needs_data
def test_random_example_1_fields() -> None:
    inst = load_dzn(DATA / "DataSet1" / "RandomExample1.dzn")
    assert (inst.interval_minutes, inst.days, inst.slots_per_week) == (60, 7, 168)
    assert sum(inst.demand) == 1099 and max(inst.demand) == 20
    assert inst.demand[:9] == (0, 0, 0, 0, 0, 0, 0, 3, 11)
    assert [t.min_start_slot for t in inst.shift_types] == [5, 9, 13, 21]
    assert [t.max_length_slots for t in inst.shift_types] == [9, 9, 9, 9]
    assert (inst.min_duties_per_week, inst.max_duties_per_week) == (3, 5)
    assert inst.avg_minutes_per_week == 2310
    assert (inst.weight_under_cover, inst.weight_over_cover, inst.weight_duties_per_week,
            inst.weight_shift_instances) == (1, 1, 1000, 60)
    # starts 5-8, 9-11, 13-15, 21-23: 4 + 3 + 3 + 3 = 13 starts x lengths 7-9
    assert len(inst.candidate_shifts()) == 13 * 3


@needs_data
def test_decimal_duties_are_exact() -> None:
    assert _toy("toy3").max_duties_per_week == Fraction(17, 5)
    assert load_dzn(DATA / "DataSet2" / "RandomExample26.dzn").min_duties_per_week == \
        Fraction(24, 5)


@pytest.mark.parametrize(("text", "message"), [
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)).replace("days = 1;\n", ""),
     "missing field(s) days"),
    (_dzn(demand=[1, 1, 1], starts=(0, 0), lengths=(1, 1)), "demand has 3 values"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 4), lengths=(1, 1)), "maxStart < 4"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(0, 1)), "1 <= minLength"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)) + "colour = 3;\n",
     "line 16: unknown field 'colour'"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)) + "days = 2;\n",
     "days given twice"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)) + "days = 2",
     "not ended by ';'"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)).replace(
        "interval = 360", "interval = six hours"), "line 1: interval: not a number"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)).replace(
        "interval = 360", "interval = 7"), "does not divide a day"),
    (_dzn(demand=[1, -1, 1, 1], starts=(0, 0), lengths=(1, 1)), "demand must hold integers"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1), weights=(1, 1, 0, 60)).replace(
        "weightShiftInstances = 60", "weightShiftInstances = 0.5"),
     "weightShiftInstances must be an integer"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)).replace(
        "days = 1", "days = [1]"), "days must be a number"),
    (_dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1), duties=("5", "4")),
     "minDuties <= maxDuties"),
    ("interval 60;", "expected 'name = value'"),
])
def test_malformed_input_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(DznFormatError) as caught:
        parse_dzn(text, name="bad")
    assert message in str(caught.value)
    assert caught.value.error_id == "dzn_format_invalid"


def test_comments_and_trailing_commas_are_accepted() -> None:
    text = "% a comment\n" + _dzn(demand=[1, 1, 1, 1], starts=(0, 0), lengths=(1, 1)).replace(
        "demand = [1, 1, 1, 1];", "demand = [1, 1,\n 1, 1,]; % four slots")
    assert parse_dzn(text).demand == (1, 1, 1, 1)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(DznFormatError, match="cannot read"):
        load_dzn(tmp_path / "absent.dzn")


# -- toys against brute force -----------------------------------------------------------------
@needs_data
@pytest.mark.parametrize(("name", "expected"), [("toy1", 716), ("toy2", 723), ("toy3", 480)])
def test_toys_bounded_match_brute_force(name: str, expected: int) -> None:
    inst = _toy(name)
    optimum, _ = brute_force(inst, "bounded")
    assert optimum == expected  # 4 x 179 (toy1), 3 x 181 + 180 (toy2), 3 x 100 + 180 (toy3)
    result = solve_shift_design(inst, time_limit_seconds=10, workers=WORKERS,
                                variant="bounded")
    assert result.status == "OPTIMAL"
    assert result.objective == optimum
    assert result.cpsat_bound == optimum
    check = evaluate(inst, result.shifts)
    assert check.bounded_feasible and check.objective("bounded") == result.objective
    assert lp_lower_bound(inst, "bounded").bound <= optimum
    assert lp_lower_bound(inst, "bounded", upper_bound=result.objective).bound <= optimum


@needs_data
@pytest.mark.parametrize("name", ["toy1", "toy2", "toy3"])
def test_toys_weighted_with_under_cover_weight_match_brute_force(name: str) -> None:
    inst = dataclasses.replace(_toy(name), weight_under_cover=1)
    optimum, _ = brute_force(inst, "weighted")
    result = solve_shift_design(inst, time_limit_seconds=10, workers=WORKERS)
    assert result.status == "OPTIMAL"
    assert result.objective == optimum
    assert evaluate(inst, result.shifts).objective("weighted") == result.objective
    assert lp_lower_bound(inst, "weighted").bound <= optimum


@needs_data
def test_toys_as_given_are_trivial_in_the_weighted_variant() -> None:
    # weightUnderCover = 0: leaving all demand uncovered is free, the empty schedule wins.
    result = solve_shift_design(_toy("toy1"), time_limit_seconds=5, workers=WORKERS)
    assert (result.status, result.objective, result.shifts) == ("OPTIMAL", 0.0, ())
    assert result.under_cover_minutes == 23 * 180


@needs_data
def test_duty_term_bound_and_objective_bracket_brute_force() -> None:
    # maxDuties 3.2 with avgMinutes 2400 needs shifts over 12.5 h: every schedule pays.
    inst = dataclasses.replace(_toy("toy1"), weight_under_cover=1, weight_duties_per_week=300,
                               max_duties_per_week=Fraction(16, 5))
    optimum, _ = brute_force(inst, "weighted")
    result = solve_shift_design(inst, time_limit_seconds=5, workers=WORKERS)
    assert result.objective is not None and result.cpsat_bound is not None
    assert result.cpsat_bound <= optimum <= result.objective
    assert evaluate(inst, result.shifts).objective("weighted") == pytest.approx(
        result.objective, rel=1e-12)
    assert result.duty_deviation > 0


# -- real instances ----------------------------------------------------------------------------
@needs_data
def test_random_example_1_is_proven_and_the_evaluator_agrees() -> None:
    inst = load_dzn(DATA / "DataSet1" / "RandomExample1.dzn")
    result = solve_shift_design(inst, time_limit_seconds=15, workers=WORKERS)
    assert result.status == "OPTIMAL" and result.objective == 480.0  # 8 shifts x 60
    check = evaluate(inst, result.shifts)
    assert check.objective("weighted") == result.objective
    assert (check.over_cover_minutes, check.under_cover_minutes, check.shift_count) == (
        result.over_cover_minutes, result.under_cover_minutes, result.shift_count)
    assert float(check.duty_deviation) == result.duty_deviation == 0.0
    bound = lp_lower_bound(inst, "weighted", plain=True)
    assert bound.status == "OPTIMAL" and bound.lattice == 60
    assert bound.plain_lp_value is not None and bound.plain_lp_value < bound.lp_value
    assert bound.bound <= result.objective


# -- hand-calculated cases ---------------------------------------------------------------------
def test_flat_demand_covered_by_one_shift_costs_one_shift() -> None:
    # Two days of 6-hour slots, 3 workers wanted 06:00-18:00: one shift 06:00 + 12 h, 3 a day.
    inst = parse_dzn(_dzn(days=2, demand=[0, 3, 3, 0, 0, 3, 3, 0], starts=(1, 1),
                          lengths=(2, 2)), name="flat")
    result = solve_shift_design(inst, time_limit_seconds=5, workers=WORKERS)
    assert result.status == "OPTIMAL" and result.objective == 60
    assert result.shifts == (DesignedShift(start_slot=1, length_slots=2,
                                           workers_per_day=(3, 3)),)
    assert lp_lower_bound(inst).bound == 60


def test_overnight_shift_wraps_to_the_first_day() -> None:
    # 12-hour slots, two days; a shift 12:00 + 24 h on day 2 covers day 2 noon and day 1 0:00.
    inst = parse_dzn(_dzn(interval=720, days=2, demand=[1, 1, 1, 1], starts=(1, 1),
                          lengths=(2, 2)), name="wrap")
    check = evaluate(inst, [DesignedShift(1, 2, (1, 1))])
    assert check.coverage == (1, 1, 1, 1) and check.weighted_objective == 60
    assert solve_shift_design(inst, time_limit_seconds=5, workers=WORKERS).objective == 60


def test_over_and_under_cover_trade_off() -> None:
    # Demand 1, 2, 1, 0 (6-hour slots), one shift 00:00 + 18 h: one worker leaves 360
    # under-minutes (cost 360 + 60 = 420); two over-cover 720 (780); none: 1,440.
    inst = parse_dzn(_dzn(demand=[1, 2, 1, 0], starts=(0, 0), lengths=(3, 3)), name="trade")
    assert evaluate(inst, [DesignedShift(0, 3, (1,))]).weighted_objective == 420
    assert evaluate(inst, [DesignedShift(0, 3, (2,))]).weighted_objective == 780
    assert evaluate(inst, []).weighted_objective == 1440
    result = solve_shift_design(inst, time_limit_seconds=5, workers=WORKERS)
    assert (result.objective, result.under_cover_minutes) == (420, 360)
    bounded = solve_shift_design(inst, time_limit_seconds=5, workers=WORKERS,
                                 variant="bounded")
    assert bounded.objective == 780 and bounded.status == "OPTIMAL"


def test_duty_deviation_hand_computed() -> None:
    # 8-hour shifts: D = 2400 / 480 = 5 duties per week; above maxDuties 4 by 1.
    inst = parse_dzn(_dzn(interval=480, demand=[2, 0, 0], starts=(0, 0), lengths=(1, 1),
                          duties=("0", "4"), weights=(1, 1, 7, 60)), name="duties")
    check = evaluate(inst, [DesignedShift(0, 1, (2,))])
    assert check.duties_per_week == 5 and check.duty_deviation == 1
    assert check.weighted_objective == 60 + 7
    assert not check.bounded_feasible and check.objective("bounded") == float("inf")


def test_evaluator_refuses_shifts_outside_every_type() -> None:
    inst = parse_dzn(_dzn(demand=[1, 1, 1, 1], starts=(0, 1), lengths=(1, 2)), name="x")
    with pytest.raises(ShiftDesignError, match="fits no shift type"):
        evaluate(inst, [DesignedShift(2, 1, (1,))])
    with pytest.raises(ShiftDesignError, match="day values"):
        evaluate(inst, [DesignedShift(0, 1, (1, 1))])


def test_solver_options_are_checked() -> None:
    inst = parse_dzn(_dzn(demand=[1, 1, 1, 1], starts=(0, 1), lengths=(1, 2)), name="x")
    with pytest.raises(ShiftDesignError, match="time limit"):
        solve_shift_design(inst, time_limit_seconds=0)
    with pytest.raises(ShiftDesignError, match="workers"):
        solve_shift_design(inst, workers=0)
    with pytest.raises(ShiftDesignError, match="variant"):
        solve_shift_design(inst, variant="other")  # type: ignore[arg-type]


# -- command -----------------------------------------------------------------------------------
@needs_data
def test_command_prints_json_and_tables() -> None:
    app = typer.Typer()
    app.command()(shift_design_command)
    runner = CliRunner()
    out = runner.invoke(app, [str(DATA / "toy1.dzn"), "--time-limit", "5", "--workers", "2",
                              "--variant", "bounded", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["objective"] == 716 and report["lp_bound"] == 716
    assert report["gap_to_lp_bound_percent"] == 0.0 and report["shift_count"] == 4
    text = runner.invoke(app, [str(DATA / "toy2.dzn"), "--time-limit", "5", "--workers", "2",
                               "--variant", "bounded"])
    assert text.exit_code == 0 and "723" in text.output and "06:00" in text.output


def test_command_reports_format_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dzn"
    bad.write_text("interval = 60;\n", encoding="utf-8")
    app = typer.Typer()
    app.command()(shift_design_command)
    out = CliRunner().invoke(app, [str(bad)])
    assert out.exit_code == 2
    assert "dzn_format_invalid" in out.output
