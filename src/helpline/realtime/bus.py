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
import threading
from typing import Any

import psycopg
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from helpline.realtime.hub import Hub
from helpline.store.notify import CHANNEL, batches, encode

log = logging.getLogger(__name__)


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
    def __init__(self, hub: Hub, dsn: str) -> None:
        self.hub = hub
        self.dsn = dsn
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None

    def publish(self, payloads: list[dict[str, Any]]) -> None:
        texts = batches([encode(p) for p in payloads])
        with self._lock:
            for attempt in range(2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = psycopg.connect(self.dsn, autocommit=True)
                    with self._conn.cursor() as cur:
                        for text in texts:
                            cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))
                    return
                except psycopg.OperationalError:
                    self._conn = None
                    if attempt == 1:
                        log.exception("could not publish %d notifications", len(texts))

    def publish_in_transaction(self, session: Session, payloads: list[dict[str, Any]]) -> None:
        """NOTIFY on the committing transaction's own connection: PostgreSQL delivers
        it to every listener only when (and if) the transaction commits."""
        for text_ in batches([encode(p) for p in payloads]):
            session.execute(sql_text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL, "payload": text_})

    async def run(self) -> None:
        """Listen forever (reconnecting) and fan out to this server's sockets."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for notify in conn.notifies():
                        with contextlib.suppress(ValueError):
                            decoded = json.loads(notify.payload)
                            self.hub.deliver(decoded if isinstance(decoded, list)
                                             else [decoded])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("LISTEN connection lost; reconnecting")
                await asyncio.sleep(1.0)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
