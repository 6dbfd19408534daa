"""Supervisor board: live figures per queue and per agent."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from typing import Any

from sqlalchemy import or_, select

from helpline.domain.channels import Channel
from helpline.domain.contacts import HOLDS_CAPACITY, ContactState
from helpline.services.context import ServiceContext
from helpline.store.repositories import levels
from helpline.store.tables import AgentRow, ContactRow


def start_of_today(ctx: ServiceContext, now: datetime) -> datetime:
    local = now.astimezone(ctx.timezone)
    return datetime.combine(local.date(), time(0), tzinfo=ctx.timezone)


def snapshot(ctx: ServiceContext) -> dict[str, Any]:
    """Per queue: waiting, longest wait, agents by status, contacts today, service
    level today (answered within the threshold / answered). Per agent: status,
    since when, active contacts."""
    now = ctx.now()
    midnight = start_of_today(ctx, now)
    with ctx.uow() as uow:
        queue_rows = uow.queues.rows()
        queues = uow.queues.all()
        agents = uow.session.scalars(select(AgentRow).order_by(AgentRow.display_name)).all()
        contacts = uow.session.scalars(
            select(ContactRow).where(or_(
                ContactRow.created_at >= midnight,
                ContactRow.answered_at >= midnight,
                ContactRow.state.in_([s.value for s in (ContactState.QUEUED, *HOLDS_CAPACITY)]),
            ))
        ).all()
    holding: dict[str, list[dict[str, Any]]] = {}
    for c in contacts:
        if c.agent_id and c.state in {s.value for s in HOLDS_CAPACITY}:
            holding.setdefault(c.agent_id, []).append(
                {"contact_id": c.id, "state": c.state, "channel": c.channel,
                 "customer_name": c.customer_name, "queue_id": c.queue_id})
    queue_stats = []
    for row in queue_rows:
        queue = queues[row.id]
        mine = [c for c in contacts if c.queue_id == row.id]
        waiting = [c for c in mine if c.state == ContactState.QUEUED.value]
        answered = [c for c in mine if c.answered_at is not None and c.answered_at >= midnight]
        within = [c for c in answered
                  if (c.answered_at - c.enqueued_at).total_seconds()  # type: ignore[operator]
                  <= queue.threshold_seconds(Channel(c.channel))]
        rule = queue.rule_after(0)
        by_status = Counter(
            a.status for a in agents
            if rule.admits(levels(a.skills), frozenset(a.languages or []), "")
        )
        queue_stats.append({
            "queue_id": row.id, "name": row.name, "name_ru": row.name_ru or row.name,
            "waiting": len(waiting),
            "longest_wait_seconds": round(max(
                ((now - c.enqueued_at).total_seconds() for c in waiting), default=0.0), 1),
            "agents_by_status": dict(sorted(by_status.items())),
            "contacts_today": sum(1 for c in mine if c.created_at >= midnight),
            "answered_today": len(answered),
            "answered_within_threshold": len(within),
            "service_level_today": round(len(within) / len(answered), 4) if answered else None,
            "abandoned_today": sum(1 for c in mine if c.state == ContactState.ABANDONED.value
                                   and c.created_at >= midnight),
        })
    agent_stats = [
        {"agent_id": a.id, "name": a.display_name, "role": a.role, "status": a.status,
         "status_since": a.status_since.isoformat(),
         "status_seconds": round((now - a.status_since).total_seconds()),
         "active_contacts": holding.get(a.id, [])}
        for a in agents
    ]
    return {"at": now.isoformat(), "queues": queue_stats, "agents": agent_stats}

