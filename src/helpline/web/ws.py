"""WebSockets: the customer's chat, the agent's desk feed, the supervisor's board feed.

Chat protocol (JSON frames). Client -> server: ``hello {last_seq}`` first, then
``message {client_msg_id, body}``, ``typing``, ``leave``, ``rate {score}``.
Server -> client: ``ack {client_msg_id, seq}`` only after the message is stored,
``message {...seq}``, ``state {...}``, ``typing``, ``error {error_id, message}``.
On reconnect the client sends the last sequence it saw and receives what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from helpline.domain.agents import SUPERVISING_ROLES
from helpline.domain.errors import HelplineError, ValidationFailed
from helpline.realtime.hub import Hub, Subscription
from helpline.services import chat
from helpline.web.api import chat_state
from helpline.web.auth import ctx_of, optional_account

router = APIRouter()
STATE_REFRESH_SECONDS = 5.0
_REFRESH: dict[str, Any] = {"type": "_refresh"}
_STATE_EVENTS = {"contact_offered", "contact_accepted", "contact_transferred",
                 "contact_wrapped_up", "contact_closed", "contact_abandoned", "customer_left",
                 "offer_declined", "offer_timed_out", "contact_rated", "contact_entered_queue"}


def _hub(ws: WebSocket) -> Hub:
    hub: Hub = ws.app.state.container.hub
    return hub


async def _pump(sub: Subscription, on_payload: Any) -> None:
    """Forward hub payloads to the socket until it closes."""
    while True:
        await on_payload(await sub.queue.get())


async def _tick_into(sub: Subscription, seconds: float) -> None:
    """Every ``seconds`` queue a refresh marker behind the socket's payloads, so the
    periodic refresh runs in the pump, in order with the events."""
    while True:
        await asyncio.sleep(seconds)
        with contextlib.suppress(asyncio.QueueFull):
            sub.queue.put_nowait(_REFRESH)


async def in_thread(ws: WebSocket, fn: Any, *args: Any) -> Any:
    """Run a blocking use case on the sockets' own worker threads (lighter per call
    than anyio's thread pool; sized with it to the database pool, see app.py)."""
    executor = getattr(ws.app.state, "socket_threads", None)
    if executor is None:  # app used without its lifespan (some tests)
        return await run_in_threadpool(fn, *args)
    return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)


@router.websocket("/ws/chat/{contact_id}")
async def chat_socket(ws: WebSocket, contact_id: str) -> None:
    ctx = ctx_of(ws)
    token = ws.query_params.get("token", "")
    try:
        await run_in_threadpool(chat.check_customer, ctx, contact_id, token)
    except HelplineError:
        await ws.close(code=4401)
        return
    await ws.accept()
    hub = _hub(ws)
    sub = hub.subscribe(Subscription(contact_id=contact_id))
    send_lock = asyncio.Lock()

    async def send(frame: dict[str, Any]) -> None:
        async with send_lock:
            await ws.send_json(frame)

    last: dict[str, Any] = {}

    async def send_state(force: bool = True) -> None:
        state = await run_in_threadpool(chat_state, ws, contact_id)  # type: ignore[arg-type]
        if force or state != last:
            last.clear()
            last.update(state)
            await send({"type": "state", **state})

    async def refresh() -> None:
        """While waiting: new place and estimate from the shared per-queue view,
        sent only when they changed. Other states change through events."""
        if last.get("state") != "queued":
            return
        queue_id = last.get("queue_id", "")
        view = ctx.standing.cached(ctx, queue_id, contact_id)
        if view is not None:  # the common case: no thread, no database
            place = ctx.standing.standing_in(ctx, view, contact_id)
        else:
            place = await in_thread(ws, ctx.standing.standing, ctx, contact_id, queue_id)
        if place.position is None:
            await send_state(force=False)  # no longer waiting: read the contact
            return
        if (place.position, place.estimated_wait_seconds) != (
                last.get("position"), last.get("estimated_wait_seconds")):
            last.update(position=place.position,
                        estimated_wait_seconds=place.estimated_wait_seconds)
            await send({"type": "state", **last})

    async def on_payload(payload: dict[str, Any]) -> None:
        kind = payload.get("type")
        if payload is _REFRESH:
            await refresh()
        elif kind == "message":
            await send({k: v for k, v in payload.items() if k != "assigned_agent_id"})
        elif kind == "typing" and payload.get("sender") == "agent":
            await send({"type": "typing", "sender": "agent"})
        elif kind in _STATE_EVENTS:
            await send_state()

    pump = asyncio.create_task(_pump(sub, on_payload))
    refresher = asyncio.create_task(_tick_into(sub, STATE_REFRESH_SECONDS))
    try:
        while True:
            try:
                frame = json.loads(await ws.receive_text())
            except ValueError:
                frame = None
            if not isinstance(frame, dict):
                await send({"type": "error", "error_id": "validation_failed",
                            "message": "frames are JSON objects"})
                continue
            try:
                await _chat_frame(ws, ctx, contact_id, frame, send, send_state)
            except HelplineError as error:
                await send({"type": "error", "error_id": error.error_id,
                            "message": error.message, "details": error.details,
                            "client_msg_id": frame.get("client_msg_id")})
    except (WebSocketDisconnect, RuntimeError, ValueError):
        pass
    finally:
        pump.cancel()
        refresher.cancel()
        hub.unsubscribe(sub)


async def _chat_frame(ws: WebSocket, ctx: Any, contact_id: str, frame: dict[str, Any],
                      send: Any, send_state: Any) -> None:
    kind = frame.get("type")
    if kind == "hello":
        last_seq = frame.get("last_seq", 0)
        if not isinstance(last_seq, int) or last_seq < 0:
            raise ValidationFailed("last_seq must be a non-negative integer")
        await send_state()  # first: the page labels replayed messages with the operator
        missed = await run_in_threadpool(chat.messages_after, ctx, contact_id, last_seq)
        for message in missed:
            await send(message.payload())
    elif kind == "message":
        body, client_id = frame.get("body"), frame.get("client_msg_id")
        if not isinstance(body, str) or not isinstance(client_id, str):
            raise ValidationFailed("message needs string body and client_msg_id")
        stored = await chat.post_message_async(
            ctx, contact_id=contact_id, sender="customer", body=body, client_msg_id=client_id,
            blocking=lambda call: in_thread(ws, call))
        await send({"type": "ack", "client_msg_id": client_id, "seq": stored.seq,
                    "duplicate": stored.duplicate})
    elif kind == "typing":
        contact = await run_in_threadpool(chat.get_contact, ctx, contact_id)
        ws.app.state.container.bus.publish(
            [{"type": "typing", "sender": "customer", "contact_id": contact_id,
              "assigned_agent_id": contact.agent_id}])
    elif kind == "leave":
        await run_in_threadpool(chat.customer_leave, ctx, contact_id)
        await send_state()
    elif kind == "rate":
        score = frame.get("score")
        if not isinstance(score, int):
            raise ValidationFailed("score must be an integer 1..5")
        await run_in_threadpool(chat.rate, ctx, contact_id, score)
        await send_state()
    else:
        raise ValidationFailed("unknown frame type", type=str(kind))


@router.websocket("/ws/desk")
async def desk_socket(ws: WebSocket) -> None:
    """Pushes the agent's own events (offers, messages, typing); supervisors get all."""
    try:
        account = await run_in_threadpool(optional_account, ws)
    except HelplineError:
        account = None
    if account is None:
        await ws.close(code=4401)
        return
    await ws.accept()
    hub = _hub(ws)
    everything = account.role in SUPERVISING_ROLES and ws.query_params.get("all") == "1"
    sub = hub.subscribe(Subscription(agent_id=account.id, everything=everything))

    async def on_payload(payload: dict[str, Any]) -> None:
        await ws.send_json(payload)

    pump = asyncio.create_task(_pump(sub, on_payload))
    try:
        while True:
            await ws.receive_text()  # pings; the desk acts through the REST API
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        pump.cancel()
        with contextlib.suppress(Exception):
            hub.unsubscribe(sub)
