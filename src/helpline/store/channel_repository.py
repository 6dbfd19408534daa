"""SMS inbox/outbox and USSD session rows. Never commits (the caller's unit of work does).

Inserts that must happen once per key use ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL
and SQLite both have it), so concurrent duplicates neither fail nor abort the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpline.store.channel_tables import SmsInboxRow, SmsOutboxRow, UssdSessionRow


class ChannelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert_ignore(self, table: Any, values: dict[str, Any], key: str) -> bool:
        """Insert unless ``key`` conflicts; True when a row was inserted."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        column = table.__table__.c[key]
        stmt = (insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
                .returning(column))
        return self.session.execute(stmt).first() is not None

    # -- SMS ---------------------------------------------------------------------------------
    def record_inbound(self, *, message_id: str, from_number: str, to_number: str, text: str,
                       now: datetime) -> tuple[SmsInboxRow, bool]:
        """The inbox row of ``message_id`` and whether this call inserted it."""
        inserted = self._insert_ignore(SmsInboxRow, {
            "message_id": message_id, "from_number": from_number, "to_number": to_number,
            "text": text, "received_at": now, "handled": False}, "message_id")
        row = self.session.scalars(
            select(SmsInboxRow).where(SmsInboxRow.message_id == message_id)).one()
        return row, inserted

    def mark_handled(self, message_id: str) -> None:
        self.session.execute(update(SmsInboxRow).where(SmsInboxRow.message_id == message_id)
                             .values(handled=True))

    def queue_reply(self, *, to_number: str, from_number: str, text: str,
                    in_reply_to: str | None, now: datetime) -> SmsOutboxRow:
        """Queue an outbound SMS; a second reply to the same message returns the first."""
        values = {"to_number": to_number, "from_number": from_number, "text": text,
                  "in_reply_to": in_reply_to, "created_at": now, "status": "pending"}
        if in_reply_to is None:
            row = SmsOutboxRow(**values)
            self.session.add(row)
            self.session.flush()
            return row
        self._insert_ignore(SmsOutboxRow, values, "in_reply_to")
        found = self.reply_to(in_reply_to)
        assert found is not None
        return found

    def reply_to(self, message_id: str) -> SmsOutboxRow | None:
        return self.session.scalars(
            select(SmsOutboxRow).where(SmsOutboxRow.in_reply_to == message_id)).first()

    # -- USSD --------------------------------------------------------------------------------
    def ussd_session(self, session_id: str) -> UssdSessionRow | None:
        return self.session.get(UssdSessionRow, session_id)

    def remember_confirmation(self, session_id: str, msisdn: str, repeat_warned: bool,
                              now: datetime) -> None:
        """Record what the last confirmation screen of the session said."""
        inserted = self._insert_ignore(UssdSessionRow, {
            "session_id": session_id, "msisdn": msisdn, "repeat_warned": repeat_warned,
            "updated_at": now}, "session_id")
        if not inserted:
            self.session.execute(
                update(UssdSessionRow).where(UssdSessionRow.session_id == session_id)
                .values(msisdn=msisdn, repeat_warned=repeat_warned, updated_at=now))
