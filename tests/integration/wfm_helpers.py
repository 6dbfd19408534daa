"""Builders for the WFM tests: a small hand-made schedule of real agents.

Three days from Monday 2026-03-02 (Moscow), 60-minute intervals; ``mobile`` needed by
one agent 08:00–20:00 each day. Anna and Boris have mobile, Ivan has home only, Olga
has both. Anna works days 0 and 1 (08–20), Boris day 2, Olga day 0 from 10:00 (8 h).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from argon2 import PasswordHasher

from helpline.domain.agents import Agent, AgentStatus, Role
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.wfm.schedule.model import (
    Break,
    Contract,
    Operator,
    Problem,
    Schedule,
    Shift,
    SolveStats,
)
from tests.conftest import ManualClock
from tests.integration.helpers import PASSWORD

START = date(2026, 3, 2)
DAY0, DAY1, DAY2 = START, date(2026, 3, 3), date(2026, 3, 4)
#: Sunday noon before the horizon (Moscow 15:00)
BEFORE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
H = 60


@dataclass(frozen=True)
class Team:
    anna: str
    boris: str
    ivan: str
    olga: str
    sveta: str

    def actor(self, name: str) -> Actor:
        role = Role.SUPERVISOR if name == "sveta" else Role.AGENT
        return Actor(getattr(self, name), role)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    """One Argon2 hash of the test password, shared (hashing is slow on purpose)."""
    return PasswordHasher().hash(PASSWORD)


def add_person(ctx: ServiceContext, username: str, skills: dict[str, int],
               role: Role = Role.AGENT) -> str:
    """An offline agent who can sign in with the test password."""
    now = ctx.now()
    agent = Agent(id=str(uuid.uuid4()), name=username.title(), role=role,
                  status=AgentStatus.OFFLINE, status_since=now, idle_since=now, skills=skills,
                  languages=frozenset({"ru"}))
    with ctx.uow() as uow:
        uow.agents.add(agent, username=username, password_hash=_password_hash(),
                       ui_language="ru", created_at=now)
        uow.commit()
    return agent.id


def team(ctx: ServiceContext) -> Team:
    return Team(anna=add_person(ctx, "anna", {"mobile": 80}),
                boris=add_person(ctx, "boris", {"mobile": 60}),
                ivan=add_person(ctx, "ivan", {"home": 70}),
                olga=add_person(ctx, "olga", {"mobile": 90, "home": 90}),
                sveta=add_person(ctx, "sveta", {}, Role.SUPERVISOR))


def need(hours: range = range(8, 20)) -> list[int]:
    return [1 if h in hours else 0 for _ in range(3) for h in range(24)]


def shift(op: str, day: int, start_hour: int = 8, hours: int = 12) -> Shift:
    first = day * 24 * H + start_hour * H
    return Shift(op, day, first, hours * H, (Break(first + 4 * H, 30, "lunch"),))


def schedule(ids: dict[str, str] | None = None, *, start: date = START) -> Schedule:
    """Operators are named by ``ids`` (name -> id or username; default: usernames)."""
    ids = ids or {n: n for n in ("anna", "boris", "ivan", "olga")}
    skills = {"anna": {"mobile"}, "boris": {"mobile"}, "ivan": {"home"},
              "olga": {"mobile", "home"}}
    ops = tuple(Operator(ids[n], n.title(), "day", frozenset(skills[n])) for n in ids)
    problem = Problem(start, 3, 60, {"mobile": need()},
                      {"day": Contract("day", 2, 2, 12 * H, 8 * H, 10 * H, 60,
                                       min_rest_minutes=12 * H)},
                      ops, timezone="Europe/Moscow")
    shifts = (shift(ids["anna"], 0), shift(ids["anna"], 1), shift(ids["boris"], 2),
              shift(ids["olga"], 0, start_hour=10, hours=8))
    return Schedule(problem, shifts, SolveStats("hand", 0, 0, 0))


def at_before(clock: ManualClock) -> None:
    clock.now = BEFORE
