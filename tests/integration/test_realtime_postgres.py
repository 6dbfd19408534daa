"""Real-time fan-out between two app servers over PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpline.bootstrap import build
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
