"""In-process fan-out to WebSocket subscribers: a conversation, an agent, or all."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Subscription:
    """What one socket wants: a customer's conversation, an agent's work, or all."""

    contact_id: str | None = None
    agent_id: str | None = None
    everything: bool = False
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=1000))


class Hub:
    """Subscriptions indexed by contact and agent, so a payload reaches its sockets
    without testing every subscription."""

    def __init__(self) -> None:
        self._by_contact: dict[str, set[Subscription]] = {}
        self._by_agent: dict[str, set[Subscription]] = {}
        self._everything: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def _bucket(self, subscription: Subscription) -> set[Subscription]:
        if subscription.everything:
            return self._everything
        if subscription.contact_id is not None:
            return self._by_contact.setdefault(subscription.contact_id, set())
        if subscription.agent_id is not None:
            return self._by_agent.setdefault(subscription.agent_id, set())
        return set()

    def subscribe(self, subscription: Subscription) -> Subscription:
        self._bucket(subscription).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        bucket = self._bucket(subscription)
        bucket.discard(subscription)
        for index in (self._by_contact, self._by_agent):
            for key in [k for k, v in index.items() if v is bucket and not v]:
                del index[key]

    def deliver(self, payloads: Iterable[dict[str, Any]]) -> None:
        """Thread-safe: may be called from worker threads after a commit."""
        items = list(payloads)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fan_out(items)
        else:
            with contextlib.suppress(RuntimeError):  # loop shutting down
                loop.call_soon_threadsafe(self._fan_out, items)

    def _targets(self, payload: dict[str, Any]) -> set[Subscription]:
        targets = set(self._everything)
        contact_id = payload.get("contact_id")
        if contact_id is not None:
            targets |= self._by_contact.get(contact_id, set())
        for key in ("agent_id", "assigned_agent_id"):
            agent_id = payload.get(key)
            if agent_id is not None:
                targets |= self._by_agent.get(agent_id, set())
        return targets

    def _fan_out(self, items: list[dict[str, Any]]) -> None:
        for payload in items:
            for subscription in self._targets(payload):
                with contextlib.suppress(asyncio.QueueFull):
                    subscription.queue.put_nowait(payload)
