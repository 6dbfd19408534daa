"""Schedule benchmarks (issue 4 §7), three suites:

* ``week``: the busiest week of the 31-day export scheduled by pyworkforce
  (``MinAbsDifference``, the named baseline) and by us (named operators, patterns,
  breaks); see ``schedule_week.py``. Target: ours covers >= 99% of the intervals with
  <= 10% over-coverage in <= 60 s.
* ``curtois``: the 24 Curtois & Qu instances against their best-known values; see
  ``schedule_curtois.py``. Target: optimal on 1-7 and 9-11, within 5% on 12-19, within
  10 minutes each.
* ``shift-design``: the minimum shift design instances against our own LP bound; see
  ``schedule_shift_design.py``.

Usage: python bench/schedule.py [--suite week|curtois|shift-design|all] [--quick]
       [--time-limit S] [--workers N] [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Any

import schedule_week as week
from _common import RUN_DATE, Table, emit_json


def run_week(time_limit: float, workers: int, repeat: int) -> dict[str, Any]:
    start, need = week.requirement()
    base = week.pyworkforce(need, time_limit, workers)
    runs = [week.ours(start, need, time_limit, workers) for _ in range(repeat)]
    return {"start": start.isoformat(), "peak_agents": max(need),
            "needed_agent_intervals": sum(need), "pyworkforce": base, "ours": runs}


def _gap(run: dict[str, Any]) -> float:
    """Stage 1's distance from its bound (LP relaxation or CP-SAT, the higher)."""
    st = run["stages"]
    return max(0.0, (st["lines_objective"] - st["lines_bound"]) / st["lines_objective"])


def print_week(result: dict[str, Any], time_limit: float) -> bool:
    rows = []
    for r in [result["pyworkforce"], *result["ours"]]:
        rows.append([r["method"], 100 * r["covered_share"], 100 * r["deficit_share"],
                     100 * r["over_share"], r.get("operators", "-"), r.get("shifts", "-"),
                     r.get("violations", "-"), r["seconds"]])
    print(f"\nweek from {result['start']}: 672 intervals of 15 min, peak "
          f"{result['peak_agents']} agents, {result['needed_agent_intervals']} agent-intervals"
          f" (Erlang C, 80% in 30 s); time limit {time_limit:.0f} s")
    print(Table(["method", "covered %", "deficit %", "over %", "operators", "shifts",
                 "violations", "seconds"], rows).render())
    ours = result["ours"]
    ok = all(r["covered_share"] >= week.TARGET_COVERED and r["over_share"] <= week.TARGET_OVER
             and r["seconds"] <= week.TARGET_SECONDS and r["violations"] == 0 for r in ours)
    over = [100 * r["over_share"] for r in ours]
    print(f"ours over {len(ours)} run(s): covered {min(r['covered_share'] for r in ours):.4f}"
          f" (worst), over-coverage median {statistics.median(over):.2f}% (worst "
          f"{max(over):.2f}%), stage-1 gap {max(_gap(r) for r in ours):.3f} (worst)")
    print(f"target (>= {100 * week.TARGET_COVERED:.0f}% covered, <= "
          f"{100 * week.TARGET_OVER:.0f}% over, <= {week.TARGET_SECONDS:.0f} s, no violation):"
          f" {'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--suite", choices=("week", "curtois", "shift-design", "all"),
                        default="week")
    parser.add_argument("--quick", action="store_true", help="short limits, few instances")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="week: runs of ours")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not week.GITPAY.exists():
        print(f"skipped: data not found in {week.SHARED_DATA}")
        return 0
    out: dict[str, Any] = {"bench": "schedule", "date": RUN_DATE}
    if args.suite in ("week", "all"):
        limit = args.time_limit or (20.0 if args.quick else 55.0)
        out["week"] = run_week(limit, args.workers, args.repeat)
        if not args.json:
            print_week(out["week"], limit)
    if args.suite in ("curtois", "all"):
        import schedule_curtois

        chosen = "1-2" if args.quick else "1-24"
        limit = args.time_limit or (10.0 if args.quick else 600.0)
        if args.json:
            out["curtois"] = schedule_curtois.run(schedule_curtois.parse_instances(chosen),
                                                  limit, args.workers)
        else:
            schedule_curtois.main(["--instances", chosen, "--time-limit", str(limit),
                                   "--workers", str(args.workers)])
    if args.suite in ("shift-design", "all"):
        import schedule_shift_design

        paths = schedule_shift_design.instance_paths("toy*" if args.quick else "*")
        limit = args.time_limit or (5.0 if args.quick else 20.0)
        rows = schedule_shift_design.run(paths, limit, args.workers)
        out["shift_design"] = rows
        if not args.json:
            print(schedule_shift_design.table(rows).render())
    if args.json:
        emit_json(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
