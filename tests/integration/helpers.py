"""Builders for integration tests (queues and agents through the services)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpline.domain.agents import AgentStatus, Role
from helpline.domain.channels import Channel
from helpline.services import accounts, desk
from helpline.services.context import ServiceContext
from helpline.store.tables import QueueRow

PASSWORD = "correct-horse-9"


def add_queue(ctx: ServiceContext, queue_id: str = "mobile", skill: str | None = None,
              **overrides: Any) -> None:
    values: dict[str, Any] = {
        "id": queue_id, "name": queue_id.title(), "name_ru": queue_id, "skill": skill or queue_id,
        "min_level": 30, "require_language": True, "sl_threshold_seconds": {"chat": 30},
        "offer_timeout_seconds": 20, "max_missed_offers": 2, "redo_after_seconds": 60,
        "escalation": [], "business_hours": None, "aht_seconds": 300,
    }
    values.update(overrides)
    with ctx.uow() as uow:
        uow.queues.add(QueueRow(**values))
        uow.commit()


def add_agent(ctx: ServiceContext, username: str, *, skills: Mapping[str, int] | None = None,
              languages: tuple[str, ...] = ("ru",), role: Role = Role.AGENT,
              capacity: Mapping[Channel, int] | None = None,
              status: AgentStatus | None = AgentStatus.AVAILABLE) -> str:
    agent_id = accounts.create_user(ctx, username=username, password=PASSWORD,
                                    display_name=username.title(), role=role,
                                    skills=skills if skills is not None else {"mobile": 80},
                                    languages=languages, capacity=capacity)
    if status is not None and status != AgentStatus.OFFLINE:
        desk.set_status(ctx, agent_id, status)
    return agent_id
