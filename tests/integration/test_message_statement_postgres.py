"""The PostgreSQL hot path of ``chat.post_message``: one autocommitted statement
stores the message and its event; the NOTIFY follows the commit (bus publisher).
These tests listen on the real channel and race real threads against one contact."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from helpline.domain.errors import InvalidTransition, NotFound
from helpline.realtime.bus import PostgresBus, libpq_dsn
from helpline.realtime.hub import Hub
from helpline.realtime.notify import CHANNEL
from helpline.services import chat, desk
from helpline.services.context import ServiceContext
from helpline.store.database import make_session_factory
from tests.integration.helpers import add_agent, add_queue

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ctx(pg_url: str, engine: Engine, db_url: str) -> Iterator[ServiceContext]:
    """Services wired as ``bootstrap.build`` wires them for PostgreSQL."""
    if db_url != pg_url:
        pytest.skip("the one-statement path is PostgreSQL's")
    bus = PostgresBus(Hub(), libpq_dsn(pg_url))
    yield ServiceContext(session_factory=make_session_factory(engine), publish=bus.publish)
    bus.close()


@pytest.fixture
def listener(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_dsn(pg_url), autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        yield conn


def received(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for notify in conn.notifies(timeout=0.5, stop_after=None):
        decoded = json.loads(notify.payload)
        out.extend(decoded if isinstance(decoded, list) else [decoded])
    return out


def start(ctx: ServiceContext) -> str:
    return chat.start_chat(ctx, name="Пётр", phone="+79001234567", topic="mobile",
                           language="ru").contact_id


def test_one_statement_stores_and_logs_then_the_bus_notifies(
        pg_ctx: ServiceContext, engine: Engine, listener: psycopg.Connection[Any]) -> None:
    add_queue(pg_ctx)
    agent = add_agent(pg_ctx, "fast")
    contact_id = start(pg_ctx)
    desk.accept(pg_ctx, agent, contact_id)
    received(listener)  # drop the routing notifications
    stored = chat.post_message(pg_ctx, contact_id=contact_id, sender="customer",
                               body="Здравствуйте", client_msg_id="c-1")
    [note] = [n for n in received(listener) if n["type"] == "message"]
    assert note["seq"] == stored.seq == 1
    assert note["body"] == "Здравствуйте" and note["client_msg_id"] == "c-1"
    assert note["assigned_agent_id"] == agent and note["sender"] == "customer"
    with engine.connect() as conn:
        event = conn.execute(text(
            "SELECT agent_id, queue_id, data FROM events WHERE type = 'message_sent'")).one()
    assert event.agent_id == agent and event.queue_id == "mobile"
    assert event.data == {"seq": 1, "sender": "customer", "chars": len("Здравствуйте")}


def test_a_body_too_big_for_notify_is_announced_without_it(
        pg_ctx: ServiceContext, listener: psycopg.Connection[Any]) -> None:
    add_queue(pg_ctx)
    contact_id = start(pg_ctx)
    received(listener)
    body = "😀" * chat.MAX_MESSAGE_CHARS  # 8,000 bytes: over NOTIFY's limit
    stored = chat.post_message(pg_ctx, contact_id=contact_id, sender="customer", body=body,
                               client_msg_id="big")
    [note] = [n for n in received(listener) if n["type"] == "message"]
    assert note["truncated"] is True and "body" not in note and note["seq"] == stored.seq
    assert chat.messages_after(pg_ctx, contact_id, 0)[0].body == body


def test_refusals_store_nothing_and_notify_nothing(
        pg_ctx: ServiceContext, engine: Engine, listener: psycopg.Connection[Any]) -> None:
    add_queue(pg_ctx)
    agent = add_agent(pg_ctx, "late")
    contact_id = start(pg_ctx)
    received(listener)
    with pytest.raises(InvalidTransition):  # offered, not yet accepted
        chat.post_message(pg_ctx, contact_id=contact_id, sender="agent", body="hi",
                          client_msg_id="a-1", agent_id=agent)
    with pytest.raises(NotFound):
        chat.post_message(pg_ctx, contact_id="no-such-contact", sender="customer",
                          body="hi", client_msg_id="x")
    first = chat.post_message(pg_ctx, contact_id=contact_id, sender="customer", body="раз",
                              client_msg_id="c-1")
    again = chat.post_message(pg_ctx, contact_id=contact_id, sender="customer", body="раз",
                              client_msg_id="c-1")
    assert (first.seq, again.seq, again.duplicate) == (1, 1, True)
    assert [n["client_msg_id"] for n in received(listener) if n["type"] == "message"] == ["c-1"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 1
        assert conn.execute(text("SELECT last_seq FROM contacts")).scalar() == 1


def test_concurrent_writers_get_gapless_sequences_and_retries_never_duplicate(
        pg_ctx: ServiceContext, engine: Engine) -> None:
    add_queue(pg_ctx)
    contact_id = start(pg_ctx)
    threads_n, per_thread = 8, 15
    seqs: list[int] = []
    duplicates: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads_n)

    def writer(n: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            # every message is sent twice, the retry racing the first attempt's peers
            for _ in range(2):
                got = chat.post_message(pg_ctx, contact_id=contact_id, sender="customer",
                                        body=f"{n}/{i}", client_msg_id=f"{n}-{i}")
                with lock:
                    seqs.append(got.seq)
                    duplicates.append(got.duplicate)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = threads_n * per_thread
    assert duplicates.count(True) == total
    assert sorted(set(seqs)) == list(range(1, total + 1))  # no gaps, none lost
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, body FROM messages ORDER BY seq")).all()
    assert [r.seq for r in rows] == list(range(1, total + 1))
    assert len({r.body for r in rows}) == total


def test_a_restarted_database_costs_no_message(pg_ctx: ServiceContext, engine: Engine,
                                               pg_url: str) -> None:
    """Pooled connections are not pinged before use; when they turn out dead the
    use case runs again on a fresh one."""
    add_queue(pg_ctx)
    contact_id = start(pg_ctx)
    chat.post_message(pg_ctx, contact_id=contact_id, sender="customer", body="до",
                      client_msg_id="before")
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(libpq_dsn(pg_url).rsplit("/", 1)[0] + "/postgres",
                         autocommit=True) as admin:  # what a restart does to the pool
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                               " WHERE datname = %s AND pid <> pg_backend_pid()",
                               (database,)).fetchone()
    assert killed is not None and killed[0] >= 1
    after = chat.post_message(pg_ctx, contact_id=contact_id, sender="customer", body="после",
                              client_msg_id="after")
    assert after.seq == 2


def test_the_publisher_keeps_order_and_drains_on_close(
        pg_url: str, db_url: str, listener: psycopg.Connection[Any]) -> None:
    if db_url != pg_url:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    bus = PostgresBus(Hub(), libpq_dsn(pg_url))
    for n in range(300):  # many small publishes: packed into few NOTIFYs, in order
        bus.publish([{"type": "probe", "n": n}])
    bus.close()  # sends what is queued before returning
    got = [p["n"] for p in received(listener) if p.get("type") == "probe"]
    assert got == list(range(300))


def test_warm_up_opens_every_connection_and_writes_nothing(
        pg_url: str, db_url: str, engine: Engine) -> None:
    """The start-up warm-up opens the event loop's connections and prepares both
    statements, without touching a row; the store then works as before."""
    if db_url != pg_url:
        pytest.skip("the async message store is PostgreSQL's")
    from helpline.store.async_messages import AsyncMessageStore

    def counts() -> tuple[int, int, int]:
        with engine.connect() as conn:
            return tuple(int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
                         for t in ("messages", "events", "contacts"))  # type: ignore[return-value]

    before = counts()

    async def scenario() -> tuple[int, list[int]]:
        store = AsyncMessageStore(libpq_dsn(pg_url), size=3)
        store.start()
        try:
            opened = await store.warm_up()
            idle = store._queue()
            conns = [idle.get_nowait() for _ in range(3)]
            prepared = []
            for c in conns:  # statements this connection's backend has prepared
                assert c is not None and not c.closed
                row = await (await c.execute(
                    "SELECT count(*) FROM pg_prepared_statements")).fetchone()
                prepared.append(int(row[0]) if row else 0)
                idle.put_nowait(c)
            return opened, prepared
        finally:
            await store.close()

    # a thread of its own: the browser tests' Playwright keeps an event loop running in
    # the main thread, where asyncio.run() refuses to start another
    with ThreadPoolExecutor(1) as pool:
        opened, prepared = pool.submit(asyncio.run, scenario()).result()
    assert opened == 3 and prepared == [2, 2, 2]
    assert counts() == before
