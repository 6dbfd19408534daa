"""Buses carry notifications between app servers.

``LocalBus`` delivers in-process (SQLite: one server). ``PostgresBus`` uses
PostgreSQL LISTEN/NOTIFY: every server LISTENs on one channel and fans out to its
own sockets, so a message stored through server A reaches a page served by B.
We chose it over Redis pub/sub because PostgreSQL is already the production
store (no extra service to run and monitor) and its delivery order per sender is
the commit order; payloads stay small (ids and message bodies, < 8000 bytes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import uuid
from typing import Any

import psycopg

from helpline.realtime.hub import Hub
from helpline.realtime.notify import CHANNEL, batches, encode

log = logging.getLogger(__name__)
#: Key of the sending server's id in a NOTIFY payload (removed before delivery).
ORIGIN_KEY = "_origin"
#: Notifications one publisher pass takes from the queue at most.
MAX_BATCH_ITEMS = 500


class LocalBus:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def publish(self, payloads: list[dict[str, Any]]) -> None:
        self.hub.deliver(payloads)

    async def run(self) -> None:  # nothing to listen to
        return None

    def close(self) -> None:
        return None


def libpq_dsn(sqlalchemy_url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... for psycopg."""
    scheme, _, rest = sqlalchemy_url.partition("://")
    return "postgresql://" + rest if scheme.startswith("postgresql") else sqlalchemy_url


class PostgresBus:
    """LISTEN/NOTIFY between app servers.

    :meth:`publish` is called after a use case committed and only queues: one
    publisher thread per process sends the queue, in order, packed into as few
    NOTIFYs as fit, on its own connection with ``synchronous_commit`` off. Why not
    NOTIFY inside the committing transaction: PostgreSQL serialises the commits of
    all transactions that notified (a lock held through the WAL flush), which capped
    chat messages at a few hundred per second; and a notification is not data — the
    message it announces is already durable, and a notification lost in a crash is
    recovered by the clients' replay by sequence number (``hello {last_seq}``).

    Local first: this server's own sockets get a notification at once, from
    :meth:`publish`, not after a round trip through PostgreSQL; the NOTIFY carries
    this server's id (``_origin``) and the listener drops its own. Sockets on other
    servers get it through NOTIFY as before. Pages order messages by sequence number,
    so two servers' notifications arriving in another order change nothing."""

    def __init__(self, hub: Hub, dsn: str) -> None:
        self.hub = hub
        self.dsn = dsn
        self.origin = uuid.uuid4().hex
        self._queue: queue.SimpleQueue[list[dict[str, Any]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn: psycopg.Connection[Any] | None = None

    def _start_publisher(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._publisher, daemon=True,
                                                    name="helpline-notify")
                    self._thread.start()

    def publish(self, payloads: list[dict[str, Any]]) -> None:
        if not payloads:
            return
        self._start_publisher()
        self.hub.deliver(payloads)
        self._queue.put([{**p, ORIGIN_KEY: self.origin} for p in payloads])

    def _publisher(self) -> None:
        self._send([])  # connect now, not when the first notification is waiting
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = list(first)
            stop = False
            while len(items) < MAX_BATCH_ITEMS:  # take what else is already queued
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                items.extend(more)
            self._send(batches([encode(p) for p in items]))
            if stop:
                return

    def _send(self, texts: list[str]) -> None:
        for attempt in range(2):
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.dsn, autocommit=True)
                    self._conn.execute("SET synchronous_commit TO off")
                with self._conn.cursor() as cur:
                    for text in texts:
                        cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))
                return
            except psycopg.OperationalError:
                self._conn = None
                if attempt == 1:
                    log.exception("could not publish %d notifications", len(texts))

    async def run(self) -> None:
        """Listen forever (reconnecting) and fan out to this server's sockets; the
        publisher thread and its connection start here too, with the server."""
        self._start_publisher()
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for notify in conn.notifies():
                        with contextlib.suppress(ValueError):
                            self.hub.deliver(self.foreign(json.loads(notify.payload)))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("LISTEN connection lost; reconnecting")
                await asyncio.sleep(1.0)

    def foreign(self, decoded: Any) -> list[dict[str, Any]]:
        """Notifications of one NOTIFY that other servers sent, without their origin
        (this server delivered its own at publish time)."""
        items = decoded if isinstance(decoded, list) else [decoded]
        return [{k: v for k, v in item.items() if k != ORIGIN_KEY} for item in items
                if isinstance(item, dict) and item.get(ORIGIN_KEY) != self.origin]

    def close(self) -> None:
        """Send what is queued, then stop the publisher."""
        thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)
            self._thread = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
