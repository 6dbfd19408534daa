"""Shift design benchmark: the (bounded) minimum shift design instances with CP-SAT.

Data: ``../shared/data/shift-design/`` (DataSet1/2/3 RandomExample*.dzn and toy1-3, from
``Stieguu/Bounded-Minimum-Shift-Design-Constraint-Programming``; see its README). No
best-known values exist for these ``.dzn`` variants, so each result is set against two
lower bounds: CP-SAT's own and ours (``helpline.wfm.schedule.shift_design.bound``: the LP
relaxation with jump cuts and lattice rounding, solved with GLOP). gap = (objective -
our bound) / objective. The objective (``--variant weighted``, default) is the minimum
shift design one: over- and under-cover worker-minutes, distinct shifts and the duties
per week deviation, with the instance weights; ``--variant bounded`` is the course
variant (full cover and maxDuties hard). Every objective is re-checked by the
independent evaluator.

Usage: python bench/schedule_shift_design.py [--instances GLOB] [--time-limit S]
       [--workers N] [--variant weighted|bounded] [--json]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import RUN_DATE, Table, emit_json

from helpline.wfm.schedule.shift_design.cli import shift_design_report
from helpline.wfm.schedule.shift_design.dzn_format import load_dzn
from helpline.wfm.schedule.shift_design.evaluate import Variant

#: ../shared/data of the project (HELPLINE_SHARED_DATA overrides it).
SHARED_DATA = Path(os.environ.get("HELPLINE_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))
DATA = SHARED_DATA / "shift-design"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def instance_paths(pattern: str = "*") -> list[Path]:
    """The ``.dzn`` files whose path relative to the data folder matches ``pattern``."""
    found = sorted(DATA.rglob("*.dzn"), key=_order)
    return [p for p in found if fnmatch.fnmatch(str(p.relative_to(DATA)), pattern)
            or fnmatch.fnmatch(p.name, pattern)]


def _order(path: Path) -> tuple[bool, str, int, str]:
    """DataSet folders first, then the toys; RandomExample2 before RandomExample10."""
    digits = "".join(c for c in path.stem if c.isdigit())
    return path.parent == DATA, str(path.parent), int(digits or 0), path.stem


def run(paths: Sequence[Path], time_limit: float, workers: int,
        variant: Variant = "weighted") -> list[dict[str, Any]]:
    """One report per instance (see ``shift_design_report``), in the order given."""
    rows = []
    for path in paths:
        report = shift_design_report(load_dzn(path), time_limit_seconds=time_limit,
                                     workers=workers, variant=variant)
        report["path"] = str(path.relative_to(DATA)) if path.is_relative_to(DATA) else str(path)
        _log(f"{report['path']}: {report['status']} objective {report['objective']} "
             f"CP-SAT bound {report['cpsat_bound']} LP bound {report['lp_bound']} "
             f"({report['solve_seconds']:.1f} s)")
        rows.append(report)
    return rows


def table(rows: Sequence[dict[str, Any]]) -> Table:
    def num(value: Any) -> Any:
        return "-" if value is None else value

    return Table(
        ["instance", "slot min", "demand wh", "objective", "over min", "under min",
         "shifts", "duty dev", "CP-SAT bound", "our LP bound", "gap % (ours)", "status",
         "seconds"],
        [[r["instance"], r["interval_minutes"], float(r["demand_worker_hours"]),
          num(r["objective"]), r["over_cover_minutes"], r["under_cover_minutes"],
          r["shift_count"], round(r["duty_deviation"], 4), num(r["cpsat_bound"]),
          num(r["lp_bound"]), num(r["gap_to_lp_bound_percent"]), r["status"],
          round(r["solve_seconds"] + r["lp_seconds"], 1)] for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--instances", default="*",
                        help="glob on the path under shift-design/ or the file name")
    parser.add_argument("--time-limit", type=float, default=20.0, help="CP-SAT s per instance")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT threads")
    parser.add_argument("--variant", choices=("weighted", "bounded"), default="weighted")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        _log(f"skipped: {DATA} not found (shared data set absent)")
        return 0
    paths = instance_paths(args.instances)
    if not paths:
        _log(f"no instance matches {args.instances!r} under {DATA}")
        return 1
    load_start = [round(x, 2) for x in os.getloadavg()]
    variant: Variant = "bounded" if args.variant == "bounded" else "weighted"
    rows = run(paths, args.time_limit, args.workers, variant)
    if args.json:
        emit_json({"benchmark": "schedule_shift_design", "run_date": RUN_DATE,
                   "variant": variant, "time_limit_s": args.time_limit,
                   "workers": args.workers, "instances": rows, "loadavg_start": load_start,
                   "loadavg_end": [round(x, 2) for x in os.getloadavg()]})
    else:
        print(table(rows).render())
        optimal = sum(r["status"] == "OPTIMAL" for r in rows)
        print(f"variant {variant}; {len(rows)} instances, {optimal} proven optimal by "
              f"CP-SAT; time limit {args.time_limit} s, {args.workers} workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
