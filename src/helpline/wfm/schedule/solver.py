"""Schedules with OR-Tools CP-SAT, in three stages.

1. **Lines** (CP-SAT): how many operators of each group (contract × the requirement
   skills they have) follow each line (pattern offset + daily start). Breaks are
   counted as the average of the break plans (:func:`lines.expected_presence`), so the
   model stays small enough for hundreds of operators over several weeks. Multi-skilled
   groups share their presence between skills per interval. Its objective
   (under-coverage × ``weights.under`` + over-coverage × ``weights.over``) and CP-SAT's
   bound give the reported gap.
2. **Names** (assignment): every operator of a group gets one of the group's lines
   (minimum-cost assignment, scipy): broken preferences and unavailable days cost; a
   day an operator is unavailable is left off.
3. **Breaks** (CP-SAT): how many of the operators who start a shift at the same time
   take each break plan, against the exact presence; plans are then handed out to the
   named operators in turn.

The exact result (coverage with every break, preferences kept) is measured on the final
shifts; :mod:`checker` verifies every rule independently.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from helpline.wfm.schedule.coverage import coverage, max_flow
from helpline.wfm.schedule.lines import (
    BreakPlan,
    Line,
    break_plans,
    expected_presence,
    lines_for,
)
from helpline.wfm.schedule.model import (
    MINUTES_PER_DAY,
    Break,
    Operator,
    Problem,
    Schedule,
    Shift,
    SolveStats,
    check_problem,
)
from helpline.wfm.schedule.relaxation import Relaxation, improve_single_skill, relax

#: Stage 1 counts presence in 1/SCALE of an operator.
SCALE = 10
UNAVAILABLE_COST = 10_000


@dataclass(frozen=True)
class Group:
    contract: str
    skills: frozenset[str]  #: requirement skills the members have
    members: tuple[Operator, ...]


def groups_of(problem: Problem) -> list[Group]:
    wanted = frozenset(problem.requirement)
    members: dict[tuple[str, frozenset[str]], list[Operator]] = defaultdict(list)
    for op in problem.operators:
        members[(op.contract, op.skills & wanted)].append(op)
    return [Group(c, s, tuple(sorted(m, key=lambda o: o.id)))
            for (c, s), m in sorted(members.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1])))
            if s]


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _solver(time_limit_seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit_seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def _cover_objective(model: cp_model.CpModel, problem: Problem,
                     presence: Mapping[int, Mapping[int, list[tuple[cp_model.LinearExprT, int]]]],
                     groups: Sequence[Group], scale: int,
                     constant: Mapping[int, Mapping[int, int]] | None = None,
                     hint: Mapping[int, Sequence[int]] | None = None,
                     ) -> cp_model.LinearExprT:
    """Under/over-coverage objective. ``presence[g][t]``: (expression, coefficient)
    terms of group g's presence at slot t in 1/scale operators; ``constant[g][t]`` a
    fixed presence added to it. ``hint[g]``: group g's presence per slot in the hinted
    solution; the shares and served counts it implies are hinted too (a complete hint
    is what lets CP-SAT start from it)."""
    skills = sorted(problem.requirement)
    w = problem.weights
    served_total: list[cp_model.LinearExprT] = []
    present_total: list[cp_model.LinearExprT] = []
    need_total = 0
    for t in range(problem.slots):
        group_presence: dict[int, cp_model.LinearExprT] = {}
        shares_at: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        spare = {gi: int(hint[gi][t]) for gi in hint} if hint is not None else {}
        for gi in range(len(groups)):
            terms = presence.get(gi, {}).get(t, [])
            fixed = (constant or {}).get(gi, {}).get(t, 0)
            if terms or fixed:
                expr = cp_model.LinearExpr.weighted_sum([v for v, _ in terms],
                                                        [c for _, c in terms]) + fixed
                group_presence[gi] = expr
                present_total.append(expr)
        for s in skills:
            need = int(problem.requirement[s][t]) * scale
            need_total += need
            if need == 0:
                continue
            sources: list[cp_model.LinearExprT] = []
            got = 0
            for gi, present in group_presence.items():
                g = groups[gi]
                if s not in g.skills:
                    continue
                if len(g.skills) == 1:
                    sources.append(present)
                    got += spare.get(gi, 0)
                else:
                    share = model.new_int_var(0, need, f"a{gi}_{s}_{t}")
                    sources.append(share)
                    shares_at[gi].append(share)
                    if hint is not None:
                        take = max(0, min(spare[gi], need - got))
                        spare[gi] -= take
                        got += take
                        model.add_hint(share, take)
            if not sources:
                continue
            served = model.new_int_var(0, need, f"served_{s}_{t}")
            if hint is not None:
                model.add_hint(served, min(need, got))
            model.add(served <= cp_model.LinearExpr.sum(sources))
            served_total.append(served)
        for gi, shares in shares_at.items():
            model.add(cp_model.LinearExpr.sum(shares) <= group_presence[gi])
    served_sum = cp_model.LinearExpr.sum(served_total)
    present_sum = cp_model.LinearExpr.sum(present_total)
    return w.under * (need_total - served_sum) + w.over * (present_sum - served_sum)


@dataclass(frozen=True)
class LinePlan:
    counts: dict[tuple[int, Line], int]  #: (group index, line) -> operators
    objective: float
    bound: float
    status: str


def _round(values: Sequence[float], size: int, exact: bool) -> list[int]:
    """Integer counts near ``values`` summing to ``size`` (``exact``) or at most it."""
    counts = [int(np.floor(v + 1e-6)) for v in values]
    order = sorted(range(len(values)), key=lambda j: counts[j] - values[j])
    want = size if exact else min(size, round(sum(values)))
    for j in order:
        if sum(counts) >= want:
            break
        counts[j] += 1
    return counts


def _columns(problem: Problem, groups: Sequence[Group],
             ) -> tuple[list[tuple[int, Line]], list[dict[int, int]]]:
    """Every (group, line) and its presence per slot in 1/SCALE operators."""
    iv = problem.interval_minutes
    spd = problem.slots_per_day
    keys: list[tuple[int, Line]] = []
    columns: list[dict[int, int]] = []
    for gi, g in enumerate(groups):
        contract = problem.contracts[g.contract]
        weights = expected_presence(contract, iv, SCALE)
        for line in lines_for(contract):
            column: dict[int, int] = {}
            first = line.start_minute // iv
            for day in line.work_days(contract, problem.days):
                base = day * spd + first
                for r, weight in enumerate(weights):
                    t = base + r
                    if 0 <= t < problem.slots and weight:
                        column[t] = column.get(t, 0) + weight
            keys.append((gi, line))
            columns.append(column)
    return keys, columns


def _relax(problem: Problem, groups: Sequence[Group], keys: Sequence[tuple[int, Line]],
           columns: Sequence[Mapping[int, int]], staff_all: bool) -> Relaxation:
    return relax(columns, [k[0] for k in keys], [g.skills for g in groups],
                 [len(g.members) for g in groups], problem.requirement, SCALE,
                 problem.weights.under, problem.weights.over, staff_all)


def lines_bound(problem: Problem, groups: Sequence[Group], staff_all: bool) -> float:
    """Lower bound of stage 1's objective for ``problem`` (LP relaxation)."""
    keys, columns = _columns(problem, groups)
    return _relax(problem, groups, keys, columns, staff_all).bound / SCALE


def solve_lines(problem: Problem, groups: Sequence[Group], time_limit_seconds: float,
                workers: int, staff_all: bool, seed: int = 0) -> LinePlan:
    """Stage 1: the LP relaxation (bound, hint), then CP-SAT. ``problem``'s
    requirement may carry the break-placement margin (see :func:`solve`)."""
    model = cp_model.CpModel()
    keys, columns = _columns(problem, groups)
    lp = _relax(problem, groups, keys, columns, staff_all)
    x: dict[tuple[int, Line], cp_model.IntVar] = {}
    presence: dict[int, dict[int, list[tuple[cp_model.LinearExprT, int]]]] = defaultdict(
        lambda: defaultdict(list))
    for key, column in zip(keys, columns, strict=True):
        gi, line = key
        var = model.new_int_var(0, len(groups[gi].members),
                                f"x{gi}_{line.offset}_{line.start_minute}")
        x[key] = var
        for t, weight in column.items():
            presence[gi][t].append((var, weight))
    start_counts = [0] * len(keys)
    for gi, g in enumerate(groups):
        idx = [j for j, k in enumerate(keys) if k[0] == gi]
        for j, count in zip(idx, _round([lp.values[j] for j in idx], len(g.members),
                                        staff_all), strict=True):
            start_counts[j] = count
    if len(problem.requirement) == 1:
        start_counts = improve_single_skill(
            columns, [k[0] for k in keys], [len(g.members) for g in groups],
            next(iter(problem.requirement.values())), start_counts, SCALE,
            problem.weights.under, problem.weights.over, staff_all,
            budget_seconds=time_limit_seconds * 0.3)
    hinted = {gi: [0] * problem.slots for gi in range(len(groups))}
    for gi, g in enumerate(groups):
        idx = [j for j, k in enumerate(keys) if k[0] == gi]
        total = cp_model.LinearExpr.sum([x[keys[j]] for j in idx])
        if staff_all:
            model.add(total == len(g.members))
        else:
            model.add(total <= len(g.members))
        for j in idx:
            count = start_counts[j]
            model.add_hint(x[keys[j]], count)
            for t, weight in columns[j].items():
                hinted[gi][t] += count * weight
    model.minimize(_cover_objective(model, problem, presence, groups, SCALE, hint=hinted))
    solver = _solver(time_limit_seconds * 0.7, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No solution within the time: keep the local-search start (always feasible).
        counts = {k: c for k, c in zip(keys, start_counts, strict=True) if c}
        return LinePlan(counts, _plan_objective(problem, groups, keys, columns, start_counts),
                        lp.bound / SCALE, "local_search")
    counts = {k: int(solver.value(v)) for k, v in x.items() if solver.value(v)}
    bound = max(solver.best_objective_bound, lp.bound)
    return LinePlan(counts, solver.objective_value / SCALE, bound / SCALE,
                    solver.status_name(status))


def _plan_objective(problem: Problem, groups: Sequence[Group], keys: Sequence[tuple[int, Line]],
                    columns: Sequence[Mapping[int, int]], counts: Sequence[int]) -> float:
    """Stage 1's objective for integer line counts (operators, breaks averaged)."""
    skills = sorted(problem.requirement)
    presence = np.zeros((len(groups), problem.slots))
    for (gi, _), column, count in zip(keys, columns, counts, strict=True):
        for t, weight in column.items():
            presence[gi, t] += count * weight
    edges = [[j for j, s in enumerate(skills) if s in g.skills] for g in groups]
    total = 0
    for t in range(problem.slots):
        need = [int(problem.requirement[s][t]) * SCALE for s in skills]
        supply = [int(v) for v in presence[:, t]]
        flow = max_flow(supply, need, edges)
        served = sum(sum(row) for row in flow)
        total += problem.weights.under * (sum(need) - served) + \
            problem.weights.over * (sum(supply) - served)
    return total / SCALE


def _line_cost(problem: Problem, op: Operator, line: Line) -> int:
    contract = problem.contracts[line.contract]
    cost = 0
    pref = op.preferences
    for day in line.work_days(contract, problem.days):
        when = problem.day_date(day)
        if when in op.unavailable:
            cost += UNAVAILABLE_COST
        elif day >= 0 and when.weekday() in pref.days_off:
            cost += problem.weights.preference
        if day >= 0 and pref.start_minute is not None and pref.start_minute != line.start_minute:
            cost += problem.weights.preference
    return cost


def assign_names(problem: Problem, groups: Sequence[Group],
                 plan: LinePlan) -> dict[str, Line]:
    """Stage 2: operator id -> line (spare operators are left out)."""
    out: dict[str, Line] = {}
    for gi, g in enumerate(groups):
        seats = [line for (gj, line), n in sorted(plan.counts.items(),
                                                  key=lambda kv: (kv[0][1].offset,
                                                                  kv[0][1].start_minute))
                 if gj == gi for _ in range(n)]
        if not seats:
            continue
        cost = np.zeros((len(g.members), len(seats)), dtype=np.int64)
        for i, op in enumerate(g.members):
            for j, line in enumerate(seats):
                cost[i, j] = _line_cost(problem, op, line)
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows, cols, strict=True):
            out[g.members[int(i)].id] = seats[int(j)]
    return out


def _shift_days(problem: Problem, op: Operator, line: Line) -> list[int]:
    contract = problem.contracts[line.contract]
    last_start = problem.days * MINUTES_PER_DAY
    days = []
    for day in line.work_days(contract, problem.days):
        start = day * MINUTES_PER_DAY + line.start_minute
        if start + contract.shift_minutes <= 0 or start >= last_start:
            continue
        if problem.day_date(day) in op.unavailable:
            continue
        days.append(day)
    return days


def place_breaks(problem: Problem, groups: Sequence[Group], named: Mapping[str, Line],
                 time_limit_seconds: float, workers: int, seed: int = 0,
                 ) -> tuple[dict[tuple[str, int], BreakPlan], str]:
    """Stage 3: (operator id, day) -> break plan."""
    iv = problem.interval_minutes
    ops = {op.id: op for op in problem.operators}
    group_of = {op.id: gi for gi, g in enumerate(groups) for op in g.members}
    buckets: dict[tuple[int, int, int], list[str]] = defaultdict(list)  # (g, day, start)
    for op_id in sorted(named):
        line = named[op_id]
        for day in _shift_days(problem, ops[op_id], line):
            buckets[(group_of[op_id], day, line.start_minute)].append(op_id)
    model = cp_model.CpModel()
    presence: dict[int, dict[int, list[tuple[cp_model.LinearExprT, int]]]] = defaultdict(
        lambda: defaultdict(list))
    constant: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    y: dict[tuple[tuple[int, int, int], int], cp_model.IntVar] = {}
    for key, members in buckets.items():
        gi, day, start = key
        contract = problem.contracts[groups[gi].contract]
        plans = break_plans(contract, iv)
        base = (day * MINUTES_PER_DAY + start) // iv
        n_slots = contract.shift_minutes // iv
        for r in range(n_slots):
            if 0 <= base + r < problem.slots:
                constant[gi][base + r] += len(members)
        if len(plans) == 1 and not plans[0].starts:
            continue
        vars_ = []
        for pi, p in enumerate(plans):
            var = model.new_int_var(0, len(members), f"y{gi}_{day}_{start}_{pi}")
            y[(key, pi)] = var
            vars_.append(var)
            for s, n in zip(p.starts, p.lengths, strict=True):
                for r in range(s, s + n):
                    if 0 <= base + r < problem.slots:
                        presence[gi][base + r].append((var, -1))
        model.add(sum(vars_) == len(members))
        # Hint: spread the bucket over the plans evenly.
        for pi, var in enumerate(vars_):
            model.add_hint(var, len(members) // len(plans) + (pi < len(members) % len(plans)))
    model.minimize(_cover_objective(model, problem, presence, groups, 1, constant))
    solver = _solver(time_limit_seconds, workers, seed)
    status = solver.solve(model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    out: dict[tuple[str, int], BreakPlan] = {}
    for key, members in buckets.items():
        gi, day, _ = key
        plans = break_plans(problem.contracts[groups[gi].contract], iv)
        handed: list[BreakPlan] = []
        for pi, p in enumerate(plans):
            if (key, pi) not in y:
                count = len(members)
            elif solved:
                count = int(solver.value(y[(key, pi)]))
            else:  # no solution within the time: the even spread of the hint
                count = len(members) // len(plans) + (pi < len(members) % len(plans))
            handed.extend([p] * count)
        # Rotate by day so nobody always gets the earliest plan.
        shift = day % len(members) if members else 0
        for k, op_id in enumerate(members):
            out[(op_id, day)] = handed[(k + shift) % len(members)]
    return out, solver.status_name(status) if solved else "even_spread"


def build_shifts(problem: Problem, named: Mapping[str, Line],
                 plans: Mapping[tuple[str, int], BreakPlan]) -> list[Shift]:
    iv = problem.interval_minutes
    ops = {op.id: op for op in problem.operators}
    shifts = []
    for op_id in sorted(named):
        line = named[op_id]
        contract = problem.contracts[line.contract]
        for day in _shift_days(problem, ops[op_id], line):
            start = day * MINUTES_PER_DAY + line.start_minute
            plan = plans[(op_id, day)]
            breaks = tuple(Break(start + s * iv, n * iv, k)
                           for s, n, k in zip(plan.starts, plan.lengths, plan.kinds, strict=True))
            shifts.append(Shift(op_id, day, start, contract.shift_minutes, breaks))
    return shifts


def broken_preferences(problem: Problem, shifts: Sequence[Shift]) -> int:
    """Shifts on a preferred day off plus shifts at another start than preferred."""
    ops = {op.id: op for op in problem.operators}
    broken = 0
    for s in shifts:
        pref = ops[s.operator_id].preferences
        if s.day < 0:
            continue
        if problem.day_date(s.day).weekday() in pref.days_off:
            broken += 1
        if pref.start_minute is not None and \
                s.start_minute - s.day * MINUTES_PER_DAY != pref.start_minute:
            broken += 1
    return broken


def with_margin(problem: Problem, margin: float) -> Problem:
    """The problem with every requirement raised by ``margin`` (share), rounded to whole
    agents (half up): small needs stay as they are, 443 becomes 447 at 1%."""
    if margin <= 0:
        return problem
    raised = {s: [int(v * (1 + margin) + 0.5) for v in need]  # rounded half up
              for s, need in problem.requirement.items()}
    return replace(problem, requirement=raised)


def solve(problem: Problem, time_limit_seconds: float = 30.0, workers: int | None = None,
          staff_all: bool = True, seed: int = 0, margin: float = 0.0) -> Schedule:
    """Schedule every operator of ``problem`` (``staff_all=False`` lets the solver leave
    operators without shifts when they are not needed). Stage 1 gets 75% of the time.
    ``margin`` raises the requirement stage 1 plans for (e.g. 0.02): stage 1 counts
    breaks on average, and the exact placement then loses a few agents here and there;
    the margin buys them back with some over-coverage."""
    check_problem(problem)
    workers = workers or default_workers()
    started = time.perf_counter()
    groups = groups_of(problem)
    plan = solve_lines(with_margin(problem, margin), groups, time_limit_seconds * 0.75,
                       workers, staff_all, seed)
    t1 = time.perf_counter()
    named = assign_names(problem, groups, plan)
    t2 = time.perf_counter()
    left = max(1.0, time_limit_seconds - (t2 - started))
    plans, _ = place_breaks(problem, groups, named, left, workers, seed)
    t3 = time.perf_counter()
    shifts = build_shifts(problem, named, plans)
    skills_of = {op.id: op.skills for op in problem.operators}
    cov = coverage(shifts, skills_of, problem.requirement, problem.interval_minutes)
    w = problem.weights
    exact = (w.under * int(cov.under.sum()) + w.over * int(cov.idle.sum())
             + w.preference * broken_preferences(problem, shifts))
    # The plan's bound is for the raised requirement; the schedule's is for the real one.
    bound = plan.bound if margin <= 0 else lines_bound(problem, groups, staff_all)
    stats = SolveStats(plan.status.lower(), float(exact), bound, t3 - started,
                       {"lines_seconds": t1 - started, "names_seconds": t2 - t1,
                        "breaks_seconds": t3 - t2, "lines_objective": plan.objective,
                        "lines_bound": plan.bound})
    return Schedule(problem, tuple(shifts), stats)
