"""Our own lower bound on the shift-design optimum: a strengthened LP relaxation (GLOP).

Independent of CP-SAT (built and solved with ``ortools.linear_solver.pywraplp``/GLOP).
It relaxes the problem ``P0``, which is ``P`` without the duty rule (the weighted duty
term is >= 0, the bounded duty limit only removes schedules), so ``opt(P) >= opt(P0)``.
For ``P0``, capping the workers of shift ``j`` on day ``d`` by the peak demand ``m[j, d]``
over its slots loses no optimum (a worker above that peak only adds over-cover).

LP: ``x[j, d]`` in ``[0, m[j, d]]``, ``y[j]`` in ``[0, 1]`` with ``x[j, d] <= m[j, d] *
y[j]``, ``coverage - demand = over - under`` per slot (``under = 0`` when bounded), and
minimise ``wO * interval * sum(over) + wU * interval * sum(under) + wS * sum(y)``.

Strengthening (what makes it much stronger than the plain relaxation):

1. *Jump cuts*. Where demand rises by ``delta > 0`` from slot ``t - 1`` to ``t``,
   ``coverage[t] - coverage[t - 1]`` is at most the workers starting at ``t``; if no shift
   starting at ``t`` is used, ``under[t] + over[t - 1] >= delta``. Hence the valid
   inequality ``under[t] + over[t - 1] >= delta * (1 - sum(y[j] for j starting at t))``,
   and the same for falls with the shifts ending at ``t``. In the plain LP a tiny
   fraction of ``y`` pays for every jump; with the cuts each jump costs a whole shift or
   its deviation, which is the combinatorial core of the problem (the shift types'
   start windows are shared by all seven days).
2. *Lattice rounding*. Every objective value of ``P0`` is a multiple of ``g = gcd(wO *
   interval, wU * interval, wS)``, so ``ceil(LP / g) * g`` is still a lower bound.

With ``upper_bound`` (the objective of any feasible schedule of the variant), a second LP
keeps the bounded duty limit (``avgMinutes * N <= maxDuties * M``) with caps ``m[j, d] +
floor(upper_bound / (wO * interval * length_j))``, which no optimum exceeds; the larger
of the two bounds is reported.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import reduce

from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from helpline.wfm.schedule.shift_design.dzn_format import ShiftDesignInstance
from helpline.wfm.schedule.shift_design.evaluate import VARIANTS, ShiftDesignError, Variant

#: GLOP's answer is trusted to this absolute error before rounding up to the lattice.
LP_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LpBound:
    """``bound`` is valid; ``lp_value`` is the best LP optimum before lattice rounding."""

    bound: float
    lp_value: float
    plain_lp_value: float | None
    lattice: int
    with_duty_limit: bool
    status: str
    wall_seconds: float
    variables: int
    constraints: int


def lp_lower_bound(instance: ShiftDesignInstance, variant: Variant = "weighted", *,
                   jump_cuts: bool = True, upper_bound: float | None = None,
                   plain: bool = False) -> LpBound:
    """Lower bound on the optimum of ``instance`` (see the module docstring).

    ``plain=True`` also solves the LP without jump cuts, for comparison.
    """
    if variant not in VARIANTS:
        raise ShiftDesignError(f"variant must be one of {VARIANTS}, got {variant!r}")
    started = time.perf_counter()
    tight = _peaks(instance)
    value, status, sizes, _ = _solve_lp(instance, variant, tight, jump_cuts,
                                        duty_limit=False)
    with_duty = False
    unit = instance.weight_over_cover * instance.interval_minutes
    if (upper_bound is not None and variant == "bounded" and unit > 0
            and math.isfinite(upper_bound) and status == "OPTIMAL"):
        shifts = instance.candidate_shifts()
        caps = [[m + math.floor(upper_bound / (unit * length)) for m in row]
                for row, (_, length) in zip(tight, shifts, strict=True)]
        second, second_status, _, _ = _solve_lp(instance, variant, caps, jump_cuts,
                                                duty_limit=True)
        if second_status == "OPTIMAL" and second > value:
            value, with_duty = second, True
    plain_value = None
    if plain:
        plain_value, _, _, _ = _solve_lp(instance, variant, tight, False, duty_limit=False)
    lattice = _lattice(instance, variant)
    bound = math.nan
    if status == "OPTIMAL":
        bound = float(max(0, math.ceil((value - LP_TOLERANCE) / lattice)) * lattice)
    return LpBound(bound=bound, lp_value=value, plain_lp_value=plain_value, lattice=lattice,
                   with_duty_limit=with_duty, status=status,
                   wall_seconds=time.perf_counter() - started,
                   variables=sizes[0], constraints=sizes[1])


def lp_support(instance: ShiftDesignInstance, variant: Variant = "weighted",
               threshold: float = 1e-6) -> frozenset[tuple[int, int]]:
    """``(start_slot, length_slots)`` of the shifts used (``y > threshold``) by the LP
    optimum above; empty if the LP is not solved. A heuristic hint for the CP-SAT model."""
    _, status, _, used = _solve_lp(instance, variant, _peaks(instance), True,
                                   duty_limit=False)
    if status != "OPTIMAL":
        return frozenset()
    shifts = instance.candidate_shifts()
    return frozenset(shift for shift, y in zip(shifts, used, strict=True) if y > threshold)


def _lattice(instance: ShiftDesignInstance, variant: Variant) -> int:
    weights = [instance.weight_over_cover * instance.interval_minutes,
               instance.weight_shift_instances]
    if variant == "weighted":
        weights.append(instance.weight_under_cover * instance.interval_minutes)
    return reduce(math.gcd, weights) or 1


def _covers(instance: ShiftDesignInstance) -> list[list[list[int]]]:
    """``[j][d]`` -> week slots covered by candidate shift ``j`` started on day ``d``."""
    per_day, week = instance.slots_per_day, instance.slots_per_week
    return [[[(day * per_day + start + k) % week for k in range(length)]
             for day in range(instance.days)]
            for start, length in instance.candidate_shifts()]


def _peaks(instance: ShiftDesignInstance) -> list[list[int]]:
    return [[max(instance.demand[t] for t in slots) for slots in row]
            for row in _covers(instance)]


def _solve_lp(instance: ShiftDesignInstance, variant: Variant, caps: list[list[int]],
              jump_cuts: bool, *,
              duty_limit: bool) -> tuple[float, str, tuple[int, int], list[float]]:
    """LP optimum, status, (variables, constraints) and the ``y`` values."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with every OR-Tools wheel
        raise ShiftDesignError("OR-Tools GLOP is not available")
    infinity = solver.infinity()
    shifts = instance.candidate_shifts()
    covers = _covers(instance)
    demand, week = instance.demand, instance.slots_per_week
    minutes = instance.interval_minutes
    objective = solver.Objective()
    rows = [solver.Constraint(float(demand[t]), float(demand[t])) for t in range(week)]
    starts: list[list[int]] = [[] for _ in range(week)]
    ends: list[list[int]] = [[] for _ in range(week)]
    y: list[pywraplp.Variable] = []
    x: list[tuple[int, pywraplp.Variable]] = []
    for j, row in enumerate(covers):
        used = solver.NumVar(0.0, 1.0, f"y_{j}")
        objective.SetCoefficient(used, float(instance.weight_shift_instances))
        y.append(used)
        for d, slots in enumerate(row):
            if caps[j][d] <= 0:
                continue
            var = solver.NumVar(0.0, float(caps[j][d]), f"x_{j}_{d}")
            x.append((j, var))
            link = solver.Constraint(-infinity, 0.0)  # x - cap * y <= 0
            link.SetCoefficient(var, 1.0)
            link.SetCoefficient(used, -float(caps[j][d]))
            for t in slots:
                rows[t].SetCoefficient(var, rows[t].GetCoefficient(var) + 1.0)
            starts[slots[0]].append(j)
            ends[(slots[-1] + 1) % week].append(j)
    over, under = [], []
    for t in range(week):
        o = solver.NumVar(0.0, infinity, f"over_{t}")
        u = solver.NumVar(0.0, 0.0 if variant == "bounded" else infinity, f"under_{t}")
        rows[t].SetCoefficient(o, -1.0)  # coverage - over + under = demand
        rows[t].SetCoefficient(u, 1.0)
        objective.SetCoefficient(o, float(instance.weight_over_cover * minutes))
        if variant == "weighted":
            objective.SetCoefficient(u, float(instance.weight_under_cover * minutes))
        over.append(o)
        under.append(u)
    if jump_cuts:
        for t in range(week):
            delta = demand[t] - demand[t - 1]
            if delta == 0:
                continue
            cut = solver.Constraint(float(abs(delta)), infinity)
            # rise: under[t] + over[t-1] + delta * sum(y starting at t) >= delta
            # fall: over[t] + under[t-1] + |delta| * sum(y ending at t) >= |delta|
            first, second, users = ((under[t], over[t - 1], starts[t]) if delta > 0
                                    else (over[t], under[t - 1], ends[t]))
            cut.SetCoefficient(first, 1.0)
            cut.SetCoefficient(second, 1.0)
            for j in set(users):
                cut.SetCoefficient(y[j], float(abs(delta)))
    if duty_limit:
        avg, limit = instance.avg_minutes_per_week, instance.max_duties_per_week
        # avg * N <= limit * M in integers: sum (a_n q - p a_d minutes L_j) x <= 0
        duty = solver.Constraint(-infinity, 0.0)
        for j, var in x:
            length = shifts[j][1]
            duty.SetCoefficient(var, float(avg.numerator * limit.denominator
                                           - limit.numerator * avg.denominator
                                           * minutes * length))
    objective.SetMinimization()
    code = solver.Solve()
    status = {pywraplp.Solver.OPTIMAL: "OPTIMAL", pywraplp.Solver.INFEASIBLE: "INFEASIBLE",
              pywraplp.Solver.UNBOUNDED: "UNBOUNDED"}.get(code, f"CODE_{code}")
    value = float(objective.Value()) if status == "OPTIMAL" else math.nan
    used = [float(v.solution_value()) for v in y] if status == "OPTIMAL" else []
    return value, status, (solver.NumVariables(), solver.NumConstraints()), used
