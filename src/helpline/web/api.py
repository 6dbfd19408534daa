"""REST API under /api/v1. Routes parse, call one service, serialize."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request

from helpline.domain.contacts import ContactState
from helpline.services import accounts, board, chat, desk, eventlog
from helpline.services.standing import QueueStanding
from helpline.web.auth import CurrentAccount, SupervisorAccount, ctx_of
from helpline.web.schemas import (
    CodeIn,
    ContactOut,
    HoldIn,
    LanguageIn,
    LoginIn,
    MessageIn,
    RatingIn,
    StartChatIn,
    StatusIn,
    TokenIn,
    TransferIn,
)

router = APIRouter(prefix="/api/v1")
ChatToken = Annotated[str, Header(alias="X-Chat-Token", max_length=100)]


def me_body(account: Any) -> dict[str, Any]:
    return {"id": account.id, "username": account.username, "name": account.display_name,
            "role": account.role.value, "ui_language": account.ui_language}


# -- auth --------------------------------------------------------------------------------
@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request) -> dict[str, Any]:
    account = accounts.authenticate(ctx_of(request), body.username, body.password)
    request.session.clear()
    request.session["agent_id"] = account.id
    return me_body(account)


@router.post("/auth/logout", tags=["auth"])
def logout(request: Request) -> dict[str, bool]:
    request.session.clear()
    return {"ok": True}


@router.post("/auth/tokens", tags=["auth"], status_code=201)
def create_token(body: TokenIn, account: CurrentAccount, request: Request) -> dict[str, str]:
    return {"token": accounts.create_token(ctx_of(request), account.id, body.name)}


@router.get("/me", tags=["auth"])
def me(account: CurrentAccount) -> dict[str, Any]:
    return me_body(account)


@router.put("/me/language", tags=["auth"])
def set_language(body: LanguageIn, account: CurrentAccount, request: Request) -> dict[str, str]:
    accounts.set_ui_language(ctx_of(request), account.id, body.language)
    return {"language": body.language}


# -- customer chat ---------------------------------------------------------------------
def chat_state(request: Request, contact_id: str) -> dict[str, Any]:
    ctx = ctx_of(request)
    contact = chat.get_contact(ctx, contact_id)
    place = (ctx.standing.standing(ctx, contact.id, contact.queue_id)
             if contact.state == ContactState.QUEUED else QueueStanding(None, None, 0))
    answered = contact.answered_at is not None and contact.agent_id is not None
    return {"contact_id": contact.id, "state": contact.state.value, "queue_id": contact.queue_id,
            "position": place.position, "estimated_wait_seconds": place.estimated_wait_seconds,
            "agent_name": chat.agent_name(ctx, contact.agent_id) if answered else None,
            "offline_message": contact.offline_message, "rating": contact.rating}


@router.post("/chats", tags=["chat"], status_code=201)
def start_chat(body: StartChatIn, request: Request) -> dict[str, Any]:
    started = chat.start_chat(ctx_of(request), name=body.name, phone=body.phone,
                              topic=body.topic, language=body.language)
    return {"contact_id": started.contact_id, "token": started.token,
            "queue_id": started.queue_id, "offline_message": started.offline_message}


@router.get("/chats/{contact_id}", tags=["chat"])
def get_chat(contact_id: str, token: ChatToken, request: Request) -> dict[str, Any]:
    chat.check_customer(ctx_of(request), contact_id, token)
    return chat_state(request, contact_id)


@router.get("/chats/{contact_id}/messages", tags=["chat"])
def chat_messages(contact_id: str, token: ChatToken, request: Request,
                  after: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    """REST fallback: messages with a sequence number above ``after``."""
    ctx = ctx_of(request)
    chat.check_customer(ctx, contact_id, token)
    return [m.payload() for m in chat.messages_after(ctx, contact_id, after)]


@router.post("/chats/{contact_id}/messages", tags=["chat"], status_code=201)
def chat_send(contact_id: str, body: MessageIn, token: ChatToken,
              request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    chat.check_customer(ctx, contact_id, token)
    stored = chat.post_message(ctx, contact_id=contact_id, sender="customer", body=body.body,
                               client_msg_id=body.client_msg_id)
    return {**stored.payload(), "duplicate": stored.duplicate}


@router.post("/chats/{contact_id}/leave", tags=["chat"])
def chat_leave(contact_id: str, token: ChatToken, request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    chat.check_customer(ctx, contact_id, token)
    chat.customer_leave(ctx, contact_id)
    return chat_state(request, contact_id)


@router.post("/chats/{contact_id}/rating", tags=["chat"])
def chat_rate(contact_id: str, body: RatingIn, token: ChatToken,
              request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    chat.check_customer(ctx, contact_id, token)
    chat.rate(ctx, contact_id, body.score)
    return chat_state(request, contact_id)


# -- agent desk ------------------------------------------------------------------------
@router.put("/agents/me/status", tags=["desk"])
def put_status(body: StatusIn, account: CurrentAccount, request: Request) -> dict[str, Any]:
    agent = desk.set_status(ctx_of(request), account.id, body.status)
    return {"status": agent.status.value, "since": agent.status_since.isoformat()}


@router.get("/agents", tags=["desk"])
def list_agents(account: CurrentAccount, request: Request) -> list[dict[str, str]]:
    return desk.agent_directory(ctx_of(request))


@router.get("/contacts", tags=["desk"])
def list_contacts(account: CurrentAccount, request: Request) -> list[ContactOut]:
    return [ContactOut.of(c) for c in desk.visible_contacts(ctx_of(request), account.id)]


@router.get("/contacts/{contact_id}", tags=["desk"])
def get_contact(contact_id: str, account: CurrentAccount, request: Request) -> ContactOut:
    return ContactOut.of(desk.check_can_see(ctx_of(request), account.id, contact_id))


@router.get("/contacts/{contact_id}/messages", tags=["desk"])
def contact_messages(contact_id: str, account: CurrentAccount, request: Request,
                     after: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    desk.check_can_see(ctx, account.id, contact_id)
    return [m.payload() for m in chat.messages_after(ctx, contact_id, after)]


@router.post("/contacts/{contact_id}/messages", tags=["desk"], status_code=201)
def agent_send(contact_id: str, body: MessageIn, account: CurrentAccount,
               request: Request) -> dict[str, Any]:
    stored = chat.post_message(ctx_of(request), contact_id=contact_id, sender="agent",
                               body=body.body, client_msg_id=body.client_msg_id,
                               agent_id=account.id)
    return {**stored.payload(), "duplicate": stored.duplicate}


@router.post("/contacts/{contact_id}/typing", tags=["desk"], status_code=202)
def agent_typing(contact_id: str, account: CurrentAccount, request: Request) -> dict[str, bool]:
    contact = desk.check_can_see(ctx_of(request), account.id, contact_id)
    request.app.state.container.bus.publish(
        [{"type": "typing", "sender": "agent", "contact_id": contact.id,
          "assigned_agent_id": contact.agent_id}])
    return {"ok": True}


@router.post("/contacts/{contact_id}/accept", tags=["desk"])
def accept(contact_id: str, account: CurrentAccount, request: Request) -> ContactOut:
    return ContactOut.of(desk.accept(ctx_of(request), account.id, contact_id))


@router.post("/contacts/{contact_id}/decline", tags=["desk"])
def decline(contact_id: str, account: CurrentAccount, request: Request) -> ContactOut:
    return ContactOut.of(desk.decline(ctx_of(request), account.id, contact_id))


@router.post("/contacts/{contact_id}/hold", tags=["desk"])
def hold(contact_id: str, account: CurrentAccount, request: Request,
         body: HoldIn | None = None) -> ContactOut:
    """Put your active contact on hold (body optional: ``{"reason": "..."}``); repeating
    it while the contact is held returns it unchanged."""
    reason = body.reason if body is not None else None
    return ContactOut.of(desk.hold(ctx_of(request), account.id, contact_id, reason))


@router.post("/contacts/{contact_id}/resume", tags=["desk"])
def resume(contact_id: str, account: CurrentAccount, request: Request) -> ContactOut:
    """Take your contact off hold; repeating it once resumed returns it unchanged."""
    return ContactOut.of(desk.resume(ctx_of(request), account.id, contact_id))


@router.post("/contacts/{contact_id}/transfer", tags=["desk"])
def transfer(contact_id: str, body: TransferIn, account: CurrentAccount,
             request: Request) -> ContactOut:
    return ContactOut.of(desk.transfer(ctx_of(request), account.id, contact_id,
                                       queue_id=body.queue_id, to_agent_id=body.agent_id))


@router.post("/contacts/{contact_id}/wrap-up", tags=["desk"])
def wrap_up(contact_id: str, body: CodeIn, account: CurrentAccount,
            request: Request) -> ContactOut:
    return ContactOut.of(desk.wrap_up(ctx_of(request), account.id, contact_id, body.code))


@router.post("/contacts/{contact_id}/close", tags=["desk"])
def close(contact_id: str, body: CodeIn, account: CurrentAccount,
          request: Request) -> ContactOut:
    return ContactOut.of(desk.close(ctx_of(request), account.id, contact_id, body.code))


@router.get("/canned-replies", tags=["desk"])
def canned(account: CurrentAccount, request: Request,
           language: Annotated[str | None, Query(max_length=2)] = None) -> list[dict[str, str]]:
    return desk.canned_replies(ctx_of(request), account.id, language)


@router.get("/wrapup-codes", tags=["desk"])
def wrapup_codes(account: CurrentAccount) -> list[str]:
    return list(desk.WRAPUP_CODES)


# -- supervisor ------------------------------------------------------------------------
@router.get("/queues", tags=["supervisor"])
def queues(account: CurrentAccount, request: Request) -> list[dict[str, str]]:
    return desk.queue_directory(ctx_of(request))


@router.get("/board", tags=["supervisor"])
def get_board(account: SupervisorAccount, request: Request) -> dict[str, Any]:
    return board.snapshot(ctx_of(request))


@router.get("/events", tags=["supervisor"])
def events(account: SupervisorAccount, request: Request,
           since: datetime | None = None, until: datetime | None = None,
           contact_id: Annotated[str | None, Query(max_length=36)] = None,
           agent_id: Annotated[str | None, Query(max_length=36)] = None,
           queue_id: Annotated[str | None, Query(max_length=64)] = None,
           type: Annotated[list[str] | None, Query()] = None,
           after_id: Annotated[int, Query(ge=0)] = 0,
           limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> list[dict[str, Any]]:
    """The event log, oldest first; page with ``after_id``."""
    return eventlog.query(ctx_of(request), since=since, until=until, contact_id=contact_id,
                          agent_id=agent_id, queue_id=queue_id, types=type or (),
                          after_id=after_id, limit=limit)
