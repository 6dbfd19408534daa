"""Typed mappings of the agent desk's single window (migration 0004), on the shared ``Base``.

* ``desk_verifications`` — what a caller proved in one conversation about one holder
  (the holder is the document's lookup hash, so every line on the passport counts).
  The one-time code is kept only as its HMAC.
* ``desk_requests`` — the first result of a subscriber-changing desk action per
  idempotency key (a repeat returns it and changes nothing).
* ``complaints`` — tickets for the technical queue with a due time.
* ``desk_code_messages`` — the outbound SMS of a one-time code, body masked (the code
  itself is handed to the delivery port and never stored).
* ``audit_log`` — append-only: BEFORE UPDATE/DELETE triggers raise (SQLite ``RAISE(ABORT)``,
  PostgreSQL a PL/pgSQL function; PostgreSQL also refuses TRUNCATE). The triggers are
  created by the migration and, for ``metadata.create_all``, by the DDL listeners below.
  It has no foreign keys on purpose: it outlives what it talks about.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, Index, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from helpline.store.tables import Base, BigId

AUDIT_TABLE = "audit_log"
APPEND_ONLY_MESSAGE = "audit_log is append-only"

#: SQLite: statements that make ``audit_log`` append-only.
SQLITE_AUDIT_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON {AUDIT_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON {AUDIT_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
)
#: PostgreSQL: the same, plus TRUNCATE.
POSTGRES_AUDIT_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; "
    "END $$",
    f"CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON {AUDIT_TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {AUDIT_TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
SQLITE_DROP_AUDIT_TRIGGERS = ("DROP TRIGGER IF EXISTS audit_log_no_update",
                              "DROP TRIGGER IF EXISTS audit_log_no_delete")
POSTGRES_DROP_AUDIT_TRIGGERS = (
    f"DROP TRIGGER IF EXISTS audit_log_no_update_delete ON {AUDIT_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_log_no_truncate ON {AUDIT_TABLE}",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
)


class DeskVerificationRow(Base):
    """A :class:`VerificationState` of one conversation and holder (document hash)."""

    __tablename__ = "desk_verifications"

    contact_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: level slug -> ISO time it was (last) obtained
    obtained: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document_failures: Mapped[int] = mapped_column(default=0)
    codes_issued: Mapped[int] = mapped_column(default=0)
    code_msisdn: Mapped[str | None] = mapped_column(String(16), nullable=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_issued_at: Mapped[datetime | None]
    code_expires_at: Mapped[datetime | None]
    code_attempts_left: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class DeskRequestRow(Base):
    """The first result of a desk action per idempotency key."""

    __tablename__ = "desk_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    msisdn: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(36))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    audit_id: Mapped[int]
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_desk_requests_key"),)


class ComplaintRow(Base):
    """A complaint filed from the desk; the technical queue answers it by ``due_at``."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(String(64), default="tech")
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    msisdn: Mapped[str] = mapped_column(String(16))
    holder_key: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]

    __table_args__ = (Index("ix_complaints_queue_due", "queue", "status", "due_at"),)


class DeskCodeMessageRow(Base):
    """An outbound one-time-code SMS; ``body_masked`` shows the text with the code hidden."""

    __tablename__ = "desk_code_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    msisdn: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[str] = mapped_column(String(36))
    body_masked: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditRow(Base):
    """One personal action in the desk. Append-only (see the module docstring)."""

    __tablename__ = AUDIT_TABLE

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    user_id: Mapped[str] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    #: done, refused (verification too low), confirmed / wrong / ... for verification steps
    outcome: Mapped[str] = mapped_column(String(32))
    msisdn: Mapped[str | None] = mapped_column(String(16), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verification_level: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_audit_msisdn_at", "msisdn", "at"),
        Index("ix_audit_user_at", "user_id", "at"),
        Index("ix_audit_at", "at"),
    )


def _install_triggers(table: Table) -> None:
    for statement in SQLITE_AUDIT_TRIGGERS:
        event.listen(table, "after_create",
                     DDL(statement).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
    for statement in POSTGRES_AUDIT_TRIGGERS:
        event.listen(table, "after_create",
                     DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]
                     .execute_if(dialect="postgresql"))


_install_triggers(AuditRow.__table__)  # type: ignore[arg-type]
