"""Routing use cases: dispatch offers, expire offers, position and wait estimate."""

from __future__ import annotations

from helpline.domain.agents import has_room
from helpline.domain.routing import AgentSnapshot, Offer, route
from helpline.services.context import ServiceContext
from helpline.store.uow import with_retries

#: How many queued contacts one dispatch pass considers (in service order).
DISPATCH_BATCH = 500


def dispatch(ctx: ServiceContext, batch: int = DISPATCH_BATCH) -> list[Offer]:
    """One routing pass: lock waiting contacts and available agents (skipping rows
    another app server holds), run the pure router, persist the offers."""

    def run() -> list[Offer]:
        with ctx.uow() as uow:
            now = ctx.now()
            # Cheap unlocked look first: when nobody has a free slot (a busy centre),
            # lock nothing. Load only grows under the agent's row lock, so an agent
            # seen full here cannot have room we miss for long (next pass).
            available = uow.agents.available_capacity()
            seen_load = uow.contacts.load_by_agent([a[0] for a in available])
            with_room = [agent_id for agent_id, capacity, shared in available
                         if any(has_room(capacity, seen_load.get(agent_id, {}), channel, shared)
                                for channel in capacity)]
            if not with_room:
                return []
            contacts = uow.contacts.lock_queued(batch)
            if not contacts:
                return []
            agents = uow.agents.lock_available(with_room)
            if not agents:
                return []
            load = uow.contacts.load_by_agent([a.id for a in agents])  # under the locks
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
