"""The router: a pure function from queued contacts and agents to offers.

Contacts are served by priority (higher first), then by their original enqueue
time (kept across escalation and transfers), then by id. For each contact the
agent is the eligible one with free capacity on that channel who has been idle
longest, ties broken by id. Same inputs, same offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from helpline.domain.agents import AgentStatus, has_room
from helpline.domain.channels import Channel
from helpline.domain.clock import check_aware
from helpline.domain.contacts import Contact, ContactState
from helpline.domain.queues import EligibilityRule, Queue


@dataclass(frozen=True)
class AgentSnapshot:
    """What the router needs to know about an agent at decision time."""

    id: str
    status: AgentStatus
    idle_since: datetime
    skills: Mapping[str, int]
    languages: frozenset[str]
    capacity: Mapping[Channel, int]
    capacity_shared: bool = False
    load: Mapping[Channel, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Offer:
    contact_id: str
    agent_id: str
    queue_id: str


def queue_order_key(contact: Contact) -> tuple[int, datetime, str]:
    """Sort key of the waiting line: priority, original enqueue time, id."""
    return (-contact.priority, contact.enqueued_at, contact.id)


def is_eligible(agent: AgentSnapshot, contact: Contact, queue: Queue, now: datetime,
                rule: EligibilityRule | None = None) -> bool:
    """Skills/languages under the escalation step in force, reservation and skips.
    ``rule`` may be passed in when already computed for this contact and time."""
    if contact.target_agent_id is not None:
        return agent.id == contact.target_agent_id
    if contact.is_skipped_for(agent.id, now, queue.redo_after_seconds):
        return False
    rule = rule or queue.rule_after(contact.waited_seconds(now))
    return rule.admits(agent.skills, agent.languages, contact.language)


def route(
    contacts: Iterable[Contact],
    agents: Sequence[AgentSnapshot],
    queues: Mapping[str, Queue],
    now: datetime,
) -> list[Offer]:
    """Match queued contacts to available agents; returns offers in service order."""
    check_aware(now, "now")
    load: dict[str, dict[Channel, int]] = {a.id: dict(a.load) for a in agents}
    # Rank in the idle line: (idle since, order of offers made in this pass, id). An
    # agent given work now goes behind everyone, including agents idle since "now".
    idle: dict[str, tuple[datetime, int, str]] = {a.id: (a.idle_since, 0, a.id) for a in agents}
    offers_made = 0
    available = [a for a in agents if a.status == AgentStatus.AVAILABLE]
    offers: list[Offer] = []
    waiting = sorted(
        (c for c in contacts if c.state == ContactState.QUEUED and c.queue_id in queues),
        key=queue_order_key,
    )
    for contact in waiting:
        queue = queues[contact.queue_id]
        rule = queue.rule_after(contact.waited_seconds(now))
        best: AgentSnapshot | None = None
        for agent in available:
            if not has_room(agent.capacity, load[agent.id], contact.channel, agent.capacity_shared):
                continue
            if not is_eligible(agent, contact, queue, now, rule):
                continue
            if best is None or idle[agent.id] < idle[best.id]:
                best = agent
        if best is None:
            continue
        agent_load = load[best.id]
        agent_load[contact.channel] = agent_load.get(contact.channel, 0) + 1
        offers_made += 1
        idle[best.id] = (now, offers_made, best.id)  # to the back of the idle line
        offers.append(Offer(contact.id, best.id, contact.queue_id))
    return offers


def queue_positions(contacts: Iterable[Contact]) -> dict[str, int]:
    """1-based place of every queued contact within its own queue."""
    by_queue: dict[str, list[Contact]] = {}
    for contact in contacts:
        if contact.state == ContactState.QUEUED:
            by_queue.setdefault(contact.queue_id, []).append(contact)
    positions: dict[str, int] = {}
    for members in by_queue.values():
        for place, contact in enumerate(sorted(members, key=queue_order_key), start=1):
            positions[contact.id] = place
    return positions


def estimate_wait_seconds(position: int, serving_slots: int, aht_seconds: float) -> float | None:
    """Simple estimate: the contacts ahead are served ``serving_slots`` at a time,
    each taking ``aht_seconds``. None when nobody can serve (leave a message)."""
    if position < 1:
        return 0.0
    if serving_slots <= 0:
        return None
    return aht_seconds * position / serving_slots
