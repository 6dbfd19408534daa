"""The audit log of personal actions in the desk: write (inside a use case) and read.

Every entry says who (user id and role), what (a :class:`DeskAction` or a verification
step), on which line, the masked parameters (:func:`mask_params`), the caller's
verification level, the reason, the outcome and the time. Desk actions go through the
domain's :meth:`AuditEntry.record`, which refuses unmasked parameters and a missing
reason for document-level actions. Verification steps use the same masking with the
generic profile. The table is append-only in the database (triggers); this module has
no update or delete either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.domain.agents import Role
from helpline.domain.errors import ValidationFailed
from helpline.domain.subscribers.customers import normalize_msisdn
from helpline.domain.subscribers.verification import (
    AuditEntry,
    DeskAction,
    ParamValue,
    VerificationLevel,
    mask_params,
)
from helpline.services.context import ServiceContext
from helpline.store.desk_tables import AuditRow


class VerificationStep(StrEnum):
    """Audited verification attempts (not desk actions: they need no level)."""

    MATCH_NUMBER = "verify_number"
    VERIFY_DOCUMENT = "verify_document"
    ISSUE_CODE = "issue_code"
    ENTER_CODE = "enter_code"


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member acting in the desk."""

    user_id: str
    role: Role


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    user_id: str
    role: str
    action: str
    outcome: str
    msisdn: str | None
    contact_id: str | None
    params: dict[str, str]
    verification_level: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "user_id": self.user_id,
                "role": self.role, "action": self.action, "outcome": self.outcome,
                "msisdn": self.msisdn, "contact_id": self.contact_id, "params": self.params,
                "verification_level": self.verification_level, "reason": self.reason}


def _insert(session: Session, row: AuditRow) -> int:
    session.add(row)
    session.flush()
    return int(row.id)


def record_action(session: Session, *, actor: Actor, action: DeskAction, msisdn: str | None,
                  contact_id: str | None, params: Mapping[str, ParamValue],
                  level: VerificationLevel, reason: str, outcome: str, at: datetime) -> int:
    """Append the entry of a desk action in the caller's transaction; returns its id."""
    entry = AuditEntry.record(at=at, user_id=actor.user_id, role=actor.role, action=action,
                              msisdn=msisdn, params=params, verification_level=level,
                              reason=reason)
    return _insert(session, AuditRow(
        at=entry.at, user_id=entry.user_id, role=entry.role.value, action=entry.action.value,
        outcome=outcome, msisdn=entry.msisdn, contact_id=contact_id, params=entry.params,
        verification_level=entry.verification_level.slug, reason=entry.reason))


def record_step(session: Session, *, actor: Actor, step: VerificationStep, msisdn: str | None,
                contact_id: str, params: Mapping[str, ParamValue], level: VerificationLevel,
                outcome: str, at: datetime) -> int:
    """Append a verification attempt (never the document or the code itself)."""
    masked = mask_params(DeskAction.VIEW_CARD_BASIC, params)
    return _insert(session, AuditRow(
        at=at, user_id=actor.user_id, role=actor.role.value, action=step.value,
        outcome=outcome, msisdn=normalize_msisdn(msisdn) if msisdn else None,
        contact_id=contact_id, params=masked, verification_level=level.slug, reason=""))


#: The audit action of a QA specialist's override of a scorecard item.
QA_SCORECARD_OVERRIDE = "qa_scorecard_override"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def record_qa_override(session: Session, *, actor: Actor, contact_ref: str,
                       params: Mapping[str, ParamValue], comment: str, at: datetime) -> int:
    """Append a scorecard override (item, values, template) with the QA specialist's
    comment as the reason. The masked parameters carry the contact (a recording's name
    may hold a phone number); ``contact_id`` gets it too when it is a platform contact id
    (a UUID) or short and free of long digit runs."""
    masked = mask_params(DeskAction.VIEW_CARD_BASIC, {**params, "contact": contact_ref})
    plain = _UUID.match(contact_ref) is not None or (
        len(contact_ref) <= 36 and masked["contact"] == contact_ref)
    return _insert(session, AuditRow(
        at=at, user_id=actor.user_id, role=actor.role.value, action=QA_SCORECARD_OVERRIDE,
        outcome="done", msisdn=None, contact_id=contact_ref if plain else None,
        params=masked, verification_level=VerificationLevel.NONE.slug, reason=comment))


def already_recorded(session: Session, *, contact_id: str, msisdn: str, action: str,
                     since: datetime) -> bool:
    """Whether ``action`` on ``msisdn`` in this conversation was audited at or after ``since``."""
    found = session.scalar(select(AuditRow.id).where(
        AuditRow.contact_id == contact_id, AuditRow.msisdn == msisdn,
        AuditRow.action == action, AuditRow.at >= since).limit(1))
    return found is not None


def _view(row: AuditRow) -> AuditView:
    return AuditView(row.id, row.at, row.user_id, row.role, row.action, row.outcome,
                     row.msisdn, row.contact_id, dict(row.params or {}),
                     row.verification_level, row.reason)


def search(ctx: ServiceContext, *, msisdn: str | None = None, user_id: str | None = None,
           action: str | None = None, contact_id: str | None = None,
           date_from: date | None = None, date_to: date | None = None,
           limit: int = 100, before_id: int | None = None) -> list[AuditView]:
    """Entries newest first, filtered; dates are whole days in the operator's zone
    (``date_to`` inclusive). Page with ``before_id`` = the last id seen."""
    if not 1 <= limit <= 500:
        raise ValidationFailed("limit must be 1..500", field="limit")
    stmt = select(AuditRow)
    if msisdn:
        stmt = stmt.where(AuditRow.msisdn == normalize_msisdn(msisdn))
    if user_id:
        stmt = stmt.where(AuditRow.user_id == user_id)
    if action:
        stmt = stmt.where(AuditRow.action == action)
    if contact_id:
        stmt = stmt.where(AuditRow.contact_id == contact_id)
    if date_from is not None:
        stmt = stmt.where(AuditRow.at >= datetime.combine(date_from, time(), ctx.timezone))
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), time(), ctx.timezone)
        stmt = stmt.where(AuditRow.at < end)
    if before_id is not None:
        stmt = stmt.where(AuditRow.id < before_id)
    with ctx.uow() as uow:
        rows = uow.session.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit))
        return [_view(r) for r in rows]


def get(ctx: ServiceContext, audit_id: int) -> AuditView | None:
    with ctx.uow() as uow:
        row = uow.session.get(AuditRow, audit_id)
        return _view(row) if row is not None else None
