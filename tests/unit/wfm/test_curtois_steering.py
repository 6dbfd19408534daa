"""The LNS's steered cover weights: where ``MaxTot`` leaves a shift type short whatever
the roster, a missing shift of another type weighs more -- in the first phase, and in
the second phase's step models while its rosters are judged by the real weights -- so
the search puts its gaps on the short type."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

import pytest
from tests.unit.wfm.test_curtois_bounds import COUNTED

from helpline.wfm.schedule.curtois import lns as lns_module
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.lns import _Search, solve_lns
from helpline.wfm.schedule.curtois.ros_format import Instance, load_ros
from helpline.wfm.schedule.curtois.steering import FACTOR, favour_short_types

Weights = dict[tuple[int, str], int | None]


def weights(instance: Instance) -> Weights:
    """Under-cover weight per (day, shift)."""
    return {(c.day, c.shift): c.min_weight for c in instance.cover}


@pytest.fixture()
def counted(tmp_path: Path) -> Instance:
    """The counting-bound test's instance: one employee, two weeks, early and night
    shifts wanted, day 0 fixed off."""
    path = tmp_path / "Counted.ros"
    path.write_text(COUNTED, encoding="utf-8")
    return load_ros(path)


@pytest.fixture()
def night_short(counted: Instance) -> Instance:
    """COUNTED without day 0's early shift: 13 early shifts wanted on the 13 days the
    employee may work (not short), 3 nights wanted and one allowed (short by 2)."""
    return replace(counted, cover=tuple(c for c in counted.cover
                                        if (c.day, c.shift) != (0, "E")))


def test_other_types_weigh_more_and_the_short_one_keeps_its_weight(
        night_short: Instance) -> None:
    steered = favour_short_types(night_short)
    assert steered is not None
    steered_weights = weights(steered)
    assert steered_weights[(1, "E")] == steered_weights[(13, "E")] == 100 * FACTOR
    assert steered_weights[(1, "N")] == steered_weights[(3, "N")] == 50
    assert steered.contracts == night_short.contracts  # rules untouched
    # early shifts on days 1-2: 11 early (100 each, 200 in the copy) and 3 nights (50
    # each in both) missing
    roster = {"A": (None, "E", "E") + (None,) * 11}
    real, phase = evaluate(night_short, roster), evaluate(steered, roster)
    assert real.feasible and phase.feasible
    assert real.under_cover_penalty == 11 * 100 + 3 * 50
    assert phase.under_cover_penalty == 11 * 100 * FACTOR + 3 * 50


def test_nothing_to_favour_when_no_type_or_only_short_ones_are_wanted(
        night_short: Instance) -> None:
    enough = replace(night_short, cover=tuple(c for c in night_short.cover
                                              if c.shift == "E"))
    assert favour_short_types(enough) is None
    assert favour_short_types(replace(night_short, cover=tuple(
        c for c in night_short.cover if c.shift == "N"))) is None  # only the short type
    # a hard minimum stays hard
    hard = replace(night_short, cover=tuple(
        replace(c, min_weight=None) if c.shift == "E" and c.day == 1 else c
        for c in night_short.cover))
    steered = favour_short_types(hard)
    assert steered is not None
    assert {c.min_weight for c in steered.cover if (c.day, c.shift) == (1, "E")} == {None}


def test_solve_lns_steers_the_first_phase_and_the_second_phases_steps(
        night_short: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Weights, Weights]] = []
    real_improve = lns_module.improve

    def recorded(instance: Instance, roster: object, **kwargs: object) -> object:
        steps_on = kwargs.get("steps_on") or instance
        seen.append((weights(instance), weights(steps_on)))  # type: ignore[arg-type]
        return real_improve(instance, roster, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns_module, "improve", recorded)
    result = solve_lns(night_short, time_limit_seconds=4, workers=2, random_seed=1)
    assert len(seen) == 2
    (first, first_steps), (second, second_steps) = seen
    # first phase: judged and stepped under the steered weights
    assert first[(2, "E")] == first_steps[(2, "E")] == 100 * FACTOR
    assert first[(2, "N")] == 50
    # second: judged by the real weights, its steps still steered
    assert second == weights(night_short)
    assert second_steps == first_steps
    assert result.roster is not None
    assert result.objective == evaluate(night_short, result.roster).penalty


def test_steps_seek_the_steered_optimum_and_keep_the_real_penalty(
        counted: Instance) -> None:
    # COUNTED with up to 3 nights (3 wanted: not short; the early shifts are, by day 0's
    # fixed day off), 1,080 minutes and nights weighing 100 like early shifts: one early
    # and one night shift (480 + 600) or two early ones (960) both leave 1,500 missing --
    # a tie under the real weights; with the nights weighing twice, early + night is
    # better, and a step from two early shifts must take it without changing the penalty
    contract = counted.contracts["Thin"]
    tied = replace(
        counted,
        contracts={**counted.contracts, "Thin": replace(
            contract, max_workload_minutes=(1080,),
            max_tot=tuple(replace(r, count=3) for r in contract.max_tot))},
        cover=tuple(replace(c, min_weight=100) for c in counted.cover))
    steered = favour_short_types(tied)
    assert steered is not None
    assert {c.min_weight for c in steered.cover if c.shift == "N"} == {100 * FACTOR}
    start = {"A": (None, "E", "E") + (None,) * 11}
    for seed in range(3):
        search = _Search(tied, start, steps_on=steered)
        assert search.objective == evaluate(tied, start).penalty == 12 * 100 + 3 * 100
        days = next(k for k in search.kinds if k.name == "days")
        days.size = float(tied.days)  # every cell free
        outcome, _ = search.step(days, 5.0, time.perf_counter() + 10, random.Random(seed))
        row = search.rows[0]
        assert outcome == "same" and search.objective == 1500  # real penalty, a tie
        assert row.count("E") == 1 and row.count("N") == 1
        assert evaluate(tied, search.roster()).feasible
