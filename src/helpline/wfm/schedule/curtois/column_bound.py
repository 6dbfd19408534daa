"""A lower bound on a Curtois & Qu instance by column generation.

The counting bound (``bounds``) is far below the best-known values where the penalty is
mostly requests (Instance13: 300 against 1,348), and CP-SAT's own bound on the larger
instances is weaker still. The LP relaxation of the formulation with one column per
employee schedule is much tighter: each column is a whole row meeting the employee's
hard rules and costs its broken requests; the master LP takes a convex combination of
columns per employee and pays the cover's under- and over-cover at their weights.

The master starts from given rows (a roster's) and is solved by HiGHS (scipy); its cover
duals price a new row per employee with CP-SAT on that employee's own hard rules
(``ModelBuilder``), objective = requests + cover duals. Every complete round gives a
valid bound whether or not the master has converged -- the Lagrangian bound
``master value + sum over employees of min(0, least reduced cost)``, with the least
reduced cost taken from CP-SAT's proven bound of the pricing problem -- and the largest
is kept. When no row prices out and every pricing problem was solved to optimality the
bound is the LP's value (``converged``). On Instance13, from the 6,816 rows a 600 s LNS
produced, 12 rounds (178 s, two threads) reach 1,348.0: the best-known value, so the
LP is tight there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog  # type: ignore[import-untyped]
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

from helpline.wfm.schedule.curtois.cpsat_model import ModelBuilder, read_row
from helpline.wfm.schedule.curtois.evaluate import day_matches
from helpline.wfm.schedule.curtois.ros_format import (
    DAY_OFF,
    Cover,
    Employee,
    Instance,
    ShiftRequest,
)

Row = tuple[str | None, ...]
#: Pricing objectives are integers: costs and duals times ``SCALE``, rounded. A row has
#: at most one priced cell per day, so the rounding moves its reduced cost by at most
#: ``days / (2 * SCALE)``, which the bound subtracts.
SCALE = 1_000_000
#: A row enters the master when its reduced cost is below ``-ENTER``.
ENTER = 1e-6
#: Seconds one pricing problem gets at most (one employee, the LP with cuts on).
PRICING_SECONDS = 2.0


@dataclass(frozen=True)
class LpBound:
    """``bound``: a proven lower bound on the penalty (the best round's, rounded up);
    ``lp_value``: the master LP's value after the last round; ``converged``: no row
    priced out and every pricing problem was proved (then ``bound`` is the LP's value,
    rounded up); ``rounds`` of pricing completed; ``columns`` in the master at the end;
    ``seconds`` of wall time."""

    bound: int
    lp_value: float
    converged: bool
    rounds: int
    columns: int
    seconds: float


@dataclass(frozen=True)
class MasterSolution:
    """The restricted master LP's value, the price of each (day, shift) cell in a row's
    reduced cost, each employee's convexity dual, and the columns with their weights."""

    value: float
    prices: dict[tuple[int, str], float]
    convexity: list[float]
    columns: list[tuple[int, Row]]
    weights: list[float]


class ColumnGeneration:
    """The master's columns per employee (rows meeting the employee's hard rules), cells
    fixed by a dive (``fixed[e]``: day -> shift or None), the LP and the pricing."""

    def __init__(self, instance: Instance,
                 rows: Mapping[str, Iterable[Sequence[str | None]]], *,
                 pricing_seconds: float = PRICING_SECONDS) -> None:
        if pricing_seconds <= 0:
            raise ValueError("pricing_seconds must be > 0")
        self.instance = instance
        self.employees = instance.employees
        self.pricing_seconds = pricing_seconds
        self.pool: list[set[Row]] = [set() for _ in self.employees]
        self.fixed: list[dict[int, str | None]] = [{} for _ in self.employees]
        self.costs: dict[tuple[int, Row], int] = {}
        #: Per employee, their requests (looked up for every column and priced row).
        self.requests: list[list[ShiftRequest]] = [[] for _ in self.employees]
        index = {employee.id: e for e, employee in enumerate(self.employees)}
        for request in instance.requests:
            self.requests[index[request.employee_id]].append(request)
        for e, employee in enumerate(self.employees):
            for given in rows.get(employee.id, ()):
                if len(given) != instance.days:
                    raise ValueError(f"a row of employee {employee.id} has {len(given)} "
                                     f"days, not {instance.days}")
                self.add(e, tuple(given))
            if not self.pool[e]:
                raise ValueError(f"no row for employee {employee.id}")
        self.constraints, self.cells = _layout(instance)
        #: Pricing rounds moves a row's reduced cost by at most this (see ``SCALE``).
        self.margin = instance.days / (2 * SCALE)

    def add(self, e: int, row: Row) -> bool:
        """Add a column; False when employee ``e`` has it already."""
        if row in self.pool[e]:
            return False
        self.pool[e].add(row)
        self.costs[(e, row)] = self.request_cost(e, row)
        return True

    def request_cost(self, e: int, row: Row) -> int:
        """The weights of employee ``e``'s requests ``row`` does not grant."""
        return sum(r.weight for r in self.requests[e]
                   if day_matches(row[r.day], r.shift) != r.on)

    def reduced_cost(self, e: int, row: Row, solution: MasterSolution) -> float:
        """A row's cost less its cover duals and employee ``e``'s convexity dual."""
        return (self.request_cost(e, row) - solution.convexity[e]
                + sum(solution.prices.get((day, shift), 0.0)
                      for day, shift in enumerate(row) if shift))

    def fits(self, e: int, row: Row) -> bool:
        return all(row[day] == value for day, value in self.fixed[e].items())

    def solve(self) -> MasterSolution:
        """The LP over the columns that fit the fixed cells (HiGHS)."""
        columns = [(e, row) for e in range(len(self.employees)) for row in self.pool[e]
                   if self.fits(e, row)]
        n, m = len(columns), len(self.constraints)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for j, (_, row) in enumerate(columns):
            for day, shift in enumerate(row):
                for k, sign in self.cells.get((day, shift), []) if shift else []:
                    rows.append(k)
                    cols.append(j)
                    vals.append(sign)
        slack_cost: list[float] = []
        for k, (cover, sign) in enumerate(self.constraints):
            weight = cover.max_weight if sign > 0 else cover.min_weight
            if weight is not None:  # a soft bound: its slack, at its weight
                rows.append(k)
                cols.append(n + len(slack_cost))
                vals.append(-1.0)
                slack_cost.append(float(weight))
        width = n + len(slack_cost)
        a_ub = coo_matrix((vals, (rows, cols)), shape=(m, width)).tocsr()
        b_ub = np.array([c.max_count if sign > 0 else -(c.min_count or 0)
                         for c, sign in self.constraints], dtype=float)
        employees = len(self.employees)
        a_eq = coo_matrix(([1.0] * n, ([e for e, _ in columns], list(range(n)))),
                          shape=(employees, width)).tocsr()
        cost = np.array([float(self.costs[c]) for c in columns] + slack_cost)
        result = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(employees),
                         bounds=(0, None), method="highs")
        if result.status != 0:
            raise ValueError(f"master LP of {self.instance.name}: {result.message}")
        duals = result.ineqlin.marginals
        prices = {cell: -sum(sign * duals[k] for k, sign in entries)
                  for cell, entries in self.cells.items()}
        return MasterSolution(float(result.fun), prices,
                              [float(v) for v in result.eqlin.marginals], columns,
                              [float(v) for v in result.x[:n]])

    def price(self, solution: MasterSolution, seconds: float,
              executor: ThreadPoolExecutor) -> tuple[float, int, bool]:
        """One pricing round: (the Lagrangian bound, columns added, whether every
        pricing problem was proved optimal)."""
        price = partial(_price, self.instance, prices=solution.prices,
                        seconds=min(self.pricing_seconds, seconds))
        priced = list(executor.map(price, self.employees, self.fixed))
        least = [lower - self.margin - solution.convexity[e]
                 for e, (_, lower, _) in enumerate(priced)]
        added = 0
        for e, (found, _, _) in enumerate(priced):
            if found is not None and self.reduced_cost(e, found, solution) < -ENTER:
                added += self.add(e, found)
        return (solution.value + sum(min(0.0, r) for r in least), added,
                all(proved for _, _, proved in priced))


def column_generation_bound(instance: Instance,
                            rows: Mapping[str, Iterable[Sequence[str | None]]], *,
                            time_limit_seconds: float, workers: int = 2,
                            pricing_seconds: float = PRICING_SECONDS,
                            max_rounds: int | None = None) -> LpBound:
    """Column generation from ``rows`` (per employee id, at least one row meeting the
    employee's hard rules, e.g. a feasible roster's) for at most ``time_limit_seconds``
    (and ``max_rounds``), pricing ``workers`` employees at a time; see the module
    docstring."""
    if time_limit_seconds <= 0 or workers < 1:
        raise ValueError("time_limit_seconds must be > 0 and workers >= 1")
    started = time.perf_counter()
    generation = ColumnGeneration(instance, rows, pricing_seconds=pricing_seconds)
    best = -math.inf
    rounds = 0
    converged = False
    solution = generation.solve()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        while max_rounds is None or rounds < max_rounds:
            left = time_limit_seconds - (time.perf_counter() - started)
            if left < 0.05:
                break
            bound, added, proved = generation.price(solution, left, executor)
            rounds += 1
            best = max(best, bound)
            if not added and proved:
                converged = True
                break
            solution = generation.solve()
    return LpBound(bound=max(0, math.ceil(best - 1e-6)) if math.isfinite(best) else 0,
                   lp_value=solution.value, converged=converged, rounds=rounds,
                   columns=sum(map(len, generation.pool)),
                   seconds=time.perf_counter() - started)


def _layout(instance: Instance) -> tuple[list[tuple[Cover, int]],
                                         dict[tuple[int, str], list[tuple[int, int]]]]:
    constraints: list[tuple[Cover, int]] = []
    cells: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for cover in instance.cover:
        for sign, count in ((-1, cover.min_count), (1, cover.max_count)):
            if count is not None:
                cells.setdefault((cover.day, cover.shift), []).append(
                    (len(constraints), sign))
                constraints.append((cover, sign))
    return constraints, cells


def _price(instance: Instance, employee: Employee, fixed: Mapping[int, str | None], *,
           prices: Mapping[tuple[int, str], float],
           seconds: float) -> tuple[Row | None, float, bool]:
    """The employee's row of least requests + cover prices with the ``fixed`` cells by
    CP-SAT: (the row found or None, a proven lower bound on that objective, whether it
    was proved optimal)."""
    builder = ModelBuilder(instance, [employee])
    builder.build_hard()
    builder.add_requests()
    for day, value in fixed.items():
        builder.clause([builder.lit(0, day, DAY_OFF if value is None else value)])
    terms = list(builder.terms)
    coefs = [c * SCALE for c in builder.coefs]
    for day, shifts in enumerate(builder.x[0]):
        for shift, var in shifts.items():
            price = round(prices.get((day, shift), 0.0) * SCALE)
            if price:
                terms.append(var)
                coefs.append(price)
    builder.model.minimize(cp_model.LinearExpr.weighted_sum(terms, coefs)
                           + builder.offset * SCALE)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2  # one employee of 84 days: 0.1 s, not 20
    status = solver.solve(builder.model)
    lower = solver.best_objective_bound / SCALE
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, lower, False
    return (read_row(solver, builder.work[0], builder.x[0]), lower,
            status == cp_model.OPTIMAL)
