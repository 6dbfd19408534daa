"""The busiest week of the 31-day contact-center export, scheduled by pyworkforce and by us.

Requirement: agents per 15-minute interval by Erlang C at the file's own target (80% in
30 s) with its per-interval AHT (``helpline.wfm.staffing``), for the 7 consecutive whole
days with the most calls.

Baseline: ``pyworkforce.scheduling.MinAbsDifference`` (the package named in the issue)
with every 8- and 12-hour shift that starts on the hour and ends by midnight; each day
is solved on its own, with no named operators, no patterns and no breaks, so its
coverage is an upper bound of what such shifts give. Ours: named operators on 2/2
(12-hour day and night), 3/1 (12-hour day), 5/2 (8 hours, any start: a 24/7 contract)
and part-time 5/2 (6 and 4 hours) contracts, breaks placed (four of 15 minutes and a
45-minute lunch per 12 hours; two of 15 and a 30-minute lunch per 8; two of 15 per 6;
one per 4), minimum rest, one pool (about 1.75x the needed hours) of which the solver
uses whom it needs.

Figures per method: share of intervals fully covered, deficit and over-coverage in
agent-intervals as a share of the required agent-intervals, seconds. Targets (issue 4
§7): ours covers >= 99% of intervals with <= 10% over-coverage within 60 s.
"""

from __future__ import annotations

import csv
import math
import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from helpline.wfm.schedule.checker import check_schedule
from helpline.wfm.schedule.contracts import STANDARD_CONTRACTS
from helpline.wfm.schedule.coverage import coverage
from helpline.wfm.schedule.model import (
    Operator,
    Problem,
    Weights,
)
from helpline.wfm.schedule.solver import solve
from helpline.wfm.staffing import Target, requirements

SHARED_DATA = Path(os.environ.get("HELPLINE_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))
GITPAY = SHARED_DATA / "arrivals" / "gitpay_contact_center_15min_31d.csv"
SLOTS = 96
TARGET_COVERED, TARGET_OVER, TARGET_SECONDS = 0.99, 0.10, 60.0
#: A missing agent costs 100 idle agent-intervals: the target is full coverage.
WEIGHTS = Weights(under=100, over=1, preference=20)

CONTRACTS = STANDARD_CONTRACTS
#: contract -> (share of the needed hours its pool could cover, paid hours per week)
MIX = {"2/2 day": (0.3, 42.0), "2/2 night": (0.1, 42.0), "3/1": (0.1, 63.0),
       "5/2": (0.5, 40.0), "5/2 6h": (0.2, 30.0), "5/2 4h": (0.2, 20.0)}


def busiest_week() -> tuple[date, np.ndarray, np.ndarray]:
    """Start date, calls and AHT (s) per 15-minute interval of the busiest 7 days."""
    with GITPAY.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    calls = np.array([float(r["call_volume"]) for r in rows])
    aht = np.array([float(r["aht"]) for r in rows])
    days = len(rows) // SLOTS
    totals = [calls[d * SLOTS:(d + 7) * SLOTS].sum() for d in range(days - 6)]
    best = int(np.argmax(totals))
    first = datetime.fromisoformat(rows[best * SLOTS]["tc"]).date()
    cut = slice(best * SLOTS, (best + 7) * SLOTS)
    return first, calls[cut], aht[cut]


def requirement() -> tuple[date, list[int]]:
    start, calls, aht = busiest_week()
    need = requirements("call", np.maximum(calls, 0), aht, 900, Target(0.8, 30.0))
    return start, [int(v) for v in need.agents]


def roster(need: list[int], spare: float = 1.25) -> list[Operator]:
    """A pool ``spare`` times the needed agent-hours, split over the contracts."""
    hours = sum(need) / 4
    ops = []
    for name, (share, weekly) in MIX.items():
        count = math.ceil(spare * hours * share / weekly)
        ops += [Operator(f"{name}-{i:03d}", f"{name} #{i}", name, frozenset({"calls"}))
                for i in range(count)]
    return ops


def ours(start: date, need: list[int], time_limit: float, workers: int,
         margin: float = 0.015) -> dict[str, Any]:
    ops = roster(need)
    problem = Problem(start, 7, 15, {"calls": need}, CONTRACTS, tuple(ops), WEIGHTS)
    began = time.perf_counter()
    schedule = solve(problem, time_limit_seconds=time_limit, workers=workers, staff_all=False,
                     margin=margin)
    seconds = time.perf_counter() - began
    problems = check_schedule(schedule)
    cov = coverage(schedule.shifts, {o.id: o.skills for o in ops}, problem.requirement, 15)
    used = len({s.operator_id for s in schedule.shifts})
    return {"method": "helpline", "seconds": seconds, **cov.summary(), "operators": used,
            "pool": len(ops), "shifts": len(schedule.shifts), "violations": len(problems),
            "status": schedule.stats.status, "objective": schedule.stats.objective,
            "bound": schedule.stats.bound, "gap": schedule.stats.gap,
            "stages": dict(schedule.stats.stages)}


def pyworkforce(need: list[int], time_limit: float, workers: int) -> dict[str, Any]:
    from pyworkforce.scheduling import MinAbsDifference

    shifts: dict[str, list[int]] = {}
    for hours in (8, 12):
        for begin in range(0, 24 - hours + 1):
            cover = [0] * SLOTS
            for k in range(begin * 4, (begin + hours) * 4):
                cover[k] = 1
            shifts[f"{hours}h@{begin:02d}"] = cover
    required = [need[d * SLOTS:(d + 1) * SLOTS] for d in range(7)]
    top = max(need) * 2 + 10
    began = time.perf_counter()
    result = MinAbsDifference(num_days=7, periods=SLOTS, shifts_coverage=shifts,
                              required_resources=required, max_period_concurrency=top,
                              max_shift_concurrency=top, max_search_time=float(time_limit),
                              num_search_workers=workers).solve()
    seconds = time.perf_counter() - began
    present = np.zeros(7 * SLOTS, dtype=np.int64)
    for row in result["resources_shifts"]:
        cover = np.array(shifts[row["shift"]], dtype=np.int64)
        d = int(row["day"])
        present[d * SLOTS:(d + 1) * SLOTS] += int(row["resources"]) * cover
    req = np.array(need, dtype=np.int64)
    under = np.maximum(req - present, 0)
    over = np.maximum(present - req, 0)
    return {"method": "pyworkforce MinAbsDifference", "seconds": seconds,
            "intervals": len(req), "covered_share": float(np.mean(under == 0)),
            "deficit_agent_intervals": int(under.sum()),
            "over_agent_intervals": int(over.sum()), "needed_agent_intervals": int(req.sum()),
            "deficit_share": float(under.sum() / req.sum()),
            "over_share": float(over.sum() / req.sum()), "status": result["status"]}
