"""Small builders for the pure domain tests.

All times are timezone-aware and anchored on ``T0`` (2026-11-22 10:00 UTC) so
expected values in the tests can be reasoned about by hand.

The builders are exposed as session-scoped fixtures returning plain functions, so
they carry no state between tests (and are safe inside hypothesis tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from helpline.domain.agents import AgentStatus
from helpline.domain.channels import DEFAULT_CAPACITY, Channel
from helpline.domain.contacts import Contact
from helpline.domain.queues import Queue
from helpline.domain.routing import AgentSnapshot

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def build_contact(
    contact_id: str,
    *,
    at: datetime = T0,
    channel: Channel = Channel.CHAT,
    queue_id: str = "q",
    priority: int | None = None,
    language: str | None = "en",
    segment: str | None = None,
    attributes: Mapping[str, str] | None = None,
) -> Contact:
    """A freshly queued contact created (and enqueued) at ``at``."""
    attrs: dict[str, str] = {}
    if language:
        attrs["language"] = language
    if segment:
        attrs["segment"] = segment
    attrs.update(attributes or {})
    return Contact.create(
        contact_id=contact_id,
        channel=channel,
        queue_id=queue_id,
        customer_name=f"Customer {contact_id}",
        customer_phone="+4930123456",
        now=at,
        attributes=attrs,
        priority=priority,
    )


def build_agent(
    agent_id: str,
    *,
    idle_since: datetime = T0 - timedelta(hours=1),
    status: AgentStatus = AgentStatus.AVAILABLE,
    skills: Mapping[str, int] | None = None,
    languages: Iterable[str] = ("en",),
    capacity: Mapping[Channel, int] | None = None,
    shared: bool = False,
    load: Mapping[Channel, int] | None = None,
) -> AgentSnapshot:
    """A router snapshot; by default available, idle for an hour, billing level 50."""
    return AgentSnapshot(
        id=agent_id,
        status=status,
        idle_since=idle_since,
        skills=dict(skills) if skills is not None else {"billing": 50},
        languages=frozenset(languages),
        capacity=dict(capacity) if capacity is not None else dict(DEFAULT_CAPACITY),
        capacity_shared=shared,
        load=dict(load or {}),
    )


def build_queue(queue_id: str = "q", *, skill: str = "billing", **kwargs: Any) -> Queue:
    """A queue on ``skill``; other fields keep the domain defaults unless given."""
    return Queue(id=queue_id, name=queue_id.title(), skill=skill, **kwargs)


def queues_by_id(*queues: Queue) -> dict[str, Queue]:
    return {queue.id: queue for queue in queues}


@pytest.fixture(scope="session")
def make_contact() -> Callable[..., Contact]:
    return build_contact


@pytest.fixture(scope="session")
def make_agent() -> Callable[..., AgentSnapshot]:
    return build_agent


@pytest.fixture(scope="session")
def make_queue() -> Callable[..., Queue]:
    return build_queue


@pytest.fixture(scope="session")
def by_id() -> Callable[..., dict[str, Queue]]:
    return queues_by_id
