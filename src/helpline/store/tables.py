"""Typed SQLAlchemy 2 mappings. Rows are converted to domain objects in repositories."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from helpline.store.types import UTCDateTime

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class QueueRow(Base):
    __tablename__ = "queues"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    skill: Mapped[str] = mapped_column(String(64))
    min_level: Mapped[int] = mapped_column(default=1)
    require_language: Mapped[bool] = mapped_column(default=True)
    sl_threshold_seconds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    offer_timeout_seconds: Mapped[int] = mapped_column(default=20)
    max_missed_offers: Mapped[int] = mapped_column(default=2)
    redo_after_seconds: Mapped[int] = mapped_column(default=60)
    escalation: Mapped[list[Any]] = mapped_column(default=list)
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    aht_seconds: Mapped[int] = mapped_column(default=300)


class AgentRow(Base):
    """An operator's login and routing profile (supervisors, QA and admins too)."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    ui_language: Mapped[str] = mapped_column(String(2), default="ru")
    skills: Mapped[dict[str, Any]] = mapped_column(default=dict)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    capacity: Mapped[dict[str, Any]] = mapped_column(default=dict)
    capacity_shared: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="offline")
    status_since: Mapped[datetime]
    idle_since: Mapped[datetime]
    missed_offers: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_agents_status", "status"),)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    queue_id: Mapped[str] = mapped_column(ForeignKey("queues.id"))
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_phone: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    target_agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    created_at: Mapped[datetime]
    enqueued_at: Mapped[datetime]
    queue_entered_at: Mapped[datetime]
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    wrapped_up_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wrapup_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    skipped_agents: Mapped[dict[str, Any]] = mapped_column(default=dict)
    offline_message: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None]
    held_since: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(default=0)
    customer_token_hash: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        Index("ix_contacts_state_queue", "state", "queue_id"),
        Index("ix_contacts_agent_state", "agent_id", "state"),
        Index("ix_contacts_offer_expires", "offer_expires_at"),
        Index("ix_contacts_created", "created_at"),
    )


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    seq: Mapped[int]
    sender: Mapped[str] = mapped_column(String(16))  # customer | agent | system
    agent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    client_msg_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("contact_id", "seq", name="uq_messages_contact_seq"),
        UniqueConstraint("contact_id", "sender", "client_msg_id", name="uq_messages_client_id"),
    )


class EventRow(Base):
    """The append-only event log (the platform's queue_log)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    queue_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        Index("ix_events_at", "at"),
        Index("ix_events_contact", "contact_id", "id"),
        Index("ix_events_agent", "agent_id", "id"),
        Index("ix_events_type_at", "type", "at"),
    )


class CannedReplyRow(Base):
    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # greeting | hold | reply
