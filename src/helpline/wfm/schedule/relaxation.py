"""The linear relaxation of stage 1 (lines), solved with HiGHS through scipy.

It gives a proven lower bound of stage 1's objective and a fractional solution whose
rounding starts CP-SAT near the optimum: on a week with hundreds of operators CP-SAT
alone on two cores stays far from it within a minute (measured in bench/schedule.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import (  # type: ignore[import-untyped]
    Bounds,
    LinearConstraint,
    linprog,
    milp,
)
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Relaxation:
    bound: float  #: objective of the relaxation (scaled units), a lower bound
    values: list[float]  #: one per column, in the order given


def relax(columns: Sequence[Mapping[int, int]], column_group: Sequence[int],
          group_skills: Sequence[frozenset[str]], group_size: Sequence[int],
          need: Mapping[str, Sequence[int]], scale: int, under: int, over: int,
          staff_all: bool, integral_seconds: float | None = None) -> Relaxation:
    """``columns[j]``: slot -> presence (1/scale operators) of one line of group
    ``column_group[j]``. Minimises ``under``·missing + ``over``·idle like stage 1.
    With ``integral_seconds`` the lines are integers (HiGHS branch and bound)."""
    skills = sorted(need)
    slots = len(next(iter(need.values())))
    n_x = len(columns)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    cost: list[float] = [0.0] * n_x
    upper: list[float] = [float("inf")] * n_x
    rhs: list[float] = []
    # Presence of group g at slot t as a sparse row over x.
    pres: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for j, col in enumerate(columns):
        for t, w in col.items():
            pres.setdefault((column_group[j], t), []).append((j, w))
            cost[j] += over * w
    n_var = n_x
    row = 0
    for t in range(slots):
        shares_of: dict[int, list[int]] = {}
        for s in skills:
            demand = int(need[s][t]) * scale
            if demand == 0:
                continue
            served = n_var
            n_var += 1
            cost.append(-(under + over))
            upper.append(float(demand))
            rows.append(row)
            cols.append(served)
            vals.append(1.0)
            for g, gs in enumerate(group_skills):
                if s not in gs or (g, t) not in pres:
                    continue
                if len(gs) == 1:
                    for j, w in pres[(g, t)]:
                        rows.append(row)
                        cols.append(j)
                        vals.append(-float(w))
                else:
                    share = n_var
                    n_var += 1
                    cost.append(0.0)
                    upper.append(float("inf"))
                    rows.append(row)
                    cols.append(share)
                    vals.append(-1.0)
                    shares_of.setdefault(g, []).append(share)
            rhs.append(0.0)
            row += 1
        for g, shares in shares_of.items():
            for share in shares:
                rows.append(row)
                cols.append(share)
                vals.append(1.0)
            for j, w in pres[(g, t)]:
                rows.append(row)
                cols.append(j)
                vals.append(-float(w))
            rhs.append(0.0)
            row += 1
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    for j, g in enumerate(column_group):
        if not staff_all:
            rows.append(row + g)
            cols.append(j)
            vals.append(1.0)
        else:
            eq_rows.append(g)
            eq_cols.append(j)
    if not staff_all:
        rhs += [float(n) for n in group_size]
        row += len(group_size)
    a_ub = coo_matrix((vals, (rows, cols)), shape=(row, n_var)).tocsr()
    kwargs = {}
    if staff_all:
        kwargs = {"A_eq": coo_matrix(([1.0] * len(eq_rows), (eq_rows, eq_cols)),
                                     shape=(len(group_size), n_var)).tocsr(),
                  "b_eq": np.asarray(group_size, dtype=float)}
    if integral_seconds is not None:
        constraints = [LinearConstraint(a_ub, -np.inf, np.asarray(rhs))]
        if staff_all:
            constraints.append(LinearConstraint(kwargs["A_eq"], kwargs["b_eq"], kwargs["b_eq"]))
        integrality = np.zeros(n_var)
        integrality[:n_x] = 1
        result = milp(np.asarray(cost), constraints=constraints,
                      bounds=Bounds(np.zeros(n_var), np.asarray(upper)),
                      integrality=integrality,
                      options={"time_limit": integral_seconds, "mip_rel_gap": 1e-4})
        if result.x is None:
            raise RuntimeError(f"no integral lines: {result.message}")
        total_need = sum(int(v) for s in skills for v in need[s]) * scale
        bound = float(getattr(result, "mip_dual_bound", result.fun)) + under * total_need
        return Relaxation(bound, [float(v) for v in result.x[:n_x]])
    result = linprog(np.asarray(cost), A_ub=a_ub, b_ub=np.asarray(rhs),
                     bounds=list(zip([0.0] * n_var, upper, strict=True)), method="highs",
                     **kwargs)
    if result.status != 0:
        raise RuntimeError(f"relaxation failed: {result.message}")
    total_need = sum(int(v) for s in skills for v in need[s]) * scale
    return Relaxation(float(result.fun) + under * total_need,
                      [float(v) for v in result.x[:n_x]])
