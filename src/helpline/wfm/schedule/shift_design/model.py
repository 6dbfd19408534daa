"""The (bounded) minimum shift design problem as a CP-SAT model.

Variables: ``x[j, d]`` workers on candidate shift ``j`` (start slot, length) on day ``d``
and ``y[j]`` whether shift ``j`` is used on any day (it counts once in the objective).
Coverage of a week slot is the sum of the ``x`` covering it (cyclic week); ``over`` and
``under`` are its positive and negative deviation from the demand. The objective is the
one of :mod:`evaluate` (``weighted`` or ``bounded``); over/under are in worker-minutes.

Phases. Phase 1 is a heuristic: CP-SAT on the shifts that the LP optimum of
:func:`bound.lp_support` uses (a few dozen of the hundreds of candidates), for
``PHASE1_SHARE`` of the time. The last phase solves the full model hinted with the best
schedule so far, and its CP-SAT bound is the one reported. The returned schedule is the
better of the phases by the exact objective; it is ``OPTIMAL`` when that objective
meets the last phase's bound.

Worker caps and the duty rule. ``x[j, d] <= m[j, d]``, the peak demand over the slots it
covers, loses no optimum when duties per week play no part: removing a worker above that
peak lowers over-cover and raises nothing else. Duties per week are ``D = avgMinutes * N
/ M`` (``N`` duties, ``M`` worked minutes), so extra long shifts can lower ``D``:

* weighted, ``weightDutiesPerWeek = 0``: last phase with those caps (exact);
* weighted, ``weightDutiesPerWeek > 0``: the deviation of ``D`` is not linear. Phase 1
  keeps ``minDuties <= D <= maxDuties`` hard (deviation 0, linear); the last phase
  drops the duty term, a relaxation for which the caps are exact, so its bound is a
  valid lower bound. A schedule with ``D`` slightly outside the range that beats both
  can be missed (then the status stays ``FEASIBLE``);
* bounded (``D <= maxDuties`` hard, linear): phase 1 (or, if it finds nothing, a second
  phase with the caps above) gives a schedule of cost ``UB``; the last phase uses
  ``x[j, d] <= m[j, d] + floor(UB / (weightOverCover * interval * length_j))`` (more
  workers cost more than ``UB`` in over-cover alone), so its bound is valid for the
  uncapped problem. Without any schedule or with ``weightOverCover = 0`` the caps stay
  unproven and no bound is reported.

Redundant cuts (valid for integer solutions, they tighten CP-SAT's LP): where demand
rises by ``delta`` at slot ``t``, either a used shift starts at ``t`` or
``under[t] + over[t - 1] >= delta``; symmetrically for falls and shift ends.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ortools.sat.python import cp_model

from helpline.wfm.schedule.shift_design.bound import lp_support
from helpline.wfm.schedule.shift_design.dzn_format import ShiftDesignInstance
from helpline.wfm.schedule.shift_design.evaluate import (
    VARIANTS,
    DesignedShift,
    ShiftDesignError,
    Variant,
)

#: Share of the time limit given to phase 1 when two phases are needed.
PHASE1_SHARE = 0.3

_STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE",
           cp_model.INFEASIBLE: "INFEASIBLE", cp_model.UNKNOWN: "UNKNOWN",
           cp_model.MODEL_INVALID: "MODEL_INVALID"}


@dataclass(frozen=True)
class ShiftDesignResult:
    """Best schedule found; minutes are worker-minutes per week.

    ``objective`` and its components are recomputed exactly from ``shifts`` (None and
    zeros without a schedule). ``cpsat_bound`` is CP-SAT's lower bound on the optimum
    (None when the worker caps are unproven); ``status`` is CP-SAT's for the last phase.
    """

    instance: str
    variant: Variant
    status: str
    shifts: tuple[DesignedShift, ...]
    objective: float | None
    over_cover_minutes: int
    under_cover_minutes: int
    shift_count: int
    duty_deviation: float
    duties_per_week: float | None
    cpsat_bound: float | None
    wall_seconds: float
    phases: int
    caps_proven: bool


@dataclass(frozen=True)
class _Structure:
    shifts: tuple[tuple[int, int], ...]
    covers: tuple[tuple[tuple[int, ...], ...], ...]  # [j][d] -> week slots covered
    peak: tuple[tuple[int, ...], ...]  # [j][d] -> max demand over those slots


@dataclass(frozen=True)
class _Phase:
    status: str
    values: dict[tuple[int, int], int] | None  # (j, d) -> workers
    bound: float
    objective: Fraction | None


def solve_shift_design(instance: ShiftDesignInstance, *, time_limit_seconds: float = 30.0,
                       workers: int = 8, variant: Variant = "weighted",
                       random_seed: int = 0, log_search: bool = False) -> ShiftDesignResult:
    """Solve ``instance`` with CP-SAT within ``time_limit_seconds`` on ``workers`` threads."""
    if not time_limit_seconds > 0 or not math.isfinite(time_limit_seconds):
        raise ShiftDesignError(f"time limit must be > 0 s, got {time_limit_seconds}")
    if workers < 1:
        raise ShiftDesignError(f"workers must be >= 1, got {workers}")
    if variant not in VARIANTS:
        raise ShiftDesignError(f"variant must be one of {VARIANTS}, got {variant!r}")
    started = time.perf_counter()
    structure = _structure(instance)
    tight = structure.peak
    options = (workers, random_seed, log_search)
    support = lp_support(instance, variant)
    restricted = tuple(tuple(cap if structure.shifts[j] in support else 0 for cap in row)
                       for j, row in enumerate(tight))
    weighted = variant == "weighted"
    rule = "max" if not weighted else "ignore" if instance.weight_duties_per_week == 0 \
        else "range"
    first = _solve(instance, structure, restricted, variant, rule,
                   time_limit_seconds * PHASE1_SHARE, options, None)
    if weighted:
        final = _solve(instance, structure, tight, variant, "ignore",
                       _remaining(time_limit_seconds, started), options, first.values)
        return _result(instance, structure, variant, _better(first, final), started, 2, True)
    phases = 1
    if first.values is None:
        phases += 1
        first = _solve(instance, structure, tight, variant, "max",
                       _remaining(time_limit_seconds, started) * PHASE1_SHARE, options, None)
    if first.values is None or first.objective is None or instance.weight_over_cover == 0:
        return _result(instance, structure, variant, first, started, phases, False)
    unit = instance.weight_over_cover * instance.interval_minutes
    extra = [math.floor(first.objective / (unit * length)) for _, length in structure.shifts]
    caps = tuple(tuple(m + e for m in row) for row, e in zip(tight, extra, strict=True))
    final = _solve(instance, structure, caps, variant, "max",
                   _remaining(time_limit_seconds, started), options, first.values)
    return _result(instance, structure, variant, _better(first, final), started, phases + 1,
                   True)


def _remaining(limit_seconds: float, started: float) -> float:
    return max(0.1, limit_seconds - (time.perf_counter() - started))


def _better(first: _Phase, last: _Phase) -> _Phase:
    """The better schedule of two phases by exact objective, with the last phase's bound."""
    if last.objective is not None and (first.objective is None
                                       or last.objective <= first.objective):
        chosen = last
    else:
        chosen = _Phase(last.status, first.values, last.bound, first.objective)
    if chosen.objective is not None and chosen.objective <= chosen.bound + 1e-9:
        return _Phase("OPTIMAL", chosen.values, chosen.bound, chosen.objective)
    if chosen.objective is not None:
        return _Phase("FEASIBLE", chosen.values, chosen.bound, chosen.objective)
    return chosen


def _structure(instance: ShiftDesignInstance) -> _Structure:
    per_day, week = instance.slots_per_day, instance.slots_per_week
    shifts = instance.candidate_shifts()
    covers = tuple(
        tuple(tuple((day * per_day + start + k) % week for k in range(length))
              for day in range(instance.days))
        for start, length in shifts)
    peak = tuple(tuple(max(instance.demand[t] for t in day) for day in row) for row in covers)
    return _Structure(shifts=shifts, covers=covers, peak=peak)


def _solve(instance: ShiftDesignInstance, structure: _Structure,
           caps: Sequence[Sequence[int]], variant: Variant, duty_rule: str,
           seconds: float,
           options: tuple[int, int, bool],
           hint: dict[tuple[int, int], int] | None) -> _Phase:
    workers, seed, log_search = options
    model = cp_model.CpModel()
    week, days = instance.slots_per_week, instance.days
    demand = instance.demand
    minutes = instance.interval_minutes
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    users: list[list[tuple[int, int]]] = [[] for _ in range(week)]
    for j, row in enumerate(structure.covers):
        for d, slots in enumerate(row):
            if caps[j][d] > 0:
                x[j, d] = model.new_int_var(0, caps[j][d], f"x_{j}_{d}")
                for t in slots:
                    users[t].append((j, d))
    y = {j: model.new_bool_var(f"y_{j}") for j in {j for j, _ in x}}
    for (j, d), var in x.items():
        model.add(var <= caps[j][d] * y[j])
    for j, used in y.items():
        model.add(sum(x[j, d] for d in range(days) if (j, d) in x) >= used)
    over: list[cp_model.IntVar] = []
    under: list[cp_model.IntVar] = []
    for t in range(week):
        cover = sum(x[key] for key in users[t])
        most = sum(caps[j][d] for j, d in users[t])
        over.append(model.new_int_var(0, max(0, most - demand[t]), f"over_{t}"))
        short = 0 if variant == "bounded" else demand[t]
        under.append(model.new_int_var(0, short, f"under_{t}"))
        model.add(cover - demand[t] == over[t] - under[t])
    _add_jump_cuts(model, instance, structure, x, y, over, under)
    objective = (instance.weight_over_cover * minutes * sum(over)
                 + instance.weight_shift_instances * sum(y.values()))
    if variant == "weighted":
        objective += instance.weight_under_cover * minutes * sum(under)
    duties = sum(x.values())
    slot_work = sum(structure.shifts[j][1] * var for (j, _), var in x.items())
    avg = instance.avg_minutes_per_week
    limits = {"ignore": (), "max": (instance.max_duties_per_week,),
              "range": (instance.max_duties_per_week, instance.min_duties_per_week)}
    for sign, limit in zip((1, -1), limits[duty_rule], strict=False):
        # avg * N <= limit * M (sign 1) or >= (sign -1), in integers; M = minutes * slots.
        model.add(sign * avg.numerator * limit.denominator * duties
                  <= sign * limit.numerator * avg.denominator * minutes * slot_work)
    model.minimize(objective)
    if hint is not None:
        for key, var in x.items():
            model.add_hint(var, hint.get(key, 0))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = log_search
    code = solver.solve(model)
    status = _STATUS.get(code, str(code))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Phase(status, None, math.nan, None)
    values = {key: int(solver.value(var)) for key, var in x.items()}
    values = {key: v for key, v in values.items() if v}
    exact = _objective(instance, structure, variant, values)
    return _Phase(status, values, solver.best_objective_bound, exact)


def _add_jump_cuts(model: cp_model.CpModel, instance: ShiftDesignInstance,
                   structure: _Structure, x: dict[tuple[int, int], cp_model.IntVar],
                   y: dict[int, cp_model.IntVar], over: list[cp_model.IntVar],
                   under: list[cp_model.IntVar]) -> None:
    starts, ends = _starts_and_ends(instance, structure, set(x))
    demand, week = instance.demand, instance.slots_per_week
    for t in range(week):
        delta = demand[t] - demand[t - 1]
        if delta > 0:
            model.add(under[t] + over[t - 1] + delta * sum(y[j] for j in starts[t]) >= delta)
        elif delta < 0:
            model.add(over[t] + under[t - 1] - delta * sum(y[j] for j in ends[t]) >= -delta)


def _starts_and_ends(instance: ShiftDesignInstance, structure: _Structure,
                     keys: set[tuple[int, int]]) -> tuple[list[set[int]], list[set[int]]]:
    """Shifts (usable on that day) starting at / ending just before each week slot."""
    per_day, week = instance.slots_per_day, instance.slots_per_week
    starts: list[set[int]] = [set() for _ in range(week)]
    ends: list[set[int]] = [set() for _ in range(week)]
    for j, d in keys:
        start, length = structure.shifts[j]
        first = (d * per_day + start) % week
        starts[first].add(j)
        ends[(first + length) % week].add(j)
    return starts, ends


def _objective(instance: ShiftDesignInstance, structure: _Structure, variant: Variant,
               values: dict[tuple[int, int], int]) -> Fraction | None:
    """Exact objective of ``values`` (None if it breaks a hard rule of ``variant``)."""
    over, under, count, duties, slots = _figures(instance, structure, values)
    minutes = instance.interval_minutes
    deviation, per_week = _deviation(instance, duties, slots * minutes)
    cost = Fraction(instance.weight_over_cover * over * minutes
                    + instance.weight_shift_instances * count)
    if variant == "bounded":
        if under or (per_week is not None and per_week > instance.max_duties_per_week):
            return None
        return cost
    return (cost + instance.weight_under_cover * under * minutes
            + instance.weight_duties_per_week * deviation)


def _figures(instance: ShiftDesignInstance, structure: _Structure,
             values: dict[tuple[int, int], int]) -> tuple[int, int, int, int, int]:
    """Over and under slots, shifts used, duties, worked slots."""
    cover = [0] * instance.slots_per_week
    for (j, d), workers in values.items():
        for t in structure.covers[j][d]:
            cover[t] += workers
    over = sum(max(0, c - r) for c, r in zip(cover, instance.demand, strict=True))
    under = sum(max(0, r - c) for c, r in zip(cover, instance.demand, strict=True))
    count = len({j for (j, _), w in values.items() if w})
    duties = sum(values.values())
    slots = sum(w * structure.shifts[j][1] for (j, _), w in values.items())
    return over, under, count, duties, slots


def _deviation(instance: ShiftDesignInstance, duties: int,
               worked_minutes: int) -> tuple[Fraction, Fraction | None]:
    if not duties:
        return Fraction(0), None
    per_week = instance.avg_minutes_per_week * duties / worked_minutes
    deviation = (max(Fraction(0), per_week - instance.max_duties_per_week)
                 + max(Fraction(0), instance.min_duties_per_week - per_week))
    return deviation, per_week


def _result(instance: ShiftDesignInstance, structure: _Structure, variant: Variant,
            phase: _Phase, started: float, phases: int, proven: bool) -> ShiftDesignResult:
    values = phase.values or {}
    shifts = tuple(
        DesignedShift(start_slot=start, length_slots=length,
                      workers_per_day=tuple(values.get((j, d), 0)
                                            for d in range(instance.days)))
        for j, (start, length) in enumerate(structure.shifts)
        if any(values.get((j, d), 0) for d in range(instance.days)))
    over, under, count, duties, slots = _figures(instance, structure, values)
    minutes = instance.interval_minutes
    deviation, per_week = _deviation(instance, duties, slots * minutes)
    has_solution = phase.values is not None and phase.objective is not None
    status = phase.status
    if not proven and status == "OPTIMAL":
        status = "FEASIBLE"  # optimal only under unproven caps
    elif not proven and status == "INFEASIBLE":
        status = "UNKNOWN"  # infeasible only under unproven caps
    bound = phase.bound if proven and math.isfinite(phase.bound) else None
    return ShiftDesignResult(
        instance=instance.name, variant=variant, status=status, shifts=shifts,
        objective=float(phase.objective) if has_solution and phase.objective is not None
        else None,
        over_cover_minutes=over * minutes, under_cover_minutes=under * minutes,
        shift_count=count, duty_deviation=float(deviation),
        duties_per_week=None if per_week is None else float(per_week),
        cpsat_bound=bound, wall_seconds=time.perf_counter() - started, phases=phases,
        caps_proven=proven)
