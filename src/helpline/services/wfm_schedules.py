"""Publishing schedules and reading them: the WFM page's grid and charts, an operator's
own shifts.

Publishing is one transaction: the operators are matched to agents (by id, or by
username, rewritten to the id), the shifts are checked against the horizon, and the
schedule, its shifts and its forecast are written together or not at all. A published
schedule may not share a day with another published one unless ``replace`` is given:
then the older one becomes ``superseded`` and its pending requests are refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from helpline.domain.agents import Role
from helpline.domain.clock import check_aware
from helpline.domain.errors import Conflict, InvalidTransition, ValidationFailed
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.store.uow import UnitOfWork, with_retries
from helpline.store.wfm_repository import WfmRepository, problem_of, schedule_end
from helpline.store.wfm_tables import WfmScheduleRow, WfmShiftRow
from helpline.wfm.schedule.coverage import coverage
from helpline.wfm.schedule.model import Operator, Problem, Schedule, check_problem
from helpline.wfm.schedule.requests import skills_of

#: Who plans: publishes, sees every schedule, decides requests, reads adherence.
WFM_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
MAX_NAME = 200
MAX_RANGE_DAYS = 62
T = TypeVar("T")


class UnknownOperators(ValidationFailed):
    """Operators of a schedule that are not agents of the platform."""

    error_id = "unknown_operators"


@dataclass(frozen=True)
class ForecastPoint:
    interval_start: datetime
    forecast: float
    lo: float
    hi: float


@dataclass(frozen=True)
class Published:
    schedule_id: int
    status: str
    shifts: int
    operators: int
    forecast_points: int
    superseded: tuple[int, ...] = ()
    #: night shifts the solver started the evening before the horizon (not stored: that
    #: evening belongs to the previous period's schedule)
    evening_before_dropped: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"schedule_id": self.schedule_id, "status": self.status, "shifts": self.shifts,
                "operators": self.operators, "forecast_points": self.forecast_points,
                "superseded": list(self.superseded),
                "evening_before_dropped": self.evening_before_dropped}


def run(ctx: ServiceContext, work: Callable[[UnitOfWork], T]) -> T:
    """``work`` in one unit of work, again on a deadlock or serialization failure."""
    def attempt() -> T:
        with ctx.uow() as uow:
            return work(uow)

    return with_retries(attempt)


def _resolve_operators(repo: WfmRepository, schedule: Schedule) -> Schedule:
    """Operator ids (or usernames) -> agent ids; :class:`UnknownOperators` names the rest."""
    keys = [op.id for op in schedule.problem.operators]
    found = repo.agents_matching(keys)
    missing = sorted(k for k in keys if k not in found)
    if missing:
        raise UnknownOperators("these schedule operators are not agents: " + ", ".join(missing),
                               operators=missing)
    ids = {k: found[k].id for k in keys}
    if len(set(ids.values())) != len(ids):
        raise ValidationFailed("two schedule operators are the same agent")
    operators = tuple(replace(op, id=ids[op.id]) for op in schedule.problem.operators)
    shifts = tuple(replace(s, operator_id=ids.get(s.operator_id, s.operator_id))
                   for s in schedule.shifts)
    return replace(schedule, problem=replace(schedule.problem, operators=operators),
                   shifts=shifts)


def check_shifts(schedule: Schedule) -> None:
    """Every shift belongs to a listed operator, starts on a horizon day, lasts, and
    is the operator's only shift that day."""
    problem = schedule.problem
    known = {op.id for op in problem.operators}
    seen: set[tuple[str, int]] = set()
    for s in schedule.shifts:
        where = {"operator": s.operator_id, "day": s.day}
        if s.operator_id not in known:
            raise ValidationFailed("a shift belongs to no operator of the schedule", **where)
        if not 0 <= s.day < problem.days or s.minutes <= 0:
            raise ValidationFailed("a shift lies outside the horizon or has no length", **where)
        if (s.operator_id, s.day) in seen:
            raise ValidationFailed("two shifts of one operator on one day", **where)
        seen.add((s.operator_id, s.day))
        for b in s.breaks:
            if b.minutes <= 0 or b.start_minute < s.start_minute \
                    or b.start_minute + b.minutes > s.end_minute:
                raise ValidationFailed("a break lies outside its shift", **where)


def check_forecast(points: Sequence[ForecastPoint]) -> None:
    seen: set[datetime] = set()
    for p in points:
        check_aware(p.interval_start, "interval_start")
        if not all(math.isfinite(v) and v >= 0 for v in (p.forecast, p.lo, p.hi)):
            raise ValidationFailed("forecast values must be finite and >= 0",
                                   interval_start=p.interval_start.isoformat())
        if p.interval_start in seen:
            raise ValidationFailed("a forecast interval appears twice",
                                   interval_start=p.interval_start.isoformat())
        seen.add(p.interval_start)


def _supersede(uow: UnitOfWork, repo: WfmRepository, row: WfmScheduleRow,
               actor: Actor | None, now: datetime, replace_published: bool) -> tuple[int, ...]:
    from helpline.services.wfm_requests import refuse_for_replaced

    others = [r for r in repo.published_overlapping(row.start_date, schedule_end(row))
              if r.id != row.id]
    if others and not replace_published:
        ids = sorted(r.id for r in others)
        raise Conflict("the horizon overlaps published schedule(s) "
                       + ", ".join(f"#{i}" for i in ids) + "; publish with replace to "
                       "supersede them", schedule_ids=ids)
    for other in others:
        other.status = "superseded"
        refuse_for_replaced(uow, other.id, row.id, actor, now)
    return tuple(sorted(r.id for r in others))


def publish(ctx: ServiceContext, schedule: Schedule, *, name: str = "",
            actor: Actor | None = None, forecast: Sequence[ForecastPoint] = (),
            draft: bool = False, replace_published: bool = False) -> Published:
    """Store ``schedule`` (and its forecast) in one transaction; see the module doc."""
    name = " ".join(name.split())[:MAX_NAME] or (
        f"{schedule.problem.start.isoformat()} +{schedule.problem.days}d")
    check_forecast(forecast)
    before = sum(1 for x in schedule.shifts if x.day < 0)
    if before:  # the solver's carry-in night shifts (day -1): not this period's to publish
        schedule = replace(schedule, shifts=tuple(x for x in schedule.shifts if x.day >= 0))

    def work(uow: UnitOfWork) -> Published:
        now = ctx.now()
        repo = WfmRepository(uow.session)
        resolved = _resolve_operators(repo, schedule)
        check_problem(resolved.problem)
        check_shifts(resolved)
        by = actor.user_id if actor else None
        row = repo.add_schedule(resolved, name=name, status="draft" if draft else "published",
                                by=by, now=now)
        superseded: tuple[int, ...] = ()
        if not draft:
            superseded = _supersede(uow, repo, row, actor, now, replace_published)
        points = repo.add_forecast(row.id, ((p.interval_start, p.forecast, p.lo, p.hi)
                                            for p in forecast))
        uow.commit()
        return Published(row.id, row.status, len(resolved.shifts),
                         len(resolved.problem.operators), points, superseded, before)

    return run(ctx, work)


def publish_draft(ctx: ServiceContext, schedule_id: int, actor: Actor, *,
                  replace_published: bool = False) -> Published:
    """Publish a stored draft (operators see it from now on)."""
    def work(uow: UnitOfWork) -> Published:
        now = ctx.now()
        repo = WfmRepository(uow.session)
        row = repo.schedule_row(schedule_id, lock=True)
        if row.status != "draft":
            raise InvalidTransition(f"the schedule is {row.status}, not a draft",
                                    state=row.status, action="publish")
        superseded = _supersede(uow, repo, row, actor, now, replace_published)
        row.status = "published"
        row.published_by = actor.user_id
        row.published_at = now
        shifts = len(repo.shift_rows(row.id))
        points = len(repo.forecast(row.id))
        uow.commit()
        return Published(row.id, "published", shifts, len(row.operators), points, superseded)

    return run(ctx, work)


# -- reading -------------------------------------------------------------------------------
def _local_hhmm(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%H:%M")


def shift_json(row: WfmShiftRow, schedule: WfmScheduleRow, problem: Problem | None = None
               ) -> dict[str, Any]:
    """A stored shift with aware local times (the schedule's zone) and its breaks."""
    tz = ZoneInfo(schedule.timezone)
    p = problem or problem_of(schedule)
    return {
        "id": row.id, "schedule_id": row.schedule_id, "agent_id": row.agent_id,
        "day": row.day.isoformat(),
        "start": row.start_at.astimezone(tz).isoformat(),
        "end": row.end_at.astimezone(tz).isoformat(),
        "label": f"{_local_hhmm(row.start_at, tz)}–{_local_hhmm(row.end_at, tz)}",
        "minutes": row.minutes,
        "breaks": [{"kind": b["kind"], "minutes": b["minutes"],
                    "start": p.at(int(b["start_minute"])).isoformat(),
                    "end": p.at(int(b["start_minute"]) + int(b["minutes"])).isoformat(),
                    "label": f"{_local_hhmm(p.at(int(b['start_minute'])), tz)}–"
                             f"{_local_hhmm(p.at(int(b['start_minute']) + int(b['minutes'])), tz)}"}
                   for b in row.breaks],
    }


def schedule_summary(row: WfmScheduleRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "start": row.start_date.isoformat(),
            "days": row.days, "end": (schedule_end(row) - timedelta(days=1)).isoformat(),
            "interval_minutes": row.interval_minutes, "timezone": row.timezone,
            "skills": sorted(row.requirement), "status": row.status,
            "operators": len(row.operators), "published_by": row.published_by,
            "published_at": row.published_at.isoformat() if row.published_at else None,
            "created_at": row.created_at.isoformat()}


def list_schedules(ctx: ServiceContext, *, include_drafts: bool = True) -> list[dict[str, Any]]:
    """Newest first: published (and drafts, superseded for planners)."""
    statuses = ("draft", "published", "superseded") if include_drafts else ("published",)
    with ctx.uow() as uow:
        return [schedule_summary(r) for r in WfmRepository(uow.session).schedules(statuses)]


def current_schedule_id(ctx: ServiceContext) -> int | None:
    """The published schedule covering today, else the newest published one."""
    today = ctx.now().astimezone(ctx.timezone).date()
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        row = repo.published_on(today)
        if row is not None:
            return row.id
        rows = repo.schedules(("published",))
        return rows[0].id if rows else None


def _operators_json(repo: WfmRepository, operators: Iterable[Operator]) -> list[dict[str, Any]]:
    ops = list(operators)
    names = repo.names(o.id for o in ops)
    return [{"id": o.id, "name": names.get(o.id, o.name), "contract": o.contract,
             "skills": sorted(o.skills),
             "unavailable": sorted(d.isoformat() for d in o.unavailable)}
            for o in sorted(ops, key=lambda o: (names.get(o.id, o.name), o.id))]


def schedule_detail(ctx: ServiceContext, schedule_id: int) -> dict[str, Any]:
    """The grid: operators (names, skills, unavailable days), days and every shift;
    with the coverage summary."""
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        row = repo.schedule_row(schedule_id)
        schedule = repo.load(row)
        rows = repo.shift_rows(row.id)
        p = schedule.problem
        cov = coverage(schedule.shifts, skills_of(p), p.requirement, p.interval_minutes)
        return {**schedule_summary(row),
                "dates": [p.day_date(d).isoformat() for d in range(p.days)],
                "operators": _operators_json(repo, p.operators),
                "shifts": [shift_json(r, row, p) for r in rows],
                "coverage": cov.summary(), "stats": row.stats}


def coverage_series(ctx: ServiceContext, schedule_id: int, skill: str | None = None
                    ) -> dict[str, Any]:
    """Requirement and scheduled coverage per interval (all skills, or one)."""
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        row = repo.schedule_row(schedule_id)
        schedule = repo.load(row)
    p = schedule.problem
    if skill is not None and skill not in p.requirement:
        raise ValidationFailed("the schedule has no requirement for this skill",
                               field="skill", allowed=sorted(p.requirement))
    cov = coverage(schedule.shifts, skills_of(p), p.requirement, p.interval_minutes)
    skills = [skill] if skill else sorted(p.requirement)
    need = sum((cov.need[s] for s in skills), start=cov.need[skills[0]] * 0)
    served = sum((cov.served[s] for s in skills), start=cov.served[skills[0]] * 0)
    scheduled = cov.present if skill is None else served
    return {"schedule_id": row.id, "skill": skill, "start": p.at(0).isoformat(),
            "interval_minutes": p.interval_minutes, "timezone": p.timezone,
            "need": [int(v) for v in need], "served": [int(v) for v in served],
            "scheduled": [int(v) for v in scheduled], "summary": cov.summary()}


def forecast_series(ctx: ServiceContext, schedule_id: int) -> list[dict[str, Any]]:
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        row = repo.schedule_row(schedule_id)
        tz = ZoneInfo(row.timezone)
        return [{"interval_start": r.interval_start.astimezone(tz).isoformat(),
                 "forecast": r.forecast, "lo": r.lo, "hi": r.hi}
                for r in repo.forecast(schedule_id)]


def check_range(date_from: date, date_to: date) -> None:
    if date_to < date_from or (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(f"date_to must be on or after date_from, at most "
                               f"{MAX_RANGE_DAYS} days", field="date_to")


def my_shifts(ctx: ServiceContext, agent_id: str, date_from: date | None = None,
              date_to: date | None = None) -> dict[str, Any]:
    """An operator's published shifts on ``date_from..date_to`` (default: today and the
    next 13 days), their approved days off and the colleagues of those schedules."""
    today = ctx.now().astimezone(ctx.timezone).date()
    start = date_from or today
    end = date_to or start + timedelta(days=13)
    check_range(start, end)
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        rows = repo.shifts_between(agent_id, start, end + timedelta(days=1))
        schedules = repo.published_overlapping(start, end + timedelta(days=1))
        shifts = [shift_json(s, sch) for s, sch in rows]
        colleagues: dict[str, Operator] = {}
        days_off: set[str] = set()
        for sch in schedules:
            p = problem_of(sch)
            mine = [o for o in p.operators if o.id == agent_id]
            if not mine:
                continue
            days_off.update(d.isoformat() for d in mine[0].unavailable if start <= d <= end)
            for o in p.operators:
                if o.id != agent_id:
                    colleagues.setdefault(o.id, o)
        return {"agent_id": agent_id, "date_from": start.isoformat(),
                "date_to": end.isoformat(), "today": today.isoformat(), "shifts": shifts,
                "days_off": sorted(days_off),
                "schedules": [schedule_summary(s) for s in schedules],
                "colleagues": [{"id": c["id"], "name": c["name"], "skills": c["skills"]}
                               for c in _operators_json(repo, colleagues.values())]}
