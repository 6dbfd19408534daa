"""The linear relaxation of stage 1 (lines), solved with HiGHS through scipy.

It gives a proven lower bound of stage 1's objective and a fractional solution whose
rounding starts CP-SAT near the optimum: on a week with hundreds of operators CP-SAT
alone on two cores stays far from it within a minute (measured in bench/schedule.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped]
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Relaxation:
    bound: float  #: objective of the relaxation (scaled units), a lower bound
    values: list[float]  #: one per column, in the order given


def relax(columns: Sequence[Mapping[int, int]], column_group: Sequence[int],
          group_skills: Sequence[frozenset[str]], group_size: Sequence[int],
          need: Mapping[str, Sequence[int]], scale: int, under: int, over: int,
          staff_all: bool) -> Relaxation:
    """``columns[j]``: slot -> presence (1/scale operators) of one line of group
    ``column_group[j]``. Minimises ``under``·missing + ``over``·idle like stage 1."""
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
    result = linprog(np.asarray(cost), A_ub=a_ub, b_ub=np.asarray(rhs),
                     bounds=list(zip([0.0] * n_var, upper, strict=True)), method="highs",
                     **kwargs)
    if result.status != 0:
        raise RuntimeError(f"relaxation failed: {result.message}")
    total_need = sum(int(v) for s in skills for v in need[s]) * scale
    return Relaxation(float(result.fun) + under * total_need,
                      [float(v) for v in result.x[:n_x]])


def improve_single_skill(columns: Sequence[Mapping[int, int]], column_group: Sequence[int],
                         group_size: Sequence[int], need: Sequence[int], counts: list[int],
                         scale: int, under: int, over: int, staff_all: bool,
                         budget_seconds: float = 5.0) -> list[int]:
    """Greedy local search on integer line counts for one skill: add the line that
    lowers the objective most, or drop (or, with ``staff_all``, move) one operator
    while that helps. Starts from ``counts`` (e.g. the rounded relaxation)."""
    slots = len(need)
    a = np.zeros((slots, len(columns)))
    for j, col in enumerate(columns):
        for t, w in col.items():
            a[t, j] = w
    demand = np.asarray(need, dtype=float) * scale
    x = np.asarray(counts, dtype=float)
    used = np.zeros(len(group_size))
    for j, g in enumerate(column_group):
        used[g] += x[j]
    groups = np.asarray(column_group)
    size = np.asarray(group_size, dtype=float)
    col_sum = a.sum(axis=0)
    deadline = time.perf_counter() + budget_seconds
    while time.perf_counter() < deadline:
        present = a @ x
        deficit = np.maximum(demand - present, 0.0)
        # Adding one operator to line j.
        add = (under + over) * np.minimum(a, deficit[:, None]).sum(axis=0) - over * col_sum
        if not staff_all:
            add[used[groups] >= size[groups]] = -np.inf
        else:
            add[:] = -np.inf  # with everyone scheduled, only moves are allowed
        # Removing one operator from line j (only where someone is).
        lost = np.minimum(a, np.maximum(present - demand, 0.0)[:, None])
        remove = over * col_sum - (under + over) * (a - lost).sum(axis=0)
        remove[x <= 0] = -np.inf
        best_add, best_remove = int(np.argmax(add)), int(np.argmax(remove))
        if not staff_all and max(add[best_add], remove[best_remove]) > 1e-9:
            if add[best_add] >= remove[best_remove]:
                x[best_add] += 1
                used[groups[best_add]] += 1
            else:
                x[best_remove] -= 1
                used[groups[best_remove]] -= 1
            continue
        # A move: remove from the best line to remove, add to the best line of its group.
        if remove[best_remove] == -np.inf:
            break
        g = groups[best_remove]
        x[best_remove] -= 1
        present2 = a @ x
        deficit2 = np.maximum(demand - present2, 0.0)
        gain = (under + over) * np.minimum(a, deficit2[:, None]).sum(axis=0) - over * col_sum
        gain[groups != g] = -np.inf
        target = int(np.argmax(gain))
        if remove[best_remove] + gain[target] > 1e-9 and target != best_remove:
            x[target] += 1
        else:
            x[best_remove] += 1
            break
    return [int(v) for v in x]
