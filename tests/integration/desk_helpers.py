"""Builders for the single-window tests: a holder with lines and a conversation
assigned to an agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from helpline.domain.agents import Role
from helpline.services import chat, desk
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from tests.integration.billing_helpers import BASIC, SMART, add_customer, add_line, add_tariff
from tests.integration.helpers import add_agent, add_queue

DAY = date(2026, 3, 10)
PASSPORT = "4510 123456"
OWN = "79031110000"
OTHER = "79031110001"


@dataclass(frozen=True)
class Desk:
    agent: Actor
    supervisor: Actor
    contact_id: str


def holder_with_lines(ctx: ServiceContext, *, extra_lines: int = 1,
                      passport: str = PASSPORT) -> str:
    """A holder with ``OWN`` (money, Smart) and ``extra_lines`` more numbers."""
    add_tariff(ctx, SMART)
    add_tariff(ctx, BASIC)
    owner = add_customer(ctx, passport=passport, name="Алексей Кузнецов")
    add_line(ctx, msisdn=OWN, opened_on=DAY, money_minor=200_000, customer_id=owner)
    for i in range(extra_lines):
        add_line(ctx, msisdn=f"790311100{i + 1:02d}", opened_on=DAY, money_minor=10_000,
                 customer_id=owner)
    return owner


def conversation(ctx: ServiceContext, phone: str = "+7 903 111-00-00") -> Desk:
    """A chat from ``phone`` accepted by a fresh agent; plus a supervisor."""
    add_queue(ctx)
    agent_id = add_agent(ctx, "anna")
    sveta = add_agent(ctx, "sveta", role=Role.SUPERVISOR, skills={}, status=None)
    started = chat.start_chat(ctx, name="Алексей", phone=phone, topic="mobile", language="ru")
    desk.accept(ctx, agent_id, started.contact_id)
    return Desk(Actor(agent_id, Role.AGENT), Actor(sveta, Role.SUPERVISOR),
                started.contact_id)
