"""In-process fan-out to WebSocket subscribers, each with its own filter."""

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

    def wants(self, payload: dict[str, Any]) -> bool:
        if self.everything:
            return True
        if self.contact_id is not None:
            return payload.get("contact_id") == self.contact_id
        if self.agent_id is not None:
            return self.agent_id in (payload.get("agent_id"), payload.get("assigned_agent_id"))
        return False


class Hub:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self, subscription: Subscription) -> Subscription:
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

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

    def _fan_out(self, items: list[dict[str, Any]]) -> None:
        for subscription in list(self._subscriptions):
            for payload in items:
                if subscription.wants(payload):
                    with contextlib.suppress(asyncio.QueueFull):
                        subscription.queue.put_nowait(payload)
