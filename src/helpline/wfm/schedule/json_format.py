"""Problems and schedules as JSON-ready dicts (the files `helpline wfm schedule` reads
and writes, and what `helpline wfm publish` stores)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from helpline.domain.errors import ValidationFailed
from helpline.wfm.schedule.model import (
    BreakPolicy,
    BreakRule,
    Contract,
    Operator,
    Preferences,
    Problem,
    Schedule,
    SolveStats,
    Weights,
    check_problem,
    shift_from_dict,
    shift_to_dict,
)


def contract_to_dict(c: Contract) -> dict[str, Any]:
    return {
        "name": c.name, "work_days": c.work_days, "off_days": c.off_days,
        "shift_minutes": c.shift_minutes, "earliest_start_minute": c.earliest_start_minute,
        "latest_start_minute": c.latest_start_minute,
        "start_step_minutes": c.start_step_minutes, "min_rest_minutes": c.min_rest_minutes,
        "breaks": {"edge_minutes": c.breaks.edge_minutes,
                   "min_gap_minutes": c.breaks.min_gap_minutes,
                   "rules": [{"minutes": r.minutes, "count": r.count, "kind": r.kind}
                             for r in c.breaks.rules]},
    }


def contract_from_dict(d: Mapping[str, Any]) -> Contract:
    b = d.get("breaks") or {}
    policy = BreakPolicy(
        tuple(BreakRule(int(r["minutes"]), int(r.get("count", 1)), str(r.get("kind", "break")))
              for r in b.get("rules", [])),
        int(b.get("edge_minutes", 60)), int(b.get("min_gap_minutes", 45)))
    return Contract(str(d["name"]), int(d["work_days"]), int(d["off_days"]),
                    int(d["shift_minutes"]), int(d["earliest_start_minute"]),
                    int(d["latest_start_minute"]), int(d.get("start_step_minutes", 15)),
                    policy, int(d.get("min_rest_minutes", 720)))


def operator_to_dict(o: Operator) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "contract": o.contract, "skills": sorted(o.skills),
            "unavailable": sorted(d.isoformat() for d in o.unavailable),
            "preferences": {"start_minute": o.preferences.start_minute,
                            "days_off": sorted(o.preferences.days_off)}}


def operator_from_dict(d: Mapping[str, Any]) -> Operator:
    p = d.get("preferences") or {}
    start = p.get("start_minute")
    return Operator(str(d["id"]), str(d.get("name", d["id"])), str(d["contract"]),
                    frozenset(str(s) for s in d.get("skills", [])),
                    frozenset(date.fromisoformat(str(x)) for x in d.get("unavailable", [])),
                    Preferences(None if start is None else int(start),
                                frozenset(int(x) for x in p.get("days_off", []))))


def problem_to_dict(p: Problem) -> dict[str, Any]:
    return {
        "start": p.start.isoformat(), "days": p.days, "interval_minutes": p.interval_minutes,
        "timezone": p.timezone,
        "weights": {"under": p.weights.under, "over": p.weights.over,
                    "preference": p.weights.preference},
        "requirement": {s: [int(v) for v in need] for s, need in p.requirement.items()},
        "contracts": [contract_to_dict(c) for c in p.contracts.values()],
        "operators": [operator_to_dict(o) for o in p.operators],
    }


def problem_from_dict(d: Mapping[str, Any]) -> Problem:
    """Parse and validate; malformed input raises :class:`ValidationFailed`."""
    try:
        w = d.get("weights") or {}
        contracts = [contract_from_dict(c) for c in d["contracts"]]
        problem = Problem(
            date.fromisoformat(str(d["start"])), int(d["days"]), int(d["interval_minutes"]),
            {str(s): [int(v) for v in need] for s, need in d["requirement"].items()},
            {c.name: c for c in contracts},
            tuple(operator_from_dict(o) for o in d["operators"]),
            Weights(int(w.get("under", 100)), int(w.get("over", 5)),
                    int(w.get("preference", 20))),
            str(d.get("timezone", "UTC")))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValidationFailed(f"malformed schedule problem: {error!r}") from error
    check_problem(problem)
    return problem


def schedule_to_dict(s: Schedule) -> dict[str, Any]:
    return {
        "problem": problem_to_dict(s.problem),
        "shifts": [shift_to_dict(s.problem, x) for x in s.shifts],
        "stats": {"status": s.stats.status, "objective": s.stats.objective,
                  "bound": s.stats.bound, "gap": s.stats.gap,
                  "wall_seconds": s.stats.wall_seconds, "stages": dict(s.stats.stages)},
    }


def schedule_from_dict(d: Mapping[str, Any]) -> Schedule:
    problem = problem_from_dict(d["problem"])
    try:
        st = d.get("stats") or {}
        shifts = tuple(shift_from_dict(problem, x) for x in d["shifts"])
        stats = SolveStats(str(st.get("status", "unknown")), float(st.get("objective", 0)),
                           float(st.get("bound", 0)), float(st.get("wall_seconds", 0)),
                           {str(k): float(v) for k, v in (st.get("stages") or {}).items()})
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationFailed(f"malformed schedule: {error!r}") from error
    return Schedule(problem, shifts, stats)
