"""Curtois & Qu shift scheduling benchmark: the .ros reader, the independent evaluator and
the CP-SAT model (a hand-solved tiny instance, and the proven optima of Instance1/2 from
../shared/data/shift-scheduling, README: 607 and 828)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from helpline.wfm.schedule.curtois.cli import roster_benchmark_command
from helpline.wfm.schedule.curtois.cpsat_model import greedy_roster, soft_penalty, solve
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.ros_format import (
    CountRule,
    Cover,
    Instance,
    RosFormatError,
    best_known_penalty,
    load_ros,
    parse_ros_text,
)

#: ../shared/data of the project (HELPLINE_SHARED_DATA overrides it).
SHARED_DATA = Path(os.environ.get("HELPLINE_SHARED_DATA",
                                  Path(__file__).resolve().parents[4] / "shared" / "data"))
INSTANCES = SHARED_DATA / "shift-scheduling"
needs_data = pytest.mark.skipif(not (INSTANCES / "Instance1.ros").exists(),
                                reason=f"{INSTANCES} not found (shared data set absent)")

def weekend_limit(count: int, label: str) -> str:
    """A contract's "at most ``count`` weekends" rule (a weekend: Saturday, Sunday or both
    worked), as in the benchmark's files."""
    patterns = "".join(
        f"<Pattern><StartDay>Saturday</StartDay><Shift>{first}</Shift><Shift>{second}"
        "</Shift></Pattern>" for first, second in (("$", "-"), ("-", "$"), ("$", "$")))
    return (f"<Patterns><Match><Max><Count>{count}</Count><Label>{label}</Label></Max>"
            f"{patterns}</Match></Patterns>")


# Friday 5 to Sunday 7 January 2024 (days 0, 1, 2). E 06:00-14:00, L 14:00-22:00; 840 min
# rest forbids L then E the next day (8 h rest). A may work E or L, at most 2 days in a
# row, runs of work and of days off of at least 2 days unless the horizon cuts them, at
# most one L. B works E only, one 480-min shift at most, and no weekend (Sat or Sun).
#
# Optimum by hand: 203. Cover asks 1 E and 1 L on Fri and Sat, 1 E on Sun (5 shifts).
# B can only cover Fri E; A works at most 2 of the 3 days, so at most 3 shifts are
# covered: at least 2 missing x 100 = 200. B's ShiftOn (Sat E, weight 3) cannot be met:
# +3. With B on Fri E, A's two shifts: Fri L + Sat E and Sat L + Sun E break the rest
# rule; Fri L + Sun E leaves a 1-day break inside the horizon (min 2 days off); Fri L +
# Sat L breaks "at most one L" (and would cost A's ShiftOff, Fri L, weight 2); Sat E +
# Sun E costs nothing (A's day off on Fri is cut by the horizon start, B's 1-day run
# too). So 200 + 3 = 203, and the
# roster A = (-, E, E), B = (E, -, -) is the only one at that cost.
TINY = """<?xml version="1.0" encoding="UTF-8"?>
<SchedulingPeriod>
  <StartDate>2024-01-05</StartDate><EndDate>2024-01-07</EndDate>
  <ShiftTypes>
    <Shift ID="E"><Color>Red</Color><StartTime>6:0</StartTime><Duration>480</Duration></Shift>
    <Shift ID="L"><StartTime>14:00</StartTime><Duration>480</Duration></Shift>
  </ShiftTypes>
  <Contracts>
    <Contract ID="All"><MinRestTime label="rest">840</MinRestTime></Contract>
    <Contract ID="Full">
      <MaxSeq label="max 2" value="2" shift="$"/>
      <MinSeq label="min 2 on" value="2" shift="$"/>
      <MinSeq label="min 2 off" value="2" shift="-"/>
      <MaxTot label="max 1 L" value="1" shift="L"/>
      <Workload><TimeUnits><Max><Count>1440</Count></Max></TimeUnits>
                <TimeUnits><Min><Count>480</Count></Min></TimeUnits></Workload>
      <ValidShifts shift="E,L,"/>
    </Contract>
    <Contract ID="Part">
      <MinSeq label="min 2 on" value="2" shift="$"/>
      <Workload><TimeUnits><Max><Count>480</Count></Max></TimeUnits></Workload>
""" + weekend_limit(0, "No weekend") + """
      <ValidShifts shift="E,"/>
    </Contract>
  </Contracts>
  <Employees>
    <Employee ID="A"><ContractID>All</ContractID><ContractID>Full</ContractID></Employee>
    <Employee ID="B"><ContractID>All</ContractID><ContractID>Part</ContractID></Employee>
  </Employees>
  <FixedAssignments>
    <Employee><EmployeeID>B</EmployeeID><Assign><Shift>-</Shift><Day>2</Day></Assign></Employee>
  </FixedAssignments>
  <ShiftOffRequests>
    <ShiftOff weight="2"><Shift>L</Shift><EmployeeID>A</EmployeeID><Day>0</Day></ShiftOff>
  </ShiftOffRequests>
  <ShiftOnRequests>
    <ShiftOn weight="3"><Shift>E</Shift><EmployeeID>B</EmployeeID><Day>1</Day></ShiftOn>
  </ShiftOnRequests>
  <CoverRequirements>
    <DateSpecificCover><Day>0</Day>
      <Cover><Shift>E</Shift><Min weight="100">1</Min><Max weight="1">1</Max></Cover>
      <Cover><Shift>L</Shift><Min weight="100">1</Min><Max weight="1">1</Max></Cover>
    </DateSpecificCover>
    <DateSpecificCover><Day>1</Day>
      <Cover><Shift>E</Shift><Min weight="100">1</Min><Max weight="1">1</Max></Cover>
      <Cover><Shift>L</Shift><Min weight="100">1</Min><Max weight="1">1</Max></Cover>
    </DateSpecificCover>
    <DateSpecificCover><Day>2</Day>
      <Cover><Shift>E</Shift><Min weight="100">1</Min><Max weight="1">1</Max></Cover>
    </DateSpecificCover>
  </CoverRequirements>
</SchedulingPeriod>
"""
TINY_OPTIMUM = 203
TINY_BEST = {"A": (None, "E", "E"), "B": ("E", None, None)}


# -- reader ----------------------------------------------------------------------------
def test_tiny_reads_every_element(tiny: Instance) -> None:
    assert tiny.name == "Tiny" and tiny.days == 3 and tiny.weekday(1) == 5  # Saturday
    assert [(s.id, s.start_minute, s.duration_minutes) for s in tiny.shift_types] == [
        ("E", 360, 480), ("L", 840, 480)]
    a, b = tiny.employees
    assert tiny.valid_shifts(a) == ("E", "L") and tiny.valid_shifts(b) == ("E",)
    assert tiny.min_rest_minutes(a) == 840
    full = tiny.contracts["Full"]
    assert [(r.shift, r.days) for r in full.min_seq] == [("$", 2), ("-", 2)]
    assert full.max_tot == (CountRule("L", 1, "max 1 L"),)
    assert full.max_workload_minutes == (1440,) and full.min_workload_minutes == (480,)
    (match,) = tiny.contracts["Part"].matches
    assert match.max_count == 0 and [p.shifts for p in match.patterns] == [
        ("$", "-"), ("-", "$"), ("$", "$")]
    assert {p.start_weekday for p in match.patterns} == {5}
    assert [(f.employee_id, f.day, f.shift) for f in tiny.fixed] == [("B", 2, "-")]
    assert [(r.employee_id, r.day, r.shift, r.weight, r.on) for r in tiny.requests] == [
        ("A", 0, "L", 2, False), ("B", 1, "E", 3, True)]
    assert tiny.cover[0] == Cover(0, "E", 1, 100, 1, 1) and len(tiny.cover) == 5


@pytest.mark.parametrize("change, message", [
    ("<Color>Red</Color>", "<Skill>x</Skill>"),
    ('<MaxSeq label="max 2" value="2" shift="$"/>',
     '<MaxSeq label="max 2" value="2" shift="$" weight="5"/>'),
    ("<Shift>L</Shift><EmployeeID>A</EmployeeID>", "<Shift>N</Shift><EmployeeID>A</EmployeeID>"),
    ("<Day>2</Day></Assign>", "<Day>9</Day></Assign>"),
])
def test_reader_refuses_what_it_does_not_understand(change: str, message: str) -> None:
    assert change in TINY
    with pytest.raises(RosFormatError):
        parse_ros_text(TINY.replace(change, message))


@needs_data
def test_real_instances_parse() -> None:
    first = load_ros(INSTANCES / "Instance1.ros")
    assert (first.days, len(first.employees), len(first.shift_types)) == (14, 8, 1)
    assert first.start_date.isoformat() == "2014-01-06" and first.weekday(5) == 5
    assert len(first.fixed) == 8 and len(first.requests) == 26 and len(first.cover) == 14
    assert first.cover[1] == Cover(1, "D", 7, 100, 7, 1)
    contract = first.contracts["A"]
    assert [(r.shift, r.days) for r in contract.max_seq] == [("$", 5)]
    assert contract.max_workload_minutes == (4320,) and contract.min_workload_minutes == (3360,)
    assert best_known_penalty("Instance1.ros") == 607

    big = load_ros(INSTANCES / "Instance24.ros")
    assert (big.days, len(big.employees), len(big.shift_types)) == (364, 150, 32)
    assert all(big.min_rest_minutes(e) == 840 for e in big.employees)
    assert max(len(c.max_tot) for c in big.contracts.values()) >= 15
    assert {s.duration_minutes for s in big.shift_types} >= {480, 600, 720}


# -- evaluator -------------------------------------------------------------------------
def test_evaluator_scores_the_hand_optimum(tiny: Instance) -> None:
    result = evaluate(tiny, TINY_BEST)
    assert result.feasible, result.violations
    assert (result.penalty, result.under_cover_penalty, result.shift_on_penalty,
            result.shift_off_penalty, result.over_cover_penalty) == (203, 200, 3, 0, 0)
    # Fri L + Sat L for A breaks MaxTot L 1; the penalty is scored anyway: +2 (ShiftOff).
    assert evaluate(tiny, {"A": ("L", "L", None), "B": ("E", None, None)}).penalty == 205


@pytest.mark.parametrize("roster, kind", [
    ({"A": (None, "E", "E")}, "roster_shape"),
    ({"A": (None, "E", "E"), "B": ("E", None)}, "roster_shape"),
    ({"A": (None, "E", "X"), "B": ("E", None, None)}, "unknown_shift"),
    ({"A": (None, "E", "E"), "B": ("L", None, None)}, "invalid_shift"),
    ({"A": (None, "E", "E"), "B": (None, None, "E")}, "fixed_assignment"),
    ({"A": (None, "L", "E"), "B": ("E", None, None)}, "min_rest"),
    ({"A": ("L", "L", None), "B": ("E", None, None)}, "max_total"),
    ({"A": (None, None, None), "B": ("E", None, None)}, "min_workload"),
    ({"A": (None, "E", "E"), "B": ("E", "E", None)}, "max_workload"),
    ({"A": ("E", "E", "E"), "B": (None, None, None)}, "max_consecutive"),
    ({"A": (None, "E", None), "B": ("E", None, None)}, "min_consecutive"),  # run of work
    ({"A": ("E", None, "E"), "B": (None, None, None)}, "min_consecutive"),  # run of days off
    ({"A": (None, "E", "E"), "B": (None, "E", None)}, "pattern_max"),
])
def test_evaluator_catches_each_hard_violation(tiny: Instance, roster: dict[str, tuple[
        str | None, ...]], kind: str) -> None:
    assert kind in evaluate(tiny, roster).counts()


def test_evaluator_min_total_pattern_min_and_hard_cover(tiny: Instance) -> None:
    """Rules the benchmark files do not use: MinTot, a pattern minimum, unweighted cover."""
    part = tiny.contracts["Part"]
    stricter = replace(tiny, contracts={
        **tiny.contracts,
        "Part": replace(part, min_tot=(CountRule("E", 1),),
                        matches=(replace(part.matches[0], max_count=None, min_count=1),)),
    }, cover=(Cover(2, "E", 1, None, 0, None),))  # Sun E: at least 1 and at most 0, hard
    idle = (None, None, None)
    assert evaluate(stricter, {"A": (None, "E", "E"), "B": idle}).counts() == {
        "min_total": 1, "pattern_min": 1, "cover_max_hard": 1}
    assert evaluate(stricter, {"A": idle, "B": idle}).counts()["cover_min_hard"] == 1


# -- CP-SAT model ----------------------------------------------------------------------
def test_solver_finds_the_hand_optimum(tiny: Instance) -> None:
    result = solve(tiny, time_limit_seconds=10, workers=2, random_seed=1)
    assert result.status == "OPTIMAL"
    assert result.objective == result.best_bound == TINY_OPTIMUM
    assert dict(result.roster) == TINY_BEST
    assert evaluate(tiny, result.roster).penalty == TINY_OPTIMUM


def test_greedy_start_is_feasible_and_priced_right(tiny: Instance) -> None:
    roster = greedy_roster(tiny, time_limit_seconds=5, workers=2, random_seed=1)
    assert roster is not None
    check = evaluate(tiny, roster)
    assert check.feasible and check.penalty == soft_penalty(tiny, roster) >= TINY_OPTIMUM
    warm = solve(tiny, time_limit_seconds=10, workers=2, warm_start=True, random_seed=1)
    assert warm.objective == TINY_OPTIMUM


@needs_data
@pytest.mark.parametrize("number, optimum", [(1, 607), (2, 828)])
def test_solver_reaches_the_proven_optimum(number: int, optimum: int) -> None:
    instance = load_ros(INSTANCES / f"Instance{number}.ros")
    # stops as soon as optimality is proven (seconds on a quiet machine); the margin is
    # for a loaded one
    result = solve(instance, time_limit_seconds=90, workers=2, random_seed=1)
    assert result.objective == optimum, result
    check = evaluate(instance, result.roster)
    assert check.feasible, check.violations[:5]
    assert check.penalty == result.objective


@needs_data
@pytest.mark.slow
@pytest.mark.parametrize("number, optimum", [(3, 1001), (4, 1716)])
def test_solver_reaches_the_proven_optimum_slow(number: int, optimum: int) -> None:
    instance = load_ros(INSTANCES / f"Instance{number}.ros")
    result = solve(instance, time_limit_seconds=120, workers=2, random_seed=1)
    assert result.objective == optimum, result
    assert evaluate(instance, result.roster).penalty == optimum


# -- CLI -------------------------------------------------------------------------------
def test_cli_prints_json_and_writes_the_roster_csv(tiny: Instance, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(roster_benchmark_command)
    source = tmp_path / "Tiny.ros"
    source.write_text(TINY, encoding="utf-8")
    out = tmp_path / "roster.csv"
    result = CliRunner().invoke(app, [str(source), "--time-limit", "10", "--workers", "2",
                                      "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["objective"] == TINY_OPTIMUM and report["hard_violations"] == 0
    assert report["evaluator_agrees"] is True and report["best_known"] is None
    assert out.read_text(encoding="utf-8").splitlines() == [
        "employee,2024-01-05,2024-01-06,2024-01-07", "A,,E,E", "B,E,,"]
    bad = tmp_path / "Bad.ros"
    bad.write_text(TINY.replace("<Color>Red</Color>", "<Skill>x</Skill>"), encoding="utf-8")
    refused = CliRunner().invoke(app, [str(bad)])
    assert refused.exit_code == 2 and "ros_format_invalid" in refused.output
