"""Request and response bodies of the REST API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from helpline.domain.agents import AgentStatus
from helpline.domain.contacts import Contact


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenIn(Strict):
    name: str = Field(default="api", min_length=1, max_length=100)


class LanguageIn(Strict):
    language: Literal["ru", "en"]


class StatusIn(Strict):
    status: AgentStatus


class StartChatIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32)
    topic: Literal["mobile", "home", "bank"]
    language: Literal["ru", "en", "uk"] = "ru"


class MessageIn(Strict):
    client_msg_id: str = Field(min_length=1, max_length=64)
    body: str = Field(min_length=1, max_length=2000)


class RatingIn(Strict):
    score: int = Field(ge=1, le=5)


class CodeIn(Strict):
    code: str | None = Field(default=None, max_length=64)


class HoldIn(Strict):
    reason: str | None = Field(default=None, max_length=200)


class TransferIn(Strict):
    queue_id: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=36)


class ContactOut(BaseModel):
    id: str
    channel: str
    queue_id: str
    state: str
    priority: int
    customer_name: str
    customer_phone: str
    attributes: dict[str, str]
    agent_id: str | None
    target_agent_id: str | None
    enqueued_at: str
    offered_at: str | None
    offer_expires_at: str | None
    answered_at: str | None
    wrapup_code: str | None
    offline_message: bool
    rating: int | None
    held_since: str | None = None

    @classmethod
    def of(cls, c: Contact) -> ContactOut:
        def iso(value: Any) -> str | None:
            return value.isoformat() if value is not None else None

        return cls(id=c.id, channel=c.channel.value, queue_id=c.queue_id, state=c.state.value,
                   priority=c.priority, customer_name=c.customer_name,
                   customer_phone=c.customer_phone, attributes=c.attributes,
                   agent_id=c.agent_id, target_agent_id=c.target_agent_id,
                   enqueued_at=c.enqueued_at.isoformat(), offered_at=iso(c.offered_at),
                   offer_expires_at=iso(c.offer_expires_at), answered_at=iso(c.answered_at),
                   wrapup_code=c.wrapup_code, offline_message=c.offline_message,
                   rating=c.rating, held_since=iso(c.held_since))
