"""Erlang C staffing benchmark: required agents for a week of 15-minute intervals.

Input (synthetic, seeded): 10 queues x 7 days x 96 intervals = 6,720 intervals. Each
queue has a peak volume (25..900 calls per 15 minutes), an AHT (150..540 s), a
double-hump day profile (morning and evening peaks, quiet nights), weekends at 55-75%,
and Poisson noise; at least one call per interval (pyworkforce refuses zero). Targets
alternate by queue: 80% in 20 s, and the regulator's 90% in 180 s with occupancy capped at
85%.

Ours: ``helpline.wfm.erlang.required_agents`` on the whole week at once (numpy arrays).
Baseline: ``pyworkforce`` (the package named in the issue) ``ErlangC(...)
.required_positions(service_level, max_occupancy)["raw_positions"]`` called per
interval, in the same process and run. Both must give the same agents; every mismatch
is printed and classified by checking both answers with pyworkforce's own service-level
formula (``not minimal``: pyworkforce's answer minus one already meets the target by its
own formula; it starts its search at ``round(A + 1)``).

Usage: python bench/erlang.py [--quick] [--json] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np
from _common import RUN_DATE, Table, emit_json, ratio

from helpline.wfm.erlang import erlang_c_metrics, required_agents

TARGET_SPEEDUP = 20.0
INTERVAL_S = 900
QUEUES = 10


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def week_of_volumes(days: int, seed: int = 2026) -> dict[str, np.ndarray]:
    """Calls, AHT and targets per (queue, interval), flattened queue-major."""
    rng = np.random.default_rng(seed)
    slots = np.arange(96) / 4.0  # hour of day
    profile = (0.08 + 0.9 * np.exp(-((slots - 11.0) / 2.6) ** 2)
               + 0.7 * np.exp(-((slots - 18.5) / 2.2) ** 2))
    profile /= profile.max()
    calls, aht, goal, target, occ = [], [], [], [], []
    for q in range(QUEUES):
        peak = rng.uniform(25, 900)
        handle = rng.uniform(150, 540)
        weekend = rng.uniform(0.55, 0.75)
        for day in range(days):
            factor = weekend if day % 7 >= 5 else rng.uniform(0.9, 1.1)
            mean = peak * factor * profile
            calls.append(np.maximum(rng.poisson(mean), 1))
            aht.append(np.full(96, handle))
            goal.append(np.full(96, 0.8 if q % 2 == 0 else 0.9))
            target.append(np.full(96, 20.0 if q % 2 == 0 else 180.0))
            occ.append(np.full(96, 1.0 if q % 2 == 0 else 0.85))
    return {name: np.concatenate(parts).astype(np.float64) for name, parts in
            (("calls", calls), ("aht", aht), ("goal", goal), ("target", target), ("occ", occ))}


def ours(data: dict[str, np.ndarray]) -> np.ndarray:
    return required_agents(data["calls"], INTERVAL_S, data["aht"], data["goal"],
                           data["target"], max_occupancy=data["occ"])


def pyworkforce_agents(data: dict[str, np.ndarray]) -> np.ndarray:
    from pyworkforce.queuing import ErlangC

    out = np.empty(data["calls"].shape, dtype=np.int64)
    for i in range(out.size):
        erlang = ErlangC(transactions=data["calls"][i], aht=data["aht"][i] / 60.0,
                         asa=data["target"][i] / 60.0, interval=INTERVAL_S / 60.0)
        out[i] = erlang.required_positions(service_level=data["goal"][i],
                                           max_occupancy=data["occ"][i])["raw_positions"]
    return out


def classify(data: dict[str, np.ndarray], i: int, mine: int, theirs: int) -> str:
    from pyworkforce.queuing import ErlangC

    erlang = ErlangC(transactions=data["calls"][i], aht=data["aht"][i] / 60.0,
                     asa=data["target"][i] / 60.0, interval=INTERVAL_S / 60.0)
    goal, occ = data["goal"][i], data["occ"][i]

    def meets(n: int) -> bool:
        return bool(n > erlang.intensity and erlang.service_level(n) >= goal
                    and erlang.achieved_occupancy(n) <= occ)

    if theirs > mine and meets(mine):
        return "pyworkforce not minimal (its own formula accepts ours)"
    if theirs < mine and not meets(theirs):
        return "pyworkforce answer misses the target by its own formula"
    return "unexplained"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one day instead of a week")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of ours (best)")
    args = parser.parse_args(argv)
    days = 1 if args.quick else 7
    data = week_of_volumes(days)
    load_start = _load()
    try:
        import pyworkforce
    except ImportError as error:  # the `bench` extra is not installed
        _log(f"skipped: pyworkforce not importable ({error}); pip install -e '.[bench]'")
        return 0
    _log(f"{data['calls'].size} intervals ({QUEUES} queues x {days} days x 96), "
         f"{int(data['calls'].sum()):,} calls")
    ours(data)  # warm-up
    times = []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        mine = ours(data)
        times.append(time.perf_counter() - start)
    our_s = min(times)
    start = time.perf_counter()
    theirs = pyworkforce_agents(data)
    their_s = time.perf_counter() - start
    diff = np.flatnonzero(mine != theirs)
    mismatches = [{"interval": int(i), "calls": float(data["calls"][i]),
                   "aht_s": float(data["aht"][i]), "ours": int(mine[i]),
                   "pyworkforce": int(theirs[i]),
                   "why": classify(data, int(i), int(mine[i]), int(theirs[i]))}
                  for i in diff]
    metrics = erlang_c_metrics(mine, data["calls"], INTERVAL_S, data["aht"], data["target"])
    speedup = ratio(their_s, our_s)
    report: dict[str, Any] = {
        "benchmark": "erlang", "run_date": RUN_DATE, "intervals": int(data["calls"].size),
        "calls": int(data["calls"].sum()), "max_agents": int(mine.max()),
        "agent_hours": float(mine.sum()) / 4.0,
        "ours_s": round(our_s, 5), "pyworkforce_s": round(their_s, 4),
        "pyworkforce_version": getattr(pyworkforce, "__version__", "?"),
        "speedup": speedup, "target_speedup": TARGET_SPEEDUP,
        "target_met": bool(speedup >= TARGET_SPEEDUP),
        "same_answers": int(mine.size - diff.size), "mismatches": len(mismatches),
        "mismatch_detail": mismatches[:20],
        "all_meet_target": bool(np.all(metrics.service_level >= data["goal"] - 1e-12)),
        "loadavg_start": load_start, "loadavg_end": _load(),
    }
    if args.json:
        emit_json(report)
    else:
        print(Table(["impl", "seconds", "intervals/s", "agent-hours"], [
            ["helpline required_agents (vectorised)", our_s, mine.size / our_s,
             float(mine.sum()) / 4],
            [f"pyworkforce {report['pyworkforce_version']} ErlangC", their_s,
             mine.size / their_s, float(theirs.sum()) / 4],
        ]).render())
        print(f"speed-up {speedup}x (target >= {TARGET_SPEEDUP:.0f}x "
              f"{'met' if report['target_met'] else 'NOT met'}); same agents in "
              f"{report['same_answers']}/{mine.size} intervals; load {load_start} -> "
              f"{report['loadavg_end']}")
        for m in mismatches:
            print(f"  mismatch interval {m['interval']}: calls {m['calls']:.0f} aht "
                  f"{m['aht_s']:.0f}s ours {m['ours']} pyworkforce {m['pyworkforce']}: "
                  f"{m['why']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
