"""Real-time fan-out between two app servers over PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from helpline.bootstrap import build
from helpline.realtime.bus import PostgresBus, libpq_dsn
from helpline.realtime.hub import Hub
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.integration.helpers import PASSWORD, add_agent, add_queue


@pytest.mark.postgres
def test_a_message_stored_through_one_server_reaches_a_socket_on_the_other(
        pg_url: str, engine: Engine, db_url: str) -> None:
    if db_url != pg_url:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    server_a = build(Settings(database_url=pg_url, demo=True))
    server_b = build(Settings(database_url=pg_url, demo=True))
    add_queue(server_a.ctx)
    agent_id = add_agent(server_a.ctx, "remote")
    with TestClient(create_app(server_a, run_ticker=False)) as a, \
            TestClient(create_app(server_b, run_ticker=False)) as b:
        started = a.post("/api/v1/chats", json={"name": "P", "phone": "+79001234567",
                                                "topic": "mobile", "language": "ru"}).json()
        cid, token = started["contact_id"], started["token"]
        b.post("/api/v1/auth/login", json={"username": "remote", "password": PASSWORD})
        with a.websocket_connect(f"/ws/chat/{cid}?token={token}") as customer:
            customer.send_json({"type": "hello", "last_seq": 0})
            assert customer.receive_json()["state"] == "offered"
            time.sleep(0.3)  # both listeners are up (LISTEN issued at start-up)
            assert b.post(f"/api/v1/contacts/{cid}/accept").status_code == 200
            state = customer.receive_json()  # contact_accepted came through NOTIFY
            assert state["type"] == "state" and state["state"] == "active"
            sent = b.post(f"/api/v1/contacts/{cid}/messages",
                          json={"client_msg_id": "b-1", "body": "из сервера B"}).json()
            pushed = customer.receive_json()
            assert pushed["type"] == "message" and pushed["body"] == "из сервера B"
            assert pushed["seq"] == sent["seq"] and pushed["agent_id"] == agent_id
    server_a.close()
    server_b.close()


@pytest.mark.postgres
def test_customer_messages_take_the_event_loop_path_and_fall_back_for_the_rest(
        pg_url: str, engine: Engine, db_url: str) -> None:
    """On PostgreSQL a customer's socket stores messages through the event loop's own
    connections; retries and refusals are answered by the threaded service."""
    if db_url != pg_url:
        pytest.skip("the async message store is PostgreSQL's")
    server = build(Settings(database_url=pg_url, demo=True))
    add_queue(server.ctx)
    store = server.ctx.async_messages
    assert store is not None
    calls = {"n": 0}
    original = store.append

    async def counting(message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return await original(message)

    store.append = counting  # type: ignore[method-assign]
    with TestClient(create_app(server, run_ticker=False)) as client:
        started = client.post("/api/v1/chats", json={"name": "A", "phone": "+79001234567",
                                                     "topic": "mobile", "language": "ru"}).json()
        cid, token = started["contact_id"], started["token"]
        with client.websocket_connect(f"/ws/chat/{cid}?token={token}") as customer:
            customer.send_json({"type": "hello", "last_seq": 0})
            customer.receive_json()  # state
            customer.send_json({"type": "message", "client_msg_id": "m-1", "body": "Привет"})
            frames = [customer.receive_json(), customer.receive_json()]
            ack = next(f for f in frames if f["type"] == "ack")
            echoed = next(f for f in frames if f["type"] == "message")
            assert ack["seq"] == echoed["seq"] == 1 and ack["duplicate"] is False
            assert calls["n"] == 1  # stored by the event loop's statement
            customer.send_json({"type": "message", "client_msg_id": "m-1", "body": "Привет"})
            again = customer.receive_json()
            assert again["type"] == "ack" and again["seq"] == 1 and again["duplicate"] is True
            customer.send_json({"type": "leave"})
            customer.receive_json()  # state: abandoned
            customer.send_json({"type": "message", "client_msg_id": "m-2", "body": "ещё"})
            refused = customer.receive_json()
            while refused["type"] == "state":  # the abandonment also arrives as an event
                refused = customer.receive_json()
            assert refused["type"] == "error" and refused["error_id"] == "invalid_transition"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 1
    server.close()


@pytest.mark.postgres
def test_a_server_delivers_its_own_notifications_once_and_at_once(
        pg_url: str, engine: Engine, db_url: str) -> None:
    """Local first: the customer's own server pushes the stored message without
    waiting for PostgreSQL, and drops the copy that comes back through LISTEN — so
    every message reaches the socket exactly once."""
    if db_url != pg_url:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    server = build(Settings(database_url=pg_url, demo=True))
    add_queue(server.ctx)
    with TestClient(create_app(server, run_ticker=False)) as client:
        started = client.post("/api/v1/chats", json={"name": "A", "phone": "+79001234567",
                                                     "topic": "mobile", "language": "ru"}).json()
        cid, token = started["contact_id"], started["token"]
        with client.websocket_connect(f"/ws/chat/{cid}?token={token}") as customer:
            customer.send_json({"type": "hello", "last_seq": 0})
            customer.receive_json()  # state
            time.sleep(0.3)  # the listener is up
            frames = []
            for n in (1, 2, 3):
                customer.send_json({"type": "message", "client_msg_id": f"m-{n}", "body": "Да"})
                time.sleep(0.3)  # long enough for a NOTIFY to come back
                frames += [customer.receive_json(), customer.receive_json()]
            customer.send_json({"type": "leave"})
            frames.append(customer.receive_json())
    server.close()
    pushed = [(f["type"], f.get("seq")) for f in frames if f["type"] in ("message", "ack")]
    assert sorted(pushed) == [("ack", 1), ("ack", 2), ("ack", 3),
                              ("message", 1), ("message", 2), ("message", 3)]
    assert frames[-1]["type"] == "state"  # no stray copy of a message before it
    assert all("_origin" not in f for f in frames)


@pytest.mark.postgres
def test_the_listener_keeps_other_servers_notifications_only(pg_url: str, db_url: str) -> None:
    if db_url != pg_url:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    mine, theirs = PostgresBus(Hub(), libpq_dsn(pg_url)), PostgresBus(Hub(), libpq_dsn(pg_url))
    try:
        batch = [{"type": "probe", "n": 1, "_origin": mine.origin},
                 {"type": "probe", "n": 2, "_origin": theirs.origin}, {"type": "probe", "n": 3}]
        assert mine.foreign(batch) == [{"type": "probe", "n": 2}, {"type": "probe", "n": 3}]
        assert mine.foreign({"type": "probe", "n": 4, "_origin": mine.origin}) == []
    finally:
        mine.close()
        theirs.close()
