"""Planning on the WFM page: history CSV → forecast → requirement → schedule → a draft.

The steps are the pure ones of :mod:`helpline.wfm.planning` (the chain of ``helpline wfm
forecast``, ``staff`` and ``schedule``). This use case adds what needs the database: the
operators, contracts and time zone of the currently published schedule when none are
given, the check that every operator is an agent (before the solver's time is spent; the
publication checks again), and storing the result as a **draft** with its forecast in
one transaction (:func:`wfm_schedules.publish`). Nothing is held open while the models
and the solver run; on any error nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpline.domain.errors import ValidationFailed
from helpline.services import wfm_schedules
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.services.wfm_schedules import ForecastPoint, UnknownOperators
from helpline.store.wfm_repository import WfmRepository, problem_of
from helpline.wfm import planning
from helpline.wfm.schedule.contracts import STANDARD_CONTRACTS
from helpline.wfm.schedule.model import Contract, Operator
from helpline.wfm.staffing import Channel, Target


class NoPublishedSchedule(ValidationFailed):
    error_id = "no_published_schedule"


def _published_team(ctx: ServiceContext) -> tuple[tuple[Operator, ...], dict[str, Contract],
                                                   str, int]:
    """Operators, contracts and time zone of the current published schedule."""
    schedule_id = wfm_schedules.current_schedule_id(ctx)
    if schedule_id is None:
        raise NoPublishedSchedule("no schedule is published to take the operators from: "
                                  "give an operators file", field="operators")
    with ctx.uow() as uow:
        problem = problem_of(WfmRepository(uow.session).schedule_row(schedule_id))
    return problem.operators, dict(problem.contracts), problem.timezone, schedule_id


def _check_agents(ctx: ServiceContext, operators: Sequence[Operator]) -> None:
    """Fail fast, before the solver runs (``publish`` checks again when it stores)."""
    with ctx.uow() as uow:
        found = WfmRepository(uow.session).agents_matching(op.id for op in operators)
    missing = sorted(op.id for op in operators if op.id not in found)
    if missing:
        raise UnknownOperators("these operators are not agents: " + ", ".join(missing),
                               operators=missing)


def plan(ctx: ServiceContext, *, history_csv: str, horizon_days: int = 7,
         operators: Sequence[Mapping[str, Any]] | None = None,
         contracts: Sequence[Mapping[str, Any]] | None = None, timezone: str | None = None,
         skill: str | None = None, channel: Channel = "call", target_sl: float = 0.8,
         target_seconds: float = 20.0, shrinkage: float = 0.0, chats_per_agent: int = 3,
         aht_seconds: float | None = None, interval_minutes: int = 15,
         time_limit_seconds: float = 30.0, margin: float = 0.015, pick: bool = False,
         name: str = "", actor: Actor | None = None, workers: int | None = None
         ) -> dict[str, Any]:
    """Forecast ``horizon_days`` from the history, staff it, schedule the operators and
    store the schedule as a draft. ``operators`` (with extra ``contracts`` and a
    ``timezone``, as in an operators file) default to the published schedule's."""
    planning.check_range(horizon_days, planning.MIN_HORIZON_DAYS, planning.MAX_HORIZON_DAYS,
                         "horizon_days")
    planning.check_range(time_limit_seconds, planning.MIN_TIME_LIMIT_SECONDS,
                         planning.MAX_TIME_LIMIT_SECONDS, "time_limit_seconds")
    source: int | None = None
    if operators is None:
        team, known, zone, source = _published_team(ctx)
        if contracts:
            known.update(planning.parse_contracts(contracts))
        zone = timezone or zone
    else:
        team = planning.parse_operators(operators)
        known = {**STANDARD_CONTRACTS, **planning.parse_contracts(contracts or [])}
        zone = timezone or ctx.timezone.key
    planning.check_zone(zone)
    series = planning.read_history(history_csv, interval_minutes=interval_minutes,
                                   timezone=zone)
    chosen_skill = skill or planning.default_skill(team)
    planning.check_team(team, known, chosen_skill)
    _check_agents(ctx, team)

    result = planning.forecast_history(series, horizon_days)
    need = planning.staffing_need(
        result, channel, Target(target_sl, target_seconds, shrinkage,
                                chats_per_agent=chats_per_agent), aht_seconds)
    problem = planning.build_problem(need, planning.first_day(result), skill=chosen_skill,
                                     operators=team, contracts=known, timezone=zone)
    solved = planning.solve_checked(problem, time_limit_seconds=time_limit_seconds,
                                    pick=pick, margin=margin, workers=workers)
    planning.check_no_violations(solved)

    points = [ForecastPoint(p.start, p.forecast, p.lo, p.hi) for p in result.points]
    stored = wfm_schedules.publish(
        ctx, solved.schedule, name=name or f"Plan {problem.start:%d.%m.%Y} +{problem.days}d",
        actor=actor, forecast=points, draft=True)
    return {
        "schedule_id": stored.schedule_id, "status": stored.status,
        "start": problem.start.isoformat(), "days": problem.days,
        "end": problem.day_date(problem.days - 1).isoformat(),
        "interval_minutes": problem.interval_minutes, "timezone": zone,
        "skill": chosen_skill, "channel": channel, "operators_from_schedule": source,
        "forecast_points": stored.forecast_points,
        "forecast": planning.forecast_summary(result, series),
        "requirement": need.summary(),
        "schedule": planning.schedule_summary(solved),
    }
