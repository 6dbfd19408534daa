"""A roster from the column-generation LP by diving (``column_bound``'s master).

Where the LP of the one-column-per-schedule formulation is tight (Instance13: 1,348,
its proven optimum) but the LNS stalls well above it (13: 1,480-1,495 in 600 s, all
with the same 11 missing shifts as the optimum and ~130 more of broken requests), the
LP knows which employees should trade requests for cover together. The dive turns it
into a roster: column generation from the given rows (an LNS's) until it converges or
``CONVERGE_SHARE`` of the time is spent; then, repeatedly, for every employee the column
of largest weight names each free day's value, and the days whose value holds
``THRESHOLD`` of the LP's weight -- and at least ``STEP_SHARE`` of the free days, the
most certain first -- are fixed to it; a few pricing rounds (with the fixed days
forced) restore the LP. Fixing from one column per employee keeps a row that fits
every fixed day, so the LP never runs dry. When every day is fixed, or time is up,
each employee takes the column of largest weight that fits: every column meets the
employee's hard rules, so the roster is feasible (hard cover is checked by the
caller's evaluator). On Instance13, from the 6,816 rows of a 600 s LNS (1,480), the LP
converged in 12 rounds (178 s); the dive then kept the LP at 1,348 to the end and gave a
roster of 1,348 (the optimum), fixing 5% of the free days per step in 65 steps (298 s),
or 8% in 50 steps (188 s); 15% with two pricing rounds per step took 78 s but the LP
climbed to 1,972. From the 120 rows of that roster alone, 180 s of column generation
reach only 1,398.6 (converged after 321 s): the dive needs the search's rows.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from helpline.wfm.schedule.curtois.column_bound import (
    ColumnGeneration,
    MasterSolution,
    Row,
)
from helpline.wfm.schedule.curtois.ros_format import Instance

#: Share of the time limit the first column generation may take before the dive.
CONVERGE_SHARE = 0.5
#: A free day whose value (from the employee's heaviest column) holds this much of the
#: LP's weight is fixed in the next step.
THRESHOLD = 0.9
#: At least this share of the free days is fixed per step.
STEP_SHARE = 0.08
#: Pricing rounds after each step at most.
ROUNDS_PER_STEP = 3


@dataclass(frozen=True)
class DiveResult:
    """The roster, the LP's value before the dive and at its end, the steps taken and
    whether every day was fixed by the dive (else the heaviest columns filled in)."""

    roster: dict[str, Row]
    lp_start: float
    lp_end: float
    steps: int
    complete: bool
    seconds: float


def lp_dive(instance: Instance, rows: Mapping[str, Iterable[Sequence[str | None]]], *,
            time_limit_seconds: float, workers: int = 2,
            pricing_seconds: float = 1.0) -> DiveResult:
    """A roster by column generation from ``rows`` and a dive (module docstring), in at
    most about ``time_limit_seconds`` (a pricing round in progress finishes)."""
    if time_limit_seconds <= 0 or workers < 1:
        raise ValueError("time_limit_seconds must be > 0 and workers >= 1")
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    generation = ColumnGeneration(instance, rows, pricing_seconds=pricing_seconds)
    days = instance.days
    with ThreadPoolExecutor(max_workers=workers) as executor:
        solution = _converge(generation, executor,
                             started + CONVERGE_SHARE * time_limit_seconds, None)
        lp_start = solution.value
        steps = 0
        while time.perf_counter() < deadline:
            free = [(e, day) for e, fixed in enumerate(generation.fixed)
                    for day in range(days) if day not in fixed]
            if not free:
                break
            _fix(generation, solution, free)
            steps += 1
            solution = _converge(generation, executor, deadline, ROUNDS_PER_STEP)
    complete = all(len(fixed) == days for fixed in generation.fixed)
    roster = {}
    for e, employee in enumerate(instance.employees):
        weight = {row: w for (c, row), w in zip(solution.columns, solution.weights,
                                                strict=True) if c == e}
        roster[employee.id] = max(weight, key=lambda row: weight[row])
    return DiveResult(roster, lp_start, solution.value, steps, complete,
                      time.perf_counter() - started)


def _converge(generation: ColumnGeneration, executor: ThreadPoolExecutor,
              until: float, rounds: int | None) -> MasterSolution:
    """Pricing rounds until no column enters, ``rounds`` are done or ``until``."""
    solution = generation.solve()
    done = 0
    while rounds is None or done < rounds:
        left = until - time.perf_counter()
        if left < 0.05:
            break
        _, added, _ = generation.price(solution, left, executor)
        done += 1
        if not added:
            break
        solution = generation.solve()
    return solution


def _fix(generation: ColumnGeneration, solution: MasterSolution,
         free: Sequence[tuple[int, int]]) -> None:
    """Fix the free days whose value in the employee's heaviest column holds
    ``THRESHOLD`` of the LP's weight, and at least ``STEP_SHARE`` of them."""
    heaviest: dict[int, tuple[float, Row]] = {}
    share: defaultdict[tuple[int, int, str | None], float] = defaultdict(float)
    for (e, row), weight in zip(solution.columns, solution.weights, strict=True):
        if weight <= 1e-9:
            continue
        if e not in heaviest or weight > heaviest[e][0]:
            heaviest[e] = (weight, row)
        for day, value in enumerate(row):
            share[(e, day, value)] += weight
    ranked = sorted(((share[(e, day, heaviest[e][1][day])], e, day) for e, day in free),
                    reverse=True)
    least = max(1, math.ceil(STEP_SHARE * len(free)))
    for i, (weight, e, day) in enumerate(ranked):
        if weight < THRESHOLD and i >= least:
            break
        generation.fixed[e][day] = heaviest[e][1][day]
