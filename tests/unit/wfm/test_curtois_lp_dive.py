"""The LP dive: from poor rows it reaches the hand-solved optimum where the LP is tight,
its roster keeps every hard rule (independent evaluator), the LNS collects the rows its
steps produce, and ``solve_lns`` dives only where the cover wants (nearly) all the
staff's maximum workload and there is time for it."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from tests.unit.wfm.test_curtois import TINY_OPTIMUM

from helpline.wfm.schedule.curtois import lns as lns_module
from helpline.wfm.schedule.curtois.bounds import workload_ratio
from helpline.wfm.schedule.curtois.cpsat_model import soft_penalty
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.lns import improve, solve_lns
from helpline.wfm.schedule.curtois.lp_dive import lp_dive
from helpline.wfm.schedule.curtois.ros_format import Instance

# Feasible but poor (see test_curtois_lns): 303.
TINY_POOR = {"A": (None, "E", "E"), "B": (None, None, None)}


def test_dive_from_poor_rows_reaches_the_hand_optimum(tiny: Instance) -> None:
    result = lp_dive(tiny, {e: [row] for e, row in TINY_POOR.items()},
                     time_limit_seconds=20.0)
    assert soft_penalty(tiny, TINY_POOR) == 303
    assert result.complete and result.steps >= 1
    assert result.lp_start == pytest.approx(TINY_OPTIMUM)  # the LP is tight here
    evaluation = evaluate(tiny, result.roster)
    assert evaluation.feasible and evaluation.penalty == TINY_OPTIMUM


def test_dive_rejects_a_bad_limit(tiny: Instance) -> None:
    with pytest.raises(ValueError):
        lp_dive(tiny, {e: [row] for e, row in TINY_POOR.items()}, time_limit_seconds=0)


def test_improve_collects_every_row_its_steps_produce(tiny: Instance) -> None:
    pool: dict[str, set[tuple[str | None, ...]]] = {}
    roster, stats = improve(tiny, TINY_POOR, time_limit_seconds=2.0, workers=2,
                            random_seed=1, pool=pool)
    assert stats.steps > 0
    for employee_id, row in TINY_POOR.items():
        assert row in pool[employee_id] and roster[employee_id] in pool[employee_id]
    assert sum(map(len, pool.values())) > 2  # steps added rows
    for employee_id, rows in pool.items():
        for row in rows:  # each meets the employee's own rules
            trial = {**TINY_POOR, employee_id: row}
            assert not [v for v in evaluate(tiny, trial).violations
                        if v.employee_id == employee_id], (employee_id, row)


def test_solve_lns_dives_where_the_cover_wants_the_whole_workload(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    dives: list[float] = []
    real_dive = lns_module.lp_dive

    def recorded(instance: Instance, rows: object, **kwargs: float) -> object:
        dives.append(kwargs["time_limit_seconds"])
        return real_dive(instance, rows, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns_module, "lp_dive", recorded)
    monkeypatch.setattr(lns_module, "DIVE_MIN_SECONDS", 1.0)
    ratio = workload_ratio(tiny)
    assert ratio == pytest.approx(5 * 480 / (1440 + 480))  # five shifts wanted
    result = solve_lns(tiny, time_limit_seconds=6, workers=2, random_seed=1)
    # half of the search, with what the phases left unused (their last half seconds)
    assert len(dives) == 1 and 2.5 < dives[0] < 4.5
    assert result.objective == TINY_OPTIMUM
    assert result.roster is not None and evaluate(tiny, result.roster).feasible
    roomy = replace(tiny, contracts={
        cid: replace(c, max_workload_minutes=tuple(3 * m for m in c.max_workload_minutes))
        for cid, c in tiny.contracts.items()})
    assert (workload_ratio(roomy) or 0) < lns_module.DIVE_MIN_WORKLOAD_RATIO
    dives.clear()
    solve_lns(roomy, time_limit_seconds=6, workers=2, random_seed=1)
    assert dives == []
    monkeypatch.setattr(lns_module, "DIVE_MIN_SECONDS", 30.0)
    solve_lns(tiny, time_limit_seconds=6, workers=2, random_seed=1)
    assert dives == []  # not worth it with 3 s


def test_solve_lns_searches_on_from_the_dive_with_the_time_it_leaves(
        tiny: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    searches: list[tuple[tuple[str | None, ...], ...]] = []  # each search's start
    real_improve = lns_module.improve

    def recorded(instance: Instance, roster: dict[str, tuple[str | None, ...]],
                 **kwargs: object) -> object:
        searches.append(tuple(roster[e.id] for e in instance.employees))
        return real_improve(instance, roster, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns_module, "improve", recorded)
    monkeypatch.setattr(lns_module, "DIVE_MIN_SECONDS", 1.0)
    started = time.perf_counter()
    result = solve_lns(tiny, time_limit_seconds=6, workers=2, random_seed=1)
    # whole weekends, own rules, then -- the dive on Tiny takes milliseconds of its ~3 s
    # -- a third search from the better roster, until the limit
    assert len(searches) == 3
    assert time.perf_counter() - started > 5.0
    assert result.objective == TINY_OPTIMUM
