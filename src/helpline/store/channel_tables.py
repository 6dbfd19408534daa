"""Typed mappings of the self-service channels (migration 0003), on the shared ``Base``.

* ``sms_inbox`` — every inbound SMS once, by the gateway's ``message_id``;
* ``sms_outbox`` — replies waiting for the SMSC (``status`` ``pending`` until an SMPP
  adapter sends them); ``in_reply_to`` is unique, so a message gets one reply;
* ``ussd_sessions`` — what the renewal confirmation screen last showed in a USSD
  session (``repeat_warned``), so "1 Да" confirms exactly what the subscriber saw.

Numbers are digits only (``79161234567``, short numbers like ``9290``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.store.tables import Base, BigId


class SmsInboxRow(Base):
    __tablename__ = "sms_inbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(120))
    from_number: Mapped[str] = mapped_column(String(16))
    to_number: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    handled: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("message_id", name="uq_sms_inbox_message_id"),)


class SmsOutboxRow(Base):
    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    to_number: Mapped[str] = mapped_column(String(16))
    from_number: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    in_reply_to: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")

    __table_args__ = (
        UniqueConstraint("in_reply_to", name="uq_sms_outbox_in_reply_to"),
        Index("ix_sms_outbox_status", "status", "id"),
    )


class UssdSessionRow(Base):
    __tablename__ = "ussd_sessions"

    session_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    msisdn: Mapped[str] = mapped_column(String(16))
    repeat_warned: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]
