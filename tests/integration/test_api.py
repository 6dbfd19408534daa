"""HTTP API and WebSocket protocol through the ASGI app (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.domain.errors import ValidationFailed
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.integration.helpers import PASSWORD, add_agent, add_queue


@pytest.fixture
def app_client(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    with TestClient(create_app(container, run_ticker=False)) as client:
        yield client, container.ctx
    container.close()


def login(client: TestClient, username: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login",
                           json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def new_chat(client: TestClient, **extra: str) -> dict[str, Any]:
    body = {"name": "Пётр", "phone": "+7 900 123-45-67", "topic": "mobile", "language": "ru"}
    response = client.post("/api/v1/chats", json={**body, **extra})
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def test_errors_have_stable_shape_and_status(app_client: tuple[TestClient, ServiceContext]
                                             ) -> None:
    client, ctx = app_client
    add_queue(ctx)
    bad_json = client.post("/api/v1/chats", content=b"{nope",
                           headers={"content-type": "application/json"})
    assert bad_json.status_code == 422
    assert bad_json.json()["error_id"] == "validation_failed"
    wrong_topic = client.post("/api/v1/chats", json={"name": "A", "phone": "+79001234567",
                                                     "topic": "pizza"})
    assert wrong_topic.status_code == 422
    assert set(wrong_topic.json()) == {"error_id", "message", "details"}
    bad_phone = client.post("/api/v1/chats", json={"name": "A", "phone": "call me maybe",
                                                   "topic": "mobile"})
    assert bad_phone.status_code == 422 and bad_phone.json()["details"]["field"] == "phone"
    anonymous = client.get("/api/v1/contacts")
    assert anonymous.status_code == 401 and anonymous.json()["error_id"] == "not_authenticated"
    missing = client.get("/api/v1/chats/nope", headers={"X-Chat-Token": "x"})
    assert missing.status_code == 401
    unknown_route = client.get("/api/v1/nothing-here")
    assert unknown_route.status_code == 404 and unknown_route.json()["error_id"] == "not_found"


def test_agent_api_flow_and_visibility(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = app_client
    add_queue(ctx)
    agent_id = add_agent(ctx, "anna")
    add_agent(ctx, "boss", role=Role.SUPERVISOR, skills={}, status=None)
    started = new_chat(client)
    cid, token = started["contact_id"], started["token"]
    login(client, "anna")
    offered = client.get("/api/v1/contacts").json()
    assert [c["id"] for c in offered] == [cid] and offered[0]["state"] == "offered"
    assert client.post(f"/api/v1/contacts/{cid}/accept").json()["state"] == "active"
    sent = client.post(f"/api/v1/contacts/{cid}/messages",
                       json={"client_msg_id": "a1", "body": "Здравствуйте"})
    assert sent.status_code == 201 and sent.json()["seq"] == 1
    closing = client.post(f"/api/v1/contacts/{cid}/close", json={"code": "resolved"})
    assert closing.status_code == 409 and closing.json()["error_id"] == "invalid_transition"
    assert client.post(f"/api/v1/contacts/{cid}/wrap-up",
                       json={"code": "resolved"}).json()["state"] == "wrap_up"
    assert client.post(f"/api/v1/contacts/{cid}/close", json={}).json()["state"] == "closed"
    assert client.get("/api/v1/board").status_code == 403  # agents are not supervisors
    # the customer sees the history through the REST fallback
    history = client.get(f"/api/v1/chats/{cid}/messages?after=0",
                         headers={"X-Chat-Token": token}).json()
    assert [m["body"] for m in history] == ["Здравствуйте"]
    assert client.get(f"/api/v1/chats/{cid}/messages", headers={"X-Chat-Token": "bad"}
                      ).status_code == 401
    # supervisor: board and event log
    login(client, "boss")
    board = client.get("/api/v1/board").json()
    assert next(q for q in board["queues"] if q["queue_id"] == "mobile")["answered_today"] == 1
    events = client.get("/api/v1/events", params={"contact_id": cid}).json()
    assert [e["type"] for e in events] == [
        "contact_entered_queue", "contact_offered", "contact_accepted", "message_sent",
        "contact_wrapped_up", "contact_closed"]
    assert all(e["agent_id"] == agent_id for e in events[1:])
    naive = client.get("/api/v1/events", params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["error_id"] == "naive_datetime"


def test_bearer_token_for_programs(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = app_client
    add_queue(ctx)
    add_agent(ctx, "robot")
    login(client, "robot")
    token = client.post("/api/v1/auth/tokens", json={"name": "crm"}).json()["token"]
    client.post("/api/v1/auth/logout")
    assert client.get("/api/v1/me").status_code == 401
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "robot"
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer hl_wrong"})
    assert wrong.status_code == 401


def test_chat_websocket_protocol(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = app_client
    add_queue(ctx)
    started = new_chat(client)
    cid, token = started["contact_id"], started["token"]
    assert started["offline_message"] is True  # nobody logged in yet
    with client.websocket_connect(f"/ws/chat/{cid}?token={token}") as ws:
        ws.send_json({"type": "hello", "last_seq": 0})
        state = ws.receive_json()
        assert state["type"] == "state" and state["state"] == "queued"
        assert state["position"] == 1
        ws.send_json({"type": "message", "client_msg_id": "m-1", "body": "Алло?"})
        frames = [ws.receive_json(), ws.receive_json()]
        by_type = {f["type"]: f for f in frames}
        assert by_type["ack"]["seq"] == 1 and by_type["message"]["body"] == "Алло?"
        ws.send_json({"type": "message", "client_msg_id": "m-1", "body": "Алло?"})
        retry = ws.receive_json()
        assert retry == {"type": "ack", "client_msg_id": "m-1", "seq": 1, "duplicate": True}
        ws.send_json({"type": "bogus"})
        assert ws.receive_json()["error_id"] == "validation_failed"
    # messages sent while the customer was away are replayed after last_seq
    client.post(f"/api/v1/chats/{cid}/messages", headers={"X-Chat-Token": token},
                json={"client_msg_id": "m-2", "body": "второе"})
    with client.websocket_connect(f"/ws/chat/{cid}?token={token}") as ws:
        ws.send_json({"type": "hello", "last_seq": 1})
        assert ws.receive_json()["type"] == "state"
        replay = ws.receive_json()
        assert replay["type"] == "message" and replay["seq"] == 2 and replay["body"] == "второе"


def test_chat_websocket_rejects_a_wrong_token(app_client: tuple[TestClient, ServiceContext]
                                              ) -> None:
    from starlette.websockets import WebSocketDisconnect

    client, ctx = app_client
    add_queue(ctx)
    cid = new_chat(client)["contact_id"]
    with pytest.raises(WebSocketDisconnect) as closed, \
            client.websocket_connect(f"/ws/chat/{cid}?token=wrong") as ws:
        ws.receive_json()
    assert closed.value.code == 4401


def test_pages_render_in_both_languages(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = app_client
    add_agent(ctx, "lang.user", status=None)
    assert "Начать чат" in client.get("/chat").text
    client.get("/lang/en?next=/chat")
    assert "Start chat" in client.get("/chat").text
    assert client.get("/desk", follow_redirects=False).status_code == 303
    form = client.post("/login", data={"username": "lang.user", "password": PASSWORD,
                                       "next": "/desk"}, follow_redirects=False)
    assert form.status_code == 303
    client.get("/lang/en?next=/desk")
    client.cookies.clear()  # the choice is remembered per user, not only in the cookie
    login(client, "lang.user")
    assert client.get("/api/v1/me").json()["ui_language"] == "en"
    assert "Agent desk" in client.get("/desk").text


def test_secret_key_is_refused_outside_demo_mode() -> None:
    with pytest.raises(ValidationFailed):
        Settings(demo=False).check()
    with pytest.raises(ValidationFailed):
        Settings(demo=False, secret_key="short").check()
    Settings(demo=False, secret_key="x" * 40).check()
    Settings(demo=True).check()


def test_chat_websocket_survives_garbage_frames(app_client: tuple[TestClient, ServiceContext]
                                                ) -> None:
    client, ctx = app_client
    add_queue(ctx)
    started = new_chat(client)
    with client.websocket_connect(
            f"/ws/chat/{started['contact_id']}?token={started['token']}") as ws:
        ws.send_text("this is not json")
        assert ws.receive_json()["error_id"] == "validation_failed"
        ws.send_json([1, 2, 3])
        assert ws.receive_json()["error_id"] == "validation_failed"
        ws.send_json({"type": "message", "client_msg_id": "ok", "body": "still here"})
        assert {ws.receive_json()["type"], ws.receive_json()["type"]} == {"ack", "message"}
