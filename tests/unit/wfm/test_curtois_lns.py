"""Large-neighbourhood search for the Curtois & Qu benchmark: it improves a feasible
roster without breaking a hard rule (independent evaluator), merges results computed
from an older incumbent only when the merged roster keeps every hard rule (whole rows, or
the changed days of a row changed meanwhile), builds small step models for a few
employees, draws neighbourhood kinds by recent success, and is reachable from the CLI;
``auto`` picks it for the larger instances."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from ortools.sat.python import cp_model
from tests.unit.wfm.test_curtois import (
    INSTANCES,
    TINY,
    TINY_BEST,
    TINY_OPTIMUM,
    needs_data,
    weekend_limit,
)
from tests.unit.wfm.test_curtois_bounds import COUNTED
from typer.testing import CliRunner

from helpline.wfm.schedule.curtois import lns as lns_module
from helpline.wfm.schedule.curtois.cli import roster_benchmark_command
from helpline.wfm.schedule.curtois.cpsat_model import greedy_roster, soft_penalty
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.lns import _Search, improve, solve_lns
from helpline.wfm.schedule.curtois.methods import choose_method, solve_instance
from helpline.wfm.schedule.curtois.ros_format import Instance, load_ros
from helpline.wfm.schedule.curtois.weekends import (
    NO_HALF_WEEKENDS,
    whole_weekends,
)

# Feasible but poor: B stays home, so Fri E, Fri L and Sat L are uncovered (3 x 100) and
# B's ShiftOn (Sat E, 3) is missed: 303 (the hand optimum is 203, see test_curtois).
TINY_POOR = {"A": (None, "E", "E"), "B": (None, None, None)}


def test_improve_reaches_the_hand_optimum_from_a_poor_roster(tiny: Instance) -> None:
    start = evaluate(tiny, TINY_POOR)
    assert start.feasible and start.penalty == 303
    roster, stats = improve(tiny, TINY_POOR, time_limit_seconds=3, workers=2,
                            random_seed=3)
    assert roster == TINY_BEST
    assert evaluate(tiny, roster).penalty == TINY_OPTIMUM
    assert stats.improvements >= 1 and stats.trace[0] == (0.0, 303)
    assert stats.trace[-1][1] == TINY_OPTIMUM
    assert sum(tried for tried, _ in stats.kinds.values()) == stats.steps


def test_merge_keeps_rows_of_employees_changed_once(tiny: Instance) -> None:
    # A early on Fri and Sat, B home: Fri L, Sat L, Sun E uncovered + B's ShiftOn = 303
    search = _Search(tiny, {"A": ("E", "E", None), "B": (None, None, None)})
    assert search.objective == 303
    base, version = list(search.rows), search.version
    a, b = (search.built.employees.index(e) for e in tiny.employees)
    # one searcher moves A to Sat E + Sun E: still 303, kept (plateau), version + 1
    moved_a = list(base)
    moved_a[a] = (None, "E", "E")
    assert search._commit(base, moved_a, version, 303) == "same"
    assert search.version == version + 1
    # another one, from the old incumbent, put B on Fri E: merged onto the new one
    moved_b = list(base)
    moved_b[b] = ("E", None, None)
    assert search._commit(base, moved_b, version, 303) == "merged"
    assert search.objective == TINY_OPTIMUM
    assert search.rows == [TINY_BEST[e.id] for e in search.built.employees]
    # a third one, also from the old incumbent, changed A again: dropped
    other_a = list(base)
    other_a[a] = ("L", "L", None)
    assert search._commit(base, other_a, version, 303) == "dropped"
    assert search.rows == [TINY_BEST[e.id] for e in search.built.employees]


# One employee, a week of early shifts (at most 5: 2,400 minutes), one wanted each day
# (100 per missing one): every day off costs 100.
WEEK = """<?xml version="1.0" encoding="UTF-8"?>
<SchedulingPeriod>
  <StartDate>2024-01-01</StartDate><EndDate>2024-01-07</EndDate>
  <ShiftTypes>
    <Shift ID="E"><StartTime>6:0</StartTime><Duration>480</Duration></Shift>
  </ShiftTypes>
  <Contracts>
    <Contract ID="Five">
      <Workload><TimeUnits><Max><Count>2400</Count></Max></TimeUnits></Workload>
      <ValidShifts shift="E,"/>
    </Contract>
  </Contracts>
  <Employees><Employee ID="A"><ContractID>Five</ContractID></Employee></Employees>
  <CoverRequirements>{cover}</CoverRequirements>
</SchedulingPeriod>
""".format(cover="".join(
    f'<DayOfWeekCover><Day>{day}</Day><Cover><Shift>E</Shift><Min weight="100">1</Min>'
    "</Cover></DayOfWeekCover>"
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                "Sunday")))


def _row(worked: str) -> tuple[str | None, ...]:
    """``"E.E...."`` -> the row: E on the marked days."""
    return tuple("E" if mark == "E" else None for mark in worked)


def test_merge_takes_the_changed_days_of_a_row_changed_twice(tmp_path: Path) -> None:
    path = tmp_path / "Week.ros"
    path.write_text(WEEK, encoding="utf-8")
    week = load_ros(path)
    base = [_row("E......")]
    search = _Search(week, {"A": base[0]})
    assert search.objective == 600
    assert search._commit(base, [_row("E.E....")], 0, 600) == "better"
    # computed from the first incumbent: its new day (Sat) joins the row changed meanwhile
    assert search._commit(base, [_row("E....E.")], 0, 600) == "merged"
    assert search.rows == [_row("E.E..E.")] and search.objective == 400
    # four more days on top would make seven shifts (at most five): a hard violation
    assert search._commit(base, [_row("EE.EE.E")], 0, 600) == "dropped"
    assert search.rows == [_row("E.E..E.")] and search.objective == 400
    assert evaluate(week, search.roster()).penalty == 400


def test_step_models_of_a_few_employees_hold_only_those(tiny: Instance) -> None:
    search = _Search(tiny, TINY_POOR)
    a, b = (search.built.employees.index(e) for e in tiny.employees)
    full = len(search.built.model.proto.variables)
    for free, shift_only in (({(b, d) for d in range(3)}, False),
                             ({(e, d) for e in (a, b) for d in range(3)}, False),
                             ({(e, d) for e in (a, b) for d in range(3)}, True)):
        model, read = search._step_model(search.rows, free, shift_only=shift_only)
        assert (len(model.proto.variables) < full) == (free == {(b, d) for d in range(3)})
        solver = cp_model.CpSolver()
        assert solver.solve(model) == cp_model.OPTIMAL
        rows = read(solver)
        if shift_only:  # who works on which day stays: only B's Fri E would help
            assert [[x is None for x in row] for row in rows] == [
                [x is None for x in row] for row in search.rows]
            assert soft_penalty(tiny, search.roster(rows)) == 303
        else:  # B on Fri E: the hand optimum, with A's row as it was
            assert search.roster(rows) == TINY_BEST


def test_kinds_are_drawn_by_recent_success(tiny: Instance) -> None:
    search = _Search(tiny, TINY_POOR)
    for kind in search.kinds:
        kind.score = 0.0
    search.kinds[1].score = 1.0
    rng = random.Random(7)
    drawn = [search.pick(rng).name for _ in range(400)]
    # 1 against a floor of 0.05 for each other kind: about 1 / (1 + 0.05 * others)
    share = drawn.count(search.kinds[1].name) / len(drawn)
    others = len(search.kinds) - 1
    assert abs(share - 1 / (1 + 0.05 * others)) < 0.06
    assert set(drawn) == {k.name for k in search.kinds}


def test_merge_of_other_employees_is_checked_against_a_hard_cover(
        tmp_path: Path) -> None:
    # WEEK with a second employee and at most one on Monday (a hard bound: no weight)
    path = tmp_path / "Week2.ros"
    path.write_text(WEEK.replace(
        '<Employees>', '<Employees><Employee ID="B"><ContractID>Five</ContractID></Employee>'
    ).replace('<Min weight="100">1</Min></Cover>',
              '<Min weight="100">1</Min><Max>1</Max></Cover>', 1), encoding="utf-8")
    week = load_ros(path)
    search = _Search(week, {"A": _row("......."), "B": _row(".......")})
    assert search.hard_cover and search.objective == 700
    a, b = (search.built.employees.index(e) for e in week.employees)
    base = list(search.rows)
    on_monday = {a: list(base), b: list(base)}
    on_monday[a][a] = on_monday[b][b] = _row("E......")
    assert search._commit(base, on_monday[a], 0, 700) == "better"
    # B was not changed meanwhile, but A and B on Monday break the hard bound
    assert search._commit(base, on_monday[b], 0, 700) == "dropped"
    assert search.rows[b] == _row(".......") and search.objective == 600
    assert evaluate(week, search.roster()).feasible


def test_neighbourhoods_stay_inside_the_roster(tiny: Instance) -> None:
    search = _Search(tiny, TINY_POOR)
    rng = random.Random(5)
    for kind in search.kinds:
        for size in (kind.low, kind.high, kind.high * 2):
            kind.size = size
            cells = search.cells(kind, search.rows, rng)
            assert cells and all(0 <= e < 2 and 0 <= d < 3 for e, d in cells)


def test_solve_lns_and_cli_method(tiny: Instance, tmp_path: Path) -> None:
    result = solve_lns(tiny, time_limit_seconds=4, workers=2, random_seed=1)
    # the counting bound: Sat E, Sat L, Sun E wanted, B may work no weekend (1 missing)
    assert result.status == "LNS" and result.best_bound == 100
    assert result.objective == TINY_OPTIMUM and result.lns_steps
    assert evaluate(tiny, result.roster).penalty == TINY_OPTIMUM
    app = typer.Typer()
    app.command()(roster_benchmark_command)
    source = tmp_path / "Tiny.ros"
    source.write_text(TINY, encoding="utf-8")
    ran = CliRunner().invoke(app, [str(source), "--time-limit", "4", "--method", "lns",
                                   "--json"])
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.output)
    assert report["method"] == "lns" and report["objective"] == TINY_OPTIMUM
    assert report["hard_violations"] == 0 and report["evaluator_agrees"] is True
    refused = CliRunner().invoke(app, [str(source), "--method", "tabu"])
    assert refused.exit_code == 2 and "--method must be one of" in refused.output
    with pytest.raises(ValueError, match="method"):
        solve_instance(tiny, method="tabu")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        improve(tiny, TINY_POOR, time_limit_seconds=0)


def test_solve_lns_gives_the_start_more_time_when_the_first_finds_no_roster(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    """On 364-day horizons the 5% start found no roster (Instance22-24 in 48-61 s), and
    the search gave up; now a second start gets up to half the limit. (Tiny limits
    weekends, so the first start is the whole-weekends one; both first ones fail.)"""
    calls: list[tuple[float, int]] = []

    def first_fails(instance: Instance, *, time_limit_seconds: float, workers: int,
                    random_seed: int | None) -> dict[str, tuple[str | None, ...]] | None:
        calls.append((time_limit_seconds, workers))
        if len(calls) <= 2:
            return None
        return greedy_roster(instance, time_limit_seconds=1, workers=workers,
                             random_seed=random_seed)

    monkeypatch.setattr(lns_module, "greedy_roster", first_fails)
    result = solve_lns(tiny, time_limit_seconds=8, workers=2, random_seed=1)
    assert [w for _, w in calls] == [2, 2, 2]  # the start uses the search's threads
    assert calls[0][0] == calls[1][0] == pytest.approx(0.4)  # 5% of 8 s
    assert 1.5 < calls[2][0] <= 2.0  # (50% of 8 s - time spent) / 2
    assert result.status == "LNS" and result.objective == TINY_OPTIMUM

    monkeypatch.setattr(lns_module, "greedy_roster", lambda *_, **__: None)
    given_up = solve_lns(tiny, time_limit_seconds=2, workers=1)
    assert given_up.status == "UNKNOWN" and given_up.objective is None


@needs_data
def test_auto_picks_cpsat_for_1_to_11_and_lns_beyond() -> None:
    chosen = {n: choose_method(load_ros(INSTANCES / f"Instance{n}.ros"))
              for n in (1, 7, 11, 12, 14, 18)}
    assert chosen == {1: "cpsat", 7: "cpsat", 11: "cpsat", 12: "lns", 14: "lns",
                      18: "lns"}


@needs_data
def test_improve_on_a_real_instance_keeps_every_hard_rule() -> None:
    instance = load_ros(INSTANCES / "Instance14.ros")
    start = greedy_roster(instance, time_limit_seconds=5, workers=1, random_seed=2)
    assert start is not None
    before = soft_penalty(instance, start)
    roster, stats = improve(instance, start, time_limit_seconds=10, workers=2,
                            random_seed=2)
    check = evaluate(instance, roster)
    assert check.feasible, check.violations[:5]
    assert check.penalty == soft_penalty(instance, roster) < before
    assert stats.trace[-1][1] == check.penalty


# One employee over two weeks from Monday 2024-01-01: at most one weekend and two shifts;
# early shifts wanted on the second Saturday and Sunday (10 each).
FORTNIGHT = """<?xml version="1.0" encoding="UTF-8"?>
<SchedulingPeriod>
  <StartDate>2024-01-01</StartDate><EndDate>2024-01-14</EndDate>
  <ShiftTypes>
    <Shift ID="E"><StartTime>6:0</StartTime><Duration>480</Duration></Shift>
  </ShiftTypes>
  <Contracts>
    <Contract ID="Weekender">
      <Workload><TimeUnits><Max><Count>960</Count></Max></TimeUnits></Workload>
      {weekends}
      <ValidShifts shift="E,"/>
    </Contract>
  </Contracts>
  <Employees><Employee ID="A"><ContractID>Weekender</ContractID></Employee></Employees>
  <ShiftOnRequests>
    <ShiftOn weight="10"><Shift>E</Shift><EmployeeID>A</EmployeeID><Day>12</Day></ShiftOn>
    <ShiftOn weight="10"><Shift>E</Shift><EmployeeID>A</EmployeeID><Day>13</Day></ShiftOn>
  </ShiftOnRequests>
</SchedulingPeriod>
""".format(weekends=weekend_limit(1, "One weekend"))


def test_weekends_neighbourhood_moves_weekend_work_between_weeks(tmp_path: Path) -> None:
    path = tmp_path / "Fortnight.ros"
    path.write_text(FORTNIGHT, encoding="utf-8")
    fortnight = load_ros(path)
    first_weekend = tuple("E" if day in (5, 6) else None for day in range(14))
    search = _Search(fortnight, {"A": first_weekend})
    assert search.objective == 20  # both wishes for the second weekend missed
    weekends = next(k for k in search.kinds if k.name == "weekends")
    # Friday to Monday of both weeks (1 January 2024 is a Monday)
    assert search.cells(weekends, search.rows, random.Random(1)) == {
        (0, day) for day in (0, 4, 5, 6, 7, 11, 12, 13)}
    outcome, _ = search.step(weekends, 5.0, 1e18, random.Random(2))
    assert outcome == "better" and search.objective == 0
    assert search.rows == [tuple("E" if day in (12, 13) else None for day in range(14))]
    assert evaluate(fortnight, search.roster()).feasible


# Five employees over two weeks from Monday 2024-01-01; the second Saturday (day 12) wants
# two early shifts and has one (Busy). Full has worked its one weekend and its 960 min;
# Half works the Sunday of that weekend (480 min); Home works nothing; Busy works days 2
# and 12 (960 min); Night may only work nights (480 min). Who could take the shift:
# Half (no new weekend) and Home. Who has workload room: Half, Home and Night.
SHORT_SATURDAY = """<?xml version="1.0" encoding="UTF-8"?>
<SchedulingPeriod>
  <StartDate>2024-01-01</StartDate><EndDate>2024-01-14</EndDate>
  <ShiftTypes>
    <Shift ID="E"><StartTime>6:0</StartTime><Duration>480</Duration></Shift>
    <Shift ID="N"><StartTime>22:0</StartTime><Duration>480</Duration></Shift>
  </ShiftTypes>
  <Contracts>
    <Contract ID="Early">
      <Workload><TimeUnits><Max><Count>960</Count></Max></TimeUnits></Workload>
      {weekends}
      <ValidShifts shift="E,"/>
    </Contract>
    <Contract ID="Nights">
      <Workload><TimeUnits><Max><Count>960</Count></Max></TimeUnits></Workload>
      {weekends}
      <ValidShifts shift="N,"/>
    </Contract>
  </Contracts>
  <Employees>
    <Employee ID="Full"><ContractID>Early</ContractID></Employee>
    <Employee ID="Half"><ContractID>Early</ContractID></Employee>
    <Employee ID="Home"><ContractID>Early</ContractID></Employee>
    <Employee ID="Busy"><ContractID>Early</ContractID></Employee>
    <Employee ID="Night"><ContractID>Nights</ContractID></Employee>
  </Employees>
  <CoverRequirements>
    <DateSpecificCover><Day>12</Day>
      <Cover><Shift>E</Shift><Min weight="100">2</Min></Cover>
    </DateSpecificCover>
  </CoverRequirements>
</SchedulingPeriod>
""".format(weekends=weekend_limit(1, "One weekend"))


def _short_saturday(tmp_path: Path) -> _Search:
    path = tmp_path / "ShortSaturday.ros"
    path.write_text(SHORT_SATURDAY, encoding="utf-8")
    instance = load_ros(path)

    def worked(shift: str, *days: int) -> tuple[str | None, ...]:
        return tuple(shift if day in days else None for day in range(14))

    search = _Search(instance, {"Full": worked("E", 5, 6), "Half": worked("E", 13),
                                "Home": worked("E"), "Busy": worked("E", 2, 12),
                                "Night": worked("N", 1)})
    assert search.objective == 100  # one early shift short on day 12
    return search


def test_missed_cover_short_only_leaves_out_over_cover(tiny: Instance) -> None:
    # Day 0: two earlies (over 1), no late; day 1: neither; day 2: its early.
    search = _Search(tiny, {"A": ("E", None, "E"), "B": ("E", None, None)})
    assert sorted(search.missed_cover(search.rows)) == [
        (0, "E"), (0, "L"), (1, "E"), (1, "L")]
    assert sorted(search.missed_cover(search.rows, short_only=True)) == [
        (0, "L"), (1, "E"), (1, "L")]


def test_takers_are_who_could_take_a_short_shift_and_who_has_room(tmp_path: Path) -> None:
    search = _short_saturday(tmp_path)
    ids = [e.id for e in search.built.employees]
    firsts, seconds = set(), set()
    for seed in range(30):
        day, chosen = search._takers(2, search.rows, random.Random(seed))
        first, second = (ids[e] for e in chosen)
        assert day == 12
        assert first in {"Half", "Home"}  # off that day, may work E, no second weekend
        assert second in {"Half", "Home", "Night"} - {first}  # below 960 min
        firsts.add(first)
        seconds.add(second)
    assert firsts == {"Half", "Home"} and "Night" in seconds


def test_takers_step_covers_the_short_shift(tmp_path: Path) -> None:
    search = _short_saturday(tmp_path)
    takers = next(k for k in search.kinds if k.name == "takers")
    cells = search.cells(takers, search.rows, random.Random(1))
    # Friday to Monday of both weeks, for the chosen employees
    assert {day for _, day in cells} == {0, 4, 5, 6, 7, 11, 12, 13}
    outcome, _ = search.step(takers, 5.0, 1e18, random.Random(2))
    assert outcome == "better" and search.objective == 0
    assert evaluate(search.instance, search.roster()).feasible


def test_takers_of_a_one_employee_roster(tmp_path: Path) -> None:
    # the kind asks for at least two employees; with one it must take that one (it
    # raised ValueError in the searcher thread, which then stopped)
    path = tmp_path / "Counted.ros"
    path.write_text(COUNTED, encoding="utf-8")
    search = _Search(load_ros(path), {"A": (None, "E", "E") + (None,) * 11})
    takers = next(k for k in search.kinds if k.name == "takers")
    for seed in range(20):
        cells = search.cells(takers, search.rows, random.Random(seed))
        assert {e for e, _ in cells} == {0}


def test_no_weekends_neighbourhood_without_a_weekend(tmp_path: Path) -> None:
    path = tmp_path / "Midweek.ros"  # Tuesday to Thursday
    path.write_text(WEEK.replace("2024-01-01", "2024-01-02").replace("2024-01-07",
                                                                     "2024-01-04"),
                    encoding="utf-8")
    midweek = load_ros(path)
    search = _Search(midweek, {"A": (None, None, None)})
    assert not {"weekends", "takers"} & {k.name for k in search.kinds}
    assert "days" in {k.name for k in search.kinds}


def test_improve_begins_no_step_it_cannot_build_before_the_deadline(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    # A step model that takes 0.8 s to build (Instance24's whole-model copies take
    # seconds): a step begun with 0.5-1.3 s left would end past the limit.
    build = _Search._step_model

    def slow_build(self: _Search, *args: object, **kwargs: object) -> object:
        time.sleep(0.8)
        return build(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_Search, "_step_model", slow_build)
    started = time.perf_counter()
    roster, stats = improve(tiny, TINY_POOR, time_limit_seconds=3.0, workers=2,
                            random_seed=1)
    assert time.perf_counter() - started < 3.05
    assert stats.steps >= 2 and soft_penalty(tiny, roster) <= soft_penalty(tiny, TINY_POOR)


def test_steps_get_the_longer_limit_once_the_search_stalls(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[float, float]] = []  # (seconds since start, the step's limit)
    step = _Search.step

    def recorded(self: _Search, kind: object, seconds: float, *args: object) -> object:
        calls.append((time.perf_counter() - started, seconds))
        return step(self, kind, seconds, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_Search, "step", recorded)
    started = time.perf_counter()
    roster, stats = improve(tiny, TINY_POOR, time_limit_seconds=2.5, workers=1,
                            random_seed=1, step_seconds=0.5, stall_seconds=1.0,
                            stalled_step_seconds=0.25)
    assert soft_penalty(tiny, roster) == TINY_OPTIMUM  # reached early, then nothing to gain
    last_gain = stats.trace[-1][0]
    assert last_gain < 1.0
    assert {limit for _, limit in calls} == {0.5, 0.25}
    for at, limit in calls:  # 50 ms for the clocks of the two records to differ
        if at < last_gain + 1.0 - 0.05:
            assert limit == 0.5, (at, last_gain)
        elif at > last_gain + 1.0 + 0.05:
            assert limit == 0.25, (at, last_gain)


def test_improve_rejects_a_bad_stall_setting(tiny: Instance) -> None:
    with pytest.raises(ValueError):
        improve(tiny, TINY_POOR, time_limit_seconds=1.0, stalled_step_seconds=0)
    with pytest.raises(ValueError):
        improve(tiny, TINY_POOR, time_limit_seconds=1.0, stall_seconds=-1)


def test_whole_weekends_forbids_half_weekends_where_weekends_are_limited(
        tmp_path: Path) -> None:
    path = tmp_path / "Fortnight.ros"
    path.write_text(FORTNIGHT, encoding="utf-8")
    fortnight = load_ros(path)
    restricted = whole_weekends(fortnight)
    assert restricted is not None
    saturday_only = {"A": tuple("E" if day == 5 else None for day in range(14))}
    sunday_only = {"A": tuple("E" if day == 13 else None for day in range(14))}
    whole = {"A": tuple("E" if day in (12, 13) else None for day in range(14))}
    for half in (saturday_only, sunday_only):
        assert evaluate(fortnight, half).feasible
        assert [v.kind for v in evaluate(restricted, half).violations] == ["pattern_max"]
    assert evaluate(restricted, whole).feasible
    # only the contract's rules change; the original instance is untouched
    assert restricted.cover == fortnight.cover and restricted.requests == fortnight.requests
    assert NO_HALF_WEEKENDS not in fortnight.contracts["Weekender"].matches


def test_whole_weekends_leaves_contracts_without_a_weekend_limit(
        tiny: Instance, tmp_path: Path) -> None:
    path = tmp_path / "Week.ros"
    path.write_text(WEEK, encoding="utf-8")
    assert whole_weekends(load_ros(path)) is None  # no contract limits weekends
    restricted = whole_weekends(tiny)  # "Part" limits weekends, "Full" does not
    assert restricted is not None
    changed = {cid for cid, c in restricted.contracts.items()
               if c != tiny.contracts[cid]}
    assert changed == {"Part"}
    assert restricted.contracts["Part"].matches == (*tiny.contracts["Part"].matches,
                                                    NO_HALF_WEEKENDS)


def _record_searches(tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per ``improve`` call of ``solve_lns``, whether it searched a copy of ``tiny``
    (the whole-weekends one) rather than ``tiny`` itself."""
    searched_on: list[bool] = []
    real_improve = lns_module.improve

    def improve_on(instance: Instance, roster: object, **kwargs: object) -> object:
        searched_on.append(instance is not tiny)
        return real_improve(instance, roster, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns_module, "improve", improve_on)
    return searched_on


def test_solve_lns_skips_the_whole_weekends_phase_past_its_horizon(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    searched_on = _record_searches(tiny, monkeypatch)
    monkeypatch.setattr(lns_module, "WHOLE_WEEKENDS_MAX_DAYS", tiny.days - 1)
    result = solve_lns(tiny, time_limit_seconds=2, workers=2, random_seed=1)
    assert searched_on == [False]  # one search, under the instance's own rules
    assert result.roster is not None and evaluate(tiny, result.roster).feasible
    monkeypatch.setattr(lns_module, "WHOLE_WEEKENDS_MAX_DAYS", tiny.days)
    searched_on.clear()  # 4 s: the second phase needs over 1 s left after the first
    solve_lns(tiny, time_limit_seconds=4, workers=2, random_seed=1)
    assert searched_on == [True, False]


def test_solve_lns_searches_under_whole_weekends_first(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bool, float]] = []
    real_improve = lns_module.improve

    def recorded(instance: Instance, roster: object, **kwargs: object) -> object:
        restricted = any(NO_HALF_WEEKENDS in c.matches for c in instance.contracts.values())
        calls.append((restricted, kwargs["time_limit_seconds"]))  # type: ignore[arg-type]
        return real_improve(instance, roster, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns_module, "improve", recorded)
    result = solve_lns(tiny, time_limit_seconds=4, workers=2, random_seed=1)
    assert [restricted for restricted, _ in calls] == [True, False]
    (_, first), (_, second) = calls
    share = lns_module.WHOLE_WEEKENDS_SHARE
    # the first phase gets its share of the search time; the second the rest, with what
    # the first left unused (a searcher begins no step in its last half second)
    assert share - 0.15 < first / (first + second) <= share + 0.01
    assert result.roster is not None
    assert evaluate(tiny, result.roster).penalty == TINY_OPTIMUM


def test_solve_lns_uses_the_own_rules_when_no_whole_weekend_start_exists(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    real_greedy = lns_module.greedy_roster
    started_on: list[bool] = []

    def no_whole_weekend_roster(instance: Instance, **kwargs: object) -> object:
        restricted = instance is not tiny
        started_on.append(restricted)
        return None if restricted else real_greedy(instance, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns_module, "greedy_roster", no_whole_weekend_roster)
    searched_on = _record_searches(tiny, monkeypatch)
    result = solve_lns(tiny, time_limit_seconds=3, workers=2, random_seed=1)
    assert started_on == [True, False] and searched_on == [False]
    assert result.roster is not None and evaluate(tiny, result.roster).feasible


def test_improve_raises_a_searchers_exception_and_stops_the_others(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first step fails; the other searcher must stop too and improve must raise it
    # (a thread's exception used to be printed only, and the search went on).
    step = _Search.step
    calls = iter(range(1_000_000))

    def failing_once(self: _Search, *args: object) -> object:
        if next(calls) == 0:
            raise RuntimeError("step failed")
        return step(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_Search, "step", failing_once)
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="step failed"):
        improve(tiny, TINY_POOR, time_limit_seconds=10.0, workers=2, random_seed=1,
                step_seconds=0.2)
    assert time.perf_counter() - started < 3.0  # not the 10 s limit


def test_improve_refuses_steps_on_with_other_rules(tiny: Instance) -> None:
    other_rules = [
        replace(tiny, employees=tiny.employees[:1]),
        replace(tiny, days=tiny.days - 1),
        replace(tiny, fixed=()),
        replace(tiny, cover=tiny.cover[:-1]),
        replace(tiny, cover=tuple(replace(c, min_count=2) for c in tiny.cover)),
        replace(tiny, contracts={cid: replace(c, max_seq=()) for cid, c
                                 in tiny.contracts.items()}),
    ]
    for steps_on in other_rules:
        with pytest.raises(ValueError, match="other soft weights only"):
            improve(tiny, TINY_POOR, time_limit_seconds=1.0, steps_on=steps_on)
    heavier = replace(tiny, cover=tuple(replace(c, min_weight=(c.min_weight or 0) * 3)
                                        for c in tiny.cover),
                      requests=tuple(replace(r, weight=r.weight + 1)
                                     for r in tiny.requests))
    roster, _ = improve(tiny, TINY_POOR, time_limit_seconds=1.0, steps_on=heavier,
                        random_seed=1)
    assert not evaluate(tiny, roster).violations
