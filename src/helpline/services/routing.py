"""Routing use cases: dispatch offers, expire offers, position and wait estimate."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from helpline.domain.agents import has_room
from helpline.domain.channels import Channel
from helpline.domain.contacts import Contact
from helpline.domain.queues import Queue
from helpline.domain.routing import AgentSnapshot, Offer, route
from helpline.services.context import ServiceContext
from helpline.store.uow import UnitOfWork, with_retries

#: How many queued contacts one dispatch pass considers (in service order).
DISPATCH_BATCH = 500


def dispatch(ctx: ServiceContext, batch: int = DISPATCH_BATCH) -> list[Offer]:
    """One routing pass: lock waiting contacts and available agents (skipping rows
    another app server holds), run the pure router, persist the offers.

    A cheap unlocked look comes first: which agents have a free slot on which
    channel, and which queues they could serve. When nobody can take anything (a
    busy centre), nothing is locked. Load only grows under the agent's row lock, so
    an agent seen full here cannot gain work behind our back; one who frees a slot
    meanwhile is picked up by the next pass."""

    def run() -> list[Offer]:
        with ctx.uow() as uow:
            now = ctx.now()
            seen = uow.agents.available_snapshots()
            free = {a.id: {ch for ch in a.capacity
                           if has_room(a.capacity, a.load, ch, a.capacity_shared)}
                    for a in seen}
            free = {agent_id: channels for agent_id, channels in free.items() if channels}
            if not free:
                return []
            queues = uow.queues.all()
            skills = {s for a in seen if a.id in free for s in a.skills}
            servable = [q.id for q in queues.values()
                        if q.skill in skills
                        or any(x in skills for step in q.escalation for x in step.extra_skills)]
            contacts = uow.contacts.lock_queued(
                batch, channels={ch for chs in free.values() for ch in chs},
                queue_ids=servable, reserved_for=list(free))
            if not contacts:
                return []
            offers = _route_locked(uow, contacts, seen, free, queues, now)
            if not offers:
                return []
            by_contact = {c.id: c for c in contacts}
            for offer in offers:
                by_contact[offer.contact_id].offer(
                    offer.agent_id, now, queues[offer.queue_id].offer_timeout_seconds)
            uow.agents.touch_idle(sorted({o.agent_id for o in offers}), now,
                                  defer=uow.deferred)
            uow.commit(durable=False)  # an offer lost in a database crash is made again
            return offers

    return with_retries(run)


def _route_locked(uow: UnitOfWork, contacts: list[Contact], seen: list[AgentSnapshot],
                  free: dict[str, set[Channel]], queues: Mapping[str, Queue],
                  now: datetime) -> list[Offer]:
    """Route the locked contacts to agents locked with their authoritative load.

    With few contacts and many free agents (one new chat, an agent freeing a slot)
    the router first runs on the unlocked look, and only the agents it picked are
    locked and re-read. If the router gives the same offers on them, those are the
    offers it gives on every free agent as seen: it is greedy, so agents it did not
    pick cannot change a pick. Otherwise (the look was stale: another server gave one
    of them work meanwhile) every free agent is locked and the router runs again;
    locks already held are ours, so SKIP LOCKED does not skip them. Capacity is only
    ever checked against the load read under the lock."""
    if len(contacts) * 2 <= len(free):
        hint = route(contacts, [a for a in seen if a.id in free], queues, now)
        if not hint:
            return []
        picked = sorted({o.agent_id for o in hint})
        offers = route(contacts, uow.agents.available_snapshots(picked, lock=True), queues, now)
        if offers == hint:
            return offers
    locked = uow.agents.available_snapshots(list(free), lock=True)  # + load
    return route(contacts, locked, queues, now) if locked else []


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
