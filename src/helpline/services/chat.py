"""Web-chat use cases: start a conversation, post and fetch messages, leave, rate."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from helpline.domain.channels import Channel
from helpline.domain.contacts import Contact, ContactState
from helpline.domain.errors import (
    InvalidTransition,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from helpline.domain.events import EventType
from helpline.services import routing
from helpline.services.context import ServiceContext
from helpline.store.repositories import NewMessage
from helpline.store.tables import EventRow, MessageRow
from helpline.store.uow import UnitOfWork, with_retries

#: Pre-chat topics and the queue that serves each.
TOPIC_QUEUES: dict[str, str] = {"mobile": "mobile", "home": "home", "bank": "bank"}
LANGUAGES = ("ru", "en", "uk")
MAX_MESSAGE_CHARS = 2000
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,20}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StartedChat:
    contact_id: str
    token: str
    queue_id: str
    offline_message: bool


@dataclass(frozen=True)
class StoredMessage:
    contact_id: str
    seq: int
    sender: str
    agent_id: str | None
    client_msg_id: str
    body: str
    created_at: str
    duplicate: bool = False

    def payload(self) -> dict[str, Any]:
        return {"type": "message", "contact_id": self.contact_id, "seq": self.seq,
                "sender": self.sender, "agent_id": self.agent_id,
                "client_msg_id": self.client_msg_id, "body": self.body,
                "at": self.created_at}


def _message(row: MessageRow, duplicate: bool = False) -> StoredMessage:
    return StoredMessage(row.contact_id, row.seq, row.sender, row.agent_id, row.client_msg_id,
                         row.body, row.created_at.isoformat(), duplicate)


def check_prechat(name: str, phone: str, topic: str, language: str) -> tuple[str, str]:
    name = name.strip()
    phone = re.sub(r"[\s()-]", "", phone.strip())
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("name must be 1..100 characters", field="name")
    if not _PHONE.match(phone):
        raise ValidationFailed("phone number is not valid", field="phone")
    if topic not in TOPIC_QUEUES:
        raise ValidationFailed("unknown topic", field="topic", allowed=sorted(TOPIC_QUEUES))
    if language not in LANGUAGES:
        raise ValidationFailed("unknown language", field="language", allowed=list(LANGUAGES))
    return name, phone


def start_chat(ctx: ServiceContext, *, name: str, phone: str, topic: str, language: str,
               segment: str = "standard") -> StartedChat:
    """Create a queued chat contact. If the queue is closed or no eligible operator
    is logged in, the customer leaves a message that is answered later."""
    name, phone = check_prechat(name, phone, topic, language)
    token = secrets.token_urlsafe(24)
    with ctx.uow() as uow:
        now = ctx.now()
        queue_id = TOPIC_QUEUES[topic]
        queue = uow.queues.get(queue_id)
        is_open = queue.business_hours is None or queue.business_hours.is_open(
            now.astimezone(ctx.timezone))
        rule = queue.rule_after(float("inf"))
        anyone = any(rule.admits(a.skills, a.languages, language)
                     for a in uow.agents.logged_in_profiles())
        contact = Contact.create(
            contact_id=str(uuid.uuid4()), channel=Channel.CHAT, queue_id=queue_id,
            customer_name=name, customer_phone=phone, now=now,
            attributes={"language": language, "topic": topic, "segment": segment},
            offline_message=not (is_open and anyone),
        )
        uow.contacts.add(contact, customer_token_hash=hash_token(token))
        uow.commit()
    if ctx.auto_dispatch:
        routing.dispatch(ctx)
    return StartedChat(contact.id, token, queue_id, contact.offline_message)


def check_customer(ctx: ServiceContext, contact_id: str, token: str) -> None:
    with ctx.uow() as uow:
        stored = uow.contacts.token_hash(contact_id)
    if not stored or not token or not secrets.compare_digest(stored, hash_token(token)):
        raise NotAuthenticated("unknown conversation or wrong token")


_CUSTOMER_CAN_WRITE = {ContactState.QUEUED, ContactState.OFFERED, ContactState.ACTIVE}


def _checked_message(sender: str, body: str, client_msg_id: str) -> str:
    """The body to store (stripped), or a validation error."""
    body = body.strip()
    if not body or len(body) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(f"message must be 1..{MAX_MESSAGE_CHARS} characters")
    if not client_msg_id or len(client_msg_id) > 64:
        raise ValidationFailed("client_msg_id must be 1..64 characters")
    if sender not in ("customer", "agent"):
        raise ValidationFailed("unknown sender")
    return body


async def post_message_async(ctx: ServiceContext, *, contact_id: str, sender: str, body: str,
                             client_msg_id: str,
                             blocking: Callable[[Callable[[], StoredMessage]],
                                                Awaitable[StoredMessage]],
                             agent_id: str | None = None) -> StoredMessage:
    """:func:`post_message` for the event loop. With ``ctx.async_messages`` (PostgreSQL)
    the one-statement append runs on the loop's own connections; when it stores
    nothing (unknown contact, ended conversation, wrong agent, a retry) or there is
    no async store, :func:`post_message` answers through ``blocking`` (a worker thread)."""
    store = ctx.async_messages
    if store is not None and store.started:
        text = _checked_message(sender, body, client_msg_id)
        now = ctx.now()
        message = NewMessage(contact_id, sender, agent_id, client_msg_id, text, now)
        appended = await store.append(message)
        if appended is not None:
            return _announce(ctx, message, *appended)
    return await blocking(lambda: post_message(
        ctx, contact_id=contact_id, sender=sender, body=body, client_msg_id=client_msg_id,
        agent_id=agent_id))


def post_message(ctx: ServiceContext, *, contact_id: str, sender: str, body: str,
                 client_msg_id: str, agent_id: str | None = None) -> StoredMessage:
    """Store a message with the next sequence number, then acknowledge it.
    A retry with the same ``client_msg_id`` returns the stored message unchanged.
    Hot path on PostgreSQL: one autocommitted statement (``MessageRepository.append``);
    elsewhere one UPDATE (row lock + sequence), one INSERT, the event, COMMIT."""
    body = _checked_message(sender, body, client_msg_id)
    if ctx.dialect == "postgresql":
        stored = with_retries(lambda: _append_in_one_statement(
            ctx, contact_id, sender, body, client_msg_id, agent_id))
        if stored is not None:
            return stored
        # nothing stored: unknown contact, ended, wrong agent or a retry; the general
        # path below finds out which and answers accordingly

    def duplicate(uow: UnitOfWork) -> StoredMessage | None:
        uow.rollback()
        existing = uow.messages.by_client_id(contact_id, sender, client_msg_id)
        return _message(existing, duplicate=True) if existing is not None else None

    def run() -> StoredMessage:
        with ctx.uow() as uow:
            bumped = uow.contacts.bump_seq(contact_id)
            if bumped is None:
                raise NotFound("no such contact", contact_id=contact_id)
            state, assigned, queue_id, seq = bumped
            problem: InvalidTransition | None = None
            if sender == "customer" and state not in _CUSTOMER_CAN_WRITE:
                problem = InvalidTransition("the conversation has ended", state=state.value)
            elif sender == "agent" and (state != ContactState.ACTIVE or assigned != agent_id):
                problem = InvalidTransition("accept the conversation before replying",
                                            state=state.value)
            if problem is not None:
                earlier = duplicate(uow)  # a retry of a message stored before the end
                if earlier is not None:
                    return earlier
                raise problem
            now = ctx.now()
            values = {"contact_id": contact_id, "seq": seq, "sender": sender,
                      "agent_id": agent_id, "client_msg_id": client_msg_id, "body": body,
                      "created_at": now}
            if uow.messages.insert_new(values) is None:
                earlier = duplicate(uow)
                assert earlier is not None
                return earlier
            uow.events.add_many([EventRow(
                at=now, type=EventType.MESSAGE_SENT.value, contact_id=contact_id,
                agent_id=assigned, queue_id=queue_id,
                data={"seq": seq, "sender": sender, "chars": len(body)})])
            stored = StoredMessage(contact_id, seq, sender, agent_id, client_msg_id, body,
                                   now.isoformat())
            uow.notify({**stored.payload(), "assigned_agent_id": assigned})
            uow.commit()
            return stored

    return with_retries(run)


def _append_in_one_statement(ctx: ServiceContext, contact_id: str, sender: str, body: str,
                             client_msg_id: str, agent_id: str | None) -> StoredMessage | None:
    """PostgreSQL hot path: one autocommitted statement stores the message and its
    event; the notification is published after it. None if it stored nothing."""
    now = ctx.now()
    message = NewMessage(contact_id, sender, agent_id, client_msg_id, body, now)
    with ctx.uow(autocommit=True) as uow:
        appended = uow.messages.append(message)
    return None if appended is None else _announce(ctx, message, *appended)


def _announce(ctx: ServiceContext, message: NewMessage, seq: int,
              assigned: str | None) -> StoredMessage:
    """The stored message of a one-statement append, published after its commit."""
    stored = StoredMessage(message.contact_id, seq, message.sender, message.agent_id,
                           message.client_msg_id, message.body,
                           message.created_at.isoformat())
    if ctx.publish is not None:
        ctx.publish([{**stored.payload(), "assigned_agent_id": assigned}])
    return stored


def messages_after(ctx: ServiceContext, contact_id: str, after_seq: int) -> list[StoredMessage]:
    if after_seq < 0:
        raise ValidationFailed("after must be >= 0")
    with ctx.uow() as uow:
        return [_message(r) for r in uow.messages.after(contact_id, after_seq)]


def customer_leave(ctx: ServiceContext, contact_id: str) -> Contact:
    with ctx.uow() as uow:
        contact = uow.contacts.get(contact_id, lock=True)
        if contact.state in (ContactState.QUEUED, ContactState.OFFERED, ContactState.ACTIVE):
            contact.customer_left(ctx.now())
            uow.commit()
        return contact


def rate(ctx: ServiceContext, contact_id: str, score: int) -> Contact:
    with ctx.uow() as uow:
        contact = uow.contacts.get(contact_id, lock=True)
        contact.rate(score, ctx.now())
        uow.commit()
        return contact


def get_contact(ctx: ServiceContext, contact_id: str) -> Contact:
    with ctx.uow() as uow:
        return uow.contacts.get(contact_id)


def agent_name(ctx: ServiceContext, agent_id: str | None) -> str | None:
    if agent_id is None:
        return None
    with ctx.uow() as uow:
        account = uow.agents.account(agent_id)
        return account.display_name if account else None
