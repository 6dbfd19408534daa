"""Routing use cases: dispatch offers, expire offers, position and wait estimate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from helpline.domain.agents import AgentStatus
from helpline.domain.contacts import Contact, ContactState
from helpline.domain.routing import (
    AgentSnapshot,
    Offer,
    estimate_wait_seconds,
    queue_order_key,
    route,
)
from helpline.services.context import ServiceContext
from helpline.store.tables import AgentRow, ContactRow
from helpline.store.uow import with_retries

#: How many queued contacts one dispatch pass considers (in service order).
DISPATCH_BATCH = 500


def dispatch(ctx: ServiceContext, batch: int = DISPATCH_BATCH) -> list[Offer]:
    """One routing pass: lock waiting contacts and available agents (skipping rows
    another app server holds), run the pure router, persist the offers."""

    def run() -> list[Offer]:
        with ctx.uow() as uow:
            now = ctx.now()
            contacts = uow.contacts.lock_queued(batch)
            if not contacts:
                return []
            agents = uow.agents.lock_available()
            if not agents:
                return []
            load = uow.contacts.load_by_agent([a.id for a in agents])
            snapshots = [
                AgentSnapshot(id=a.id, status=a.status, idle_since=a.idle_since,
                              skills=a.skills, languages=a.languages, capacity=a.capacity,
                              capacity_shared=a.capacity_shared, load=load.get(a.id, {}))
                for a in agents
            ]
            queues = uow.queues.all()
            offers = route(contacts, snapshots, queues, now)
            if not offers:
                return []
            by_contact = {c.id: c for c in contacts}
            by_agent = {a.id: a for a in agents}
            for offer in offers:
                queue = queues[offer.queue_id]
                by_contact[offer.contact_id].offer(offer.agent_id, now,
                                                   queue.offer_timeout_seconds)
                by_agent[offer.agent_id].idle_since = now
            uow.commit()
            return offers

    return with_retries(run)


def expire_offers(ctx: ServiceContext, limit: int = 200) -> int:
    """Return timed-out offers to their place; count misses against the agent."""

    def run() -> int:
        with ctx.uow() as uow:
            now = ctx.now()
            expired = uow.contacts.lock_expired_offers(now, limit)
            if not expired:
                return 0
            queues = uow.queues.all()
            for contact in expired:
                agent_id = contact.time_out_offer(now)
                agent = uow.agents.get(agent_id, lock=True)
                queue = queues.get(contact.queue_id)
                agent.record_missed_offer(now, queue.max_missed_offers if queue else 0)
            uow.commit()
            return len(expired)

    return with_retries(run)


def tick(ctx: ServiceContext) -> tuple[int, int]:
    """Periodic housekeeping (every second on every app server): expire offers,
    then dispatch (escalation steps make new matches as time passes)."""
    expired = expire_offers(ctx)
    offered = 0
    while True:
        made = len(dispatch(ctx))
        offered += made
        if made == 0:
            break
    return expired, offered


@dataclass(frozen=True)
class QueueStanding:
    position: int | None
    estimated_wait_seconds: float | None
    serving_agents: int


def standing(ctx: ServiceContext, contact: Contact) -> QueueStanding:
    """Place in the queue and a simple wait estimate: the contacts ahead divided
    among the logged-in agents' chat slots, each taking the queue's AHT."""
    if contact.state != ContactState.QUEUED:
        return QueueStanding(None, None, 0)
    with ctx.uow() as uow:
        queue_row = uow.queues.row(contact.queue_id)
        queue = uow.queues.get(contact.queue_id)
        waiting = [
            (c.priority, c.enqueued_at, c.id)
            for c in uow.session.execute(
                select(ContactRow.priority, ContactRow.enqueued_at, ContactRow.id).where(
                    ContactRow.state == ContactState.QUEUED.value,
                    ContactRow.queue_id == contact.queue_id)
            )
        ]
        mine = queue_order_key(contact)
        position = 1 + sum(1 for p, t, i in waiting if (-p, t, i) < mine)
        agents = uow.session.scalars(
            select(AgentRow).where(AgentRow.status.notin_(
                [AgentStatus.OFFLINE.value, AgentStatus.NOT_READY.value]))
        ).all()
        rule = queue.rule_after(contact.waited_seconds(ctx.now()))
        slots = 0
        serving = 0
        for row in agents:
            skills = {k: int(v) for k, v in (row.skills or {}).items()}
            if rule.admits(skills, frozenset(row.languages or []), contact.language):
                serving += 1
                slots += int((row.capacity or {}).get(contact.channel.value, 0))
        wait = estimate_wait_seconds(position, slots, float(queue_row.aht_seconds))
        return QueueStanding(position, wait, serving)
