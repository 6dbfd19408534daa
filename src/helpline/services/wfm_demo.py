"""Demo WFM data: a hand-built, deterministic 14-day schedule for the demo operators from
today (15-minute intervals, the contact center's zone), a forecast for its chart, and one
pending time-off request so the WFM page's inbox is not empty.

Contracts (seed 004): Anna and Boris work 2/2 day shifts 08:00–20:00 (four 15-minute
breaks and a 45-minute lunch), alternating so one of them is always in; Ivan, Olga and
Maria work 5/2 eight-hour shifts from 09:00, 10:00 and 12:00 (two breaks and a lunch).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlalchemy import select

from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.services.wfm_schedules import ForecastPoint, publish
from helpline.store.tables import AgentRow
from helpline.store.wfm_repository import WfmRepository
from helpline.wfm.schedule.model import (
    BREAKS_8H,
    BREAKS_12H,
    Break,
    Contract,
    Operator,
    Problem,
    Schedule,
    Shift,
    SolveStats,
)

DAYS = 14
STEP = 15
H = 60
CONTRACTS = {
    "2/2 12h": Contract("2/2 12h", 2, 2, 12 * H, 8 * H, 8 * H, breaks=BREAKS_12H),
    "5/2 8h": Contract("5/2 8h", 5, 2, 8 * H, 9 * H, 12 * H, breaks=BREAKS_8H),
}
#: username -> (contract, start hour, 2/2 phase)
PLAN = {"anna": ("2/2 12h", 8, 0), "boris": ("2/2 12h", 8, 2), "ivan": ("5/2 8h", 9, 0),
        "olga": ("5/2 8h", 10, 0), "maria": ("5/2 8h", 12, 0)}
SKILLS = ("mobile", "home", "bank")
#: minutes after the shift start: (offset, minutes, kind)
BREAKS = {"2/2 12h": ((2 * H, 15, "break"), (4 * H, 15, "break"), (5 * H + 30, 45, "lunch"),
                      (8 * H, 15, "break"), (10 * H, 15, "break")),
          "5/2 8h": ((2 * H, 15, "break"), (4 * H, 30, "lunch"), (6 * H, 15, "break"))}


def _works(contract: str, phase: int, day: int, on: date) -> bool:
    if contract == "2/2 12h":
        return (day + 4 - phase) % 4 < 2
    return on.weekday() < 5


def _requirement(start: date) -> dict[str, list[int]]:
    slots = 24 * H // STEP
    need = {s: [0] * (DAYS * slots) for s in SKILLS}
    for d in range(DAYS):
        weekday = (start + timedelta(days=d)).weekday() < 5
        for i in range(slots):
            hour = i * STEP / H
            k = d * slots + i
            need["mobile"][k] = (2 if weekday and 10 <= hour < 18 else 1) if 8 <= hour < 20 else 0
            need["home"][k] = 1 if (9 <= hour < 18 if weekday else 10 <= hour < 16) else 0
            need["bank"][k] = 1 if weekday and 12 <= hour < 19 else 0
    return need


def demo_schedule(start: date, timezone: str, agents: dict[str, tuple[str, list[str]]]
                  ) -> Schedule:
    """The demo plan for ``agents`` (username -> (agent id, skills))."""
    operators = []
    shifts = []
    for username, (contract, hour, phase) in PLAN.items():
        if username not in agents:
            continue
        agent_id, skills = agents[username]
        operators.append(Operator(agent_id, username, contract, frozenset(skills)))
        length = CONTRACTS[contract].shift_minutes
        for d in range(DAYS):
            if not _works(contract, phase, d, start + timedelta(days=d)):
                continue
            first = d * 24 * H + hour * H
            breaks = tuple(Break(first + off, minutes, kind)
                           for off, minutes, kind in BREAKS[contract])
            shifts.append(Shift(agent_id, d, first, length, breaks))
    problem = Problem(start, DAYS, STEP, _requirement(start), CONTRACTS, tuple(operators),
                      timezone=timezone)
    return Schedule(problem, tuple(shifts), SolveStats("hand-built demo", 0, 0, 0))


def demo_forecast(problem: Problem) -> list[ForecastPoint]:
    """Contacts per 15 minutes: a daytime hump, quieter weekends, a ±20 % band."""
    out = []
    for k in range(problem.slots):
        at: datetime = problem.at(k * STEP)
        hour = at.hour + at.minute / 60
        level = max(0.0, math.sin(math.pi * (hour - 7) / 15)) if 7 <= hour < 22 else 0.0
        value = round((1.5 + 18 * level) * (0.7 if at.weekday() >= 5 else 1.0), 2)
        out.append(ForecastPoint(at, value, round(value * 0.8, 2), round(value * 1.2, 2)))
    return out


def seed_wfm(ctx: ServiceContext) -> bool:
    """Publish the demo schedule from today unless a published schedule covers today
    (an older demo one is superseded). Returns True if seeded."""
    from helpline.domain.agents import Role
    from helpline.services import wfm_requests

    today = ctx.now().astimezone(ctx.timezone).date()
    with ctx.uow() as uow:
        if WfmRepository(uow.session).published_on(today) is not None:
            return False
        rows = uow.session.scalars(select(AgentRow).where(AgentRow.username.in_(list(PLAN))))
        agents = {r.username: (r.id, sorted(r.skills)) for r in rows}
    if not agents:
        return False
    schedule = demo_schedule(today, ctx.timezone.key, agents)
    publish(ctx, schedule, name=f"Demo: two weeks from {today:%d.%m.%Y}",
            forecast=demo_forecast(schedule.problem), replace_published=True)
    if "ivan" in agents:  # Ivan asks for his next weekday off, two days ahead or later
        day = next(today + timedelta(days=d) for d in range(2, DAYS)
                   if (today + timedelta(days=d)).weekday() < 5)
        wfm_requests.file_time_off(ctx, Actor(agents["ivan"][0], Role.AGENT),
                                   client_request_id=f"demo-ivan-{day}", days=[day],
                                   note="Семейные обстоятельства")
    return True
