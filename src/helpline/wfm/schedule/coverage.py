"""Scheduled coverage against the requirement, per interval and skill.

An operator counts in an interval when on shift and not on a break for any part of it
(a break that covers part of an interval takes the whole interval). Operators with
several skills are shared between skills by a maximum flow in each interval, so a
multi-skilled operator is never counted twice.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from helpline.wfm.schedule.model import Shift


@dataclass(frozen=True)
class Coverage:
    """Arrays over the horizon's intervals."""

    need: dict[str, NDArray[np.int64]]  #: per skill
    served: dict[str, NDArray[np.int64]]  #: per skill, at most ``need``
    present: NDArray[np.int64]  #: operators working (not on break)
    idle: NDArray[np.int64]  #: present but not needed by any skill they have

    @property
    def under(self) -> NDArray[np.int64]:
        """Missing agents per interval, over all skills."""
        total = np.zeros_like(self.present)
        for skill, need in self.need.items():
            total += need - self.served[skill]
        return total

    @property
    def need_total(self) -> NDArray[np.int64]:
        total = np.zeros_like(self.present)
        for need in self.need.values():
            total += need
        return total

    def summary(self) -> dict[str, float]:
        """Share of intervals fully covered, deficit and over-coverage (agent-intervals)."""
        need = self.need_total
        under = self.under
        needed = int(need.sum())
        return {
            "intervals": len(need),
            "covered_share": float(np.mean(under == 0)) if len(need) else 1.0,
            "deficit_agent_intervals": int(under.sum()),
            "over_agent_intervals": int(self.idle.sum()),
            "needed_agent_intervals": needed,
            "deficit_share": float(under.sum() / needed) if needed else 0.0,
            "over_share": float(self.idle.sum() / needed) if needed else 0.0,
        }


def presence(shifts: Iterable[Shift], skills_of: Mapping[str, frozenset[str]],
             slots: int, interval_minutes: int) -> dict[frozenset[str], NDArray[np.int64]]:
    """Operators present per interval, grouped by their skill set."""
    out: dict[frozenset[str], NDArray[np.int64]] = defaultdict(
        lambda: np.zeros(slots, dtype=np.int64))
    for shift in shifts:
        row = np.zeros(slots + 1, dtype=np.int64)
        first = shift.start_minute // interval_minutes
        last = -(-shift.end_minute // interval_minutes)
        row[max(first, 0):min(last, slots)] = 1
        for brk in shift.breaks:
            b0 = brk.start_minute // interval_minutes
            b1 = -(-(brk.start_minute + brk.minutes) // interval_minutes)
            row[max(b0, 0):min(b1, slots)] = 0
        out[skills_of[shift.operator_id]] += row[:slots]
    return dict(out)


def max_flow(supply: Sequence[int], need: Sequence[int],
              edges: Sequence[Sequence[int]]) -> list[list[int]]:
    """Integral bipartite transport: ``supply[i]`` operators of class i may serve the
    skills ``edges[i]``; ``need[j]`` per skill. Returns flow[i][j] of maximum total
    (augmenting paths, classes and skills are few)."""
    n, m = len(supply), len(need)
    flow = [[0] * m for _ in range(n)]
    left = list(supply)
    room = list(need)
    while True:
        # BFS over residual graph: source -> class i -> skill j (edge) ; skill j -> class i
        # (back, if flow[i][j] > 0); skill j -> sink if room[j] > 0.
        parent: dict[tuple[str, int], tuple[str, int] | None] = {}
        queue: list[tuple[str, int]] = []
        for i in range(n):
            if left[i] > 0:
                parent[("c", i)] = None
                queue.append(("c", i))
        end: tuple[str, int] | None = None
        while queue and end is None:
            node = queue.pop(0)
            if node[0] == "c":
                for j in edges[node[1]]:
                    if ("s", j) not in parent:
                        parent[("s", j)] = node
                        if room[j] > 0:
                            end = ("s", j)
                            break
                        queue.append(("s", j))
            else:
                j = node[1]
                for i in range(n):
                    if flow[i][j] > 0 and ("c", i) not in parent:
                        parent[("c", i)] = node
                        queue.append(("c", i))
        if end is None:
            return flow
        path = [end]
        while (prev := parent[path[-1]]) is not None:
            path.append(prev)
        path.reverse()
        amount = min(left[path[0][1]], room[end[1]])
        for a, b in itertools.pairwise(path):
            if a[0] == "s":  # backward edge: skill a <- class b
                amount = min(amount, flow[b[1]][a[1]])
        for a, b in itertools.pairwise(path):
            if a[0] == "c":
                flow[a[1]][b[1]] += amount
            else:
                flow[b[1]][a[1]] -= amount
        left[path[0][1]] -= amount
        room[end[1]] -= amount


def coverage(shifts: Iterable[Shift], skills_of: Mapping[str, frozenset[str]],
             requirement: Mapping[str, Sequence[int]], interval_minutes: int) -> Coverage:
    """Coverage of ``requirement`` (skill -> need per interval) by ``shifts``."""
    skills = sorted(requirement)
    need = {s: np.asarray(requirement[s], dtype=np.int64) for s in skills}
    slots = len(next(iter(need.values()))) if need else 0
    wanted = frozenset(skills)
    groups: dict[frozenset[str], NDArray[np.int64]] = {}
    for cls, row in presence(shifts, skills_of, slots, interval_minutes).items():
        key = cls & wanted  # only the skills the requirement asks for matter
        groups[key] = groups.get(key, np.zeros(slots, dtype=np.int64)) + row
    classes = sorted(groups, key=sorted)
    edges = [[j for j, s in enumerate(skills) if s in cls] for cls in classes]
    served = {s: np.zeros(slots, dtype=np.int64) for s in skills}
    present = np.zeros(slots, dtype=np.int64)
    for cls in classes:
        present += groups[cls]
    if all(len(e) <= 1 for e in edges):  # nobody is shared between skills
        for cls, e in zip(classes, edges, strict=True):
            if e:
                s = skills[e[0]]
                served[s] = np.minimum(groups[cls], need[s])
    else:
        for t in range(slots):
            flow = max_flow([int(groups[c][t]) for c in classes],
                             [int(need[s][t]) for s in skills], edges)
            for j, s in enumerate(skills):
                served[s][t] = sum(row[j] for row in flow)
    used = np.sum([served[s] for s in skills], axis=0).astype(np.int64) if skills else present
    return Coverage(need, served, present, present - used)
