"""The chat message hot path on the event loop (PostgreSQL, psycopg async).

A small fixed set of autocommit ``AsyncConnection``s runs the one-statement append of
``MessageRepository`` (the same SQL) without a worker thread: no thread hop and no
GIL hand-off per message. A connection found broken is replaced on next use.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import psycopg

from helpline.domain.clock import check_aware
from helpline.store.repositories import APPEND_AGENT_SQL, APPEND_CUSTOMER_SQL, NewMessage

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class AsyncMessageStore:
    """``size`` connections handed out through a queue (one statement at a time each)."""

    def __init__(self, dsn: str, size: int = 4) -> None:
        self.dsn = dsn
        self.size = size
        self._idle: asyncio.Queue[psycopg.AsyncConnection[Any] | None] | None = None

    def start(self) -> None:
        """Bind to the running event loop (call from the app's start-up)."""
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(None)  # opened on first use

    async def warm_up(self) -> int:
        """Open every connection and prepare both statements now, not on the first
        messages after a start: a fresh backend spends milliseconds loading its
        catalogue caches, and the first customers would queue behind four of them
        (measured: the first ~50 messages of the fan-out benchmark took 50-160 ms).
        Runs the statements for a contact id that cannot exist, so nothing is written.
        Returns how many connections are open; a failure is left for first use."""
        idle = self._queue()
        taken = [await idle.get() for _ in range(self.size)]
        opened = 0
        try:
            for i, conn in enumerate(taken):
                try:
                    if conn is None or conn.closed:
                        conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
                        taken[i] = conn
                    for sql, sender in ((APPEND_CUSTOMER_SQL, "customer"),
                                        (APPEND_AGENT_SQL, "agent")):
                        await conn.execute(sql, {"cid": "", "sender": sender, "agent": "",
                                                 "cmid": "", "body": "", "now": _EPOCH,
                                                 "chars": 0}, prepare=True)
                    opened += 1
                except psycopg.Error:
                    continue
        finally:
            for conn in taken:
                idle.put_nowait(conn)
        return opened

    @property
    def started(self) -> bool:
        return self._idle is not None

    def _queue(self) -> asyncio.Queue[psycopg.AsyncConnection[Any] | None]:
        if self._idle is None:
            raise RuntimeError("AsyncMessageStore.start() was not called")
        return self._idle

    async def append(self, message: NewMessage) -> tuple[int, str | None] | None:
        """See :meth:`MessageRepository.append`: (seq, assigned agent) or None."""
        check_aware(message.created_at, "created_at")
        sql = APPEND_AGENT_SQL if message.sender == "agent" else APPEND_CUSTOMER_SQL
        params = {"cid": message.contact_id, "sender": message.sender,
                  "agent": message.agent_id, "cmid": message.client_msg_id,
                  "body": message.body, "now": message.created_at,
                  "chars": len(message.body)}
        idle = self._queue()
        conn = await idle.get()
        try:
            for attempt in range(2):
                try:
                    if conn is None or conn.closed:
                        conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
                    cursor = await conn.execute(sql, params, prepare=True)
                    row = await cursor.fetchone()
                    return None if row is None else (int(row[0]), row[1])
                except psycopg.OperationalError:
                    # a dead connection (server restarted): one retry on a new one; the
                    # statement is idempotent by client id, so a retry never duplicates
                    if conn is not None:
                        with contextlib.suppress(Exception):
                            await conn.close()
                    conn = None
                    if attempt == 1:
                        raise
            raise AssertionError("unreachable")
        finally:
            idle.put_nowait(conn)

    async def close(self) -> None:
        """Close the idle connections and unbind from the loop."""
        idle, self._idle = self._idle, None
        if idle is None:
            return
        while not idle.empty():
            conn = idle.get_nowait()
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
