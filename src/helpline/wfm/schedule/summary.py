"""One JSON-ready summary of a solved schedule, shared by the CLI and the planning
service: counts, coverage against the requirement and the solver's figures."""

from __future__ import annotations

from typing import Any

from helpline.wfm.schedule.coverage import coverage
from helpline.wfm.schedule.model import Schedule

#: Shares (0..1) are rounded to this many decimals.
SHARE_DECIMALS = 4


def schedule_summary(schedule: Schedule, violations: int) -> dict[str, Any]:
    """Days, operators (all and scheduled), shifts, the coverage summary (intervals,
    covered share, deficit and over-coverage in agent-intervals and as shares), the
    number of rule ``violations`` found by the checker, and the solver's status,
    objective, bound, relative gap and wall ``seconds``."""
    problem = schedule.problem
    cov = coverage(schedule.shifts, {o.id: o.skills for o in problem.operators},
                   problem.requirement, problem.interval_minutes).summary()
    stats = schedule.stats
    shares = {key: round(value, SHARE_DECIMALS) for key, value in cov.items()
              if key.endswith("_share")}
    return {"days": problem.days, "operators": len(problem.operators),
            "scheduled_operators": len({s.operator_id for s in schedule.shifts}),
            "shifts": len(schedule.shifts), **cov, **shares,
            "violations": violations, "status": stats.status,
            "objective": stats.objective, "bound": round(stats.bound, 1),
            "gap": round(stats.gap, 4), "seconds": round(stats.wall_seconds, 2)}
