"""Queue standing for waiting customers: place and a simple wait estimate.

Every waiting customer's page asks for its standing every few seconds. Instead of
one queue scan per page, each app server keeps one short-lived view per queue (the
waiting line and the logged-in agents), shared by all its sockets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from helpline.domain.contacts import ContactState
from helpline.domain.queues import Queue
from helpline.domain.routing import estimate_wait_seconds
from helpline.store.repositories import AgentProfile
from helpline.store.tables import ContactRow

if TYPE_CHECKING:
    from helpline.services.context import ServiceContext


@dataclass(frozen=True)
class QueueStanding:
    position: int | None
    estimated_wait_seconds: float | None
    serving_agents: int


@dataclass(frozen=True)
class _Waiting:
    position: int
    queue_entered_at: datetime
    language: str
    channel: str


@dataclass(frozen=True)
class QueueView:
    loaded_at: datetime
    queue: Queue
    aht_seconds: int
    waiting: dict[str, _Waiting]
    agents: tuple[AgentProfile, ...]


class StandingCache:
    """Per-process views of the waiting lines, refreshed after ``ttl_seconds``.

    One loader per queue at a time: while a view reloads, other callers keep using
    the previous one (at most one reload duration older), so a thousand waiting
    pages never trigger a thousand queue scans."""

    def __init__(self, ttl_seconds: float = 2.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._views: dict[str, QueueView] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def _load(self, ctx: ServiceContext, queue_id: str) -> QueueView:
        with ctx.uow() as uow:
            queue_row = uow.queues.row(queue_id)
            queue = uow.queues.get(queue_id)
            rows = uow.session.execute(
                select(ContactRow.id, ContactRow.queue_entered_at, ContactRow.attributes,
                       ContactRow.channel)
                .where(ContactRow.state == ContactState.QUEUED.value,
                       ContactRow.queue_id == queue_id)
                .order_by(ContactRow.priority.desc(), ContactRow.enqueued_at, ContactRow.id)
            ).all()
            agents = uow.agents.logged_in_profiles()
        waiting = {
            r.id: _Waiting(place, r.queue_entered_at, (r.attributes or {}).get("language", ""),
                           r.channel)
            for place, r in enumerate(rows, start=1)
        }
        return QueueView(
            loaded_at=ctx.now(), queue=queue, aht_seconds=queue_row.aht_seconds,
            waiting=waiting,
            agents=tuple(agents),
        )

    def _age(self, ctx: ServiceContext, view: QueueView) -> float:
        return (ctx.now() - view.loaded_at).total_seconds()

    def cached(self, ctx: ServiceContext, queue_id: str, contact_id: str) -> QueueView | None:
        """The view if it is fresh and knows ``contact_id``, else None. Never blocks
        on the database: safe to call on the event loop."""
        with self._lock:
            view = self._views.get(queue_id)
        if view is None or contact_id not in view.waiting:
            return None
        return view if 0 <= self._age(ctx, view) < self.ttl_seconds else None

    def view(self, ctx: ServiceContext, queue_id: str, *,
             needs: str | None = None) -> QueueView:
        """The queue's view, reloaded when stale or when it lacks contact ``needs``
        (who may have joined after it was made)."""
        with self._lock:
            cached = self._views.get(queue_id)
            loading = self._loading.setdefault(queue_id, threading.Lock())
        if cached is not None and needs is None:
            if 0 <= self._age(ctx, cached) < self.ttl_seconds:
                return cached
            if not loading.acquire(blocking=False):
                return cached  # another thread is reloading it right now
        else:
            loading.acquire()  # wait for a reload in progress: it may bring `needs`
        try:
            with self._lock:
                latest = self._views.get(queue_id)
            if (latest is not None and latest is not cached
                    and (needs is None or needs in latest.waiting)):
                return latest  # reloaded while we waited for the loader lock
            loaded = self._load(ctx, queue_id)
            with self._lock:
                self._views[queue_id] = loaded
            return loaded
        finally:
            loading.release()

    def standing(self, ctx: ServiceContext, contact_id: str, queue_id: str) -> QueueStanding:
        """Place and estimate of a waiting contact (None values if it is not waiting)."""
        view = self.view(ctx, queue_id)
        if contact_id not in view.waiting:
            view = self.view(ctx, queue_id, needs=contact_id)
        return self.standing_in(ctx, view, contact_id)

    def standing_in(self, ctx: ServiceContext, view: QueueView,
                    contact_id: str) -> QueueStanding:
        """Place and estimate of ``contact_id`` according to ``view``."""
        me = view.waiting.get(contact_id)
        if me is None:
            return QueueStanding(None, None, 0)
        rule = view.queue.rule_after((ctx.now() - me.queue_entered_at).total_seconds())
        serving = [a for a in view.agents if rule.admits(a.skills, a.languages, me.language)]
        slots = sum(a.capacity.get(me.channel, 0) for a in serving)
        wait = estimate_wait_seconds(me.position, slots, float(view.aht_seconds))
        return QueueStanding(me.position, wait, len(serving))
