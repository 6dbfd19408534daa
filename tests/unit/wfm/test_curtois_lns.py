"""Large-neighbourhood search for the Curtois & Qu benchmark: it improves a feasible
roster without breaking a hard rule (independent evaluator), merges results computed
from an older incumbent only when no employee was changed twice, and is reachable from
the CLI; ``auto`` picks it for the larger instances."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import typer
from tests.unit.wfm.test_curtois import INSTANCES, TINY, TINY_BEST, TINY_OPTIMUM, needs_data
from typer.testing import CliRunner

from helpline.wfm.schedule.curtois.cli import roster_benchmark_command
from helpline.wfm.schedule.curtois.cpsat_model import greedy_roster, soft_penalty
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.lns import _Search, improve, solve_lns
from helpline.wfm.schedule.curtois.methods import choose_method, solve_instance
from helpline.wfm.schedule.curtois.ros_format import Instance, load_ros

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


def test_merge_is_refused_when_a_cover_bound_is_hard(tiny: Instance) -> None:
    search = _Search(tiny, TINY_POOR)
    search.hard_cover = True
    base, version = list(search.rows), search.version
    b = search.built.employees.index(tiny.employees[1])
    moved_b = list(base)
    moved_b[b] = ("E", None, None)
    search._commit(base, moved_b, version, 303)
    a = search.built.employees.index(tiny.employees[0])
    same_a = list(base)
    same_a[a] = (None, "E", "E")  # unchanged: nothing to merge
    assert search._commit(base, same_a, version, 303) == "same"
    other_a = list(base)
    other_a[a] = ("L", None, None)
    assert search._commit(base, other_a, version, 303) == "dropped"


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
    assert result.status == "LNS" and result.best_bound == 0
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
