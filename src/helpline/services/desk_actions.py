"""Desk actions on a customer's line, each gated by the caller's verification level.

Every action: checks the reason (document-level actions need one), loads the
verification of the conversation under lock, :func:`require`-s the level of the domain's
:data:`REQUIRED_LEVEL` — a refusal is audited (outcome ``refused``) and raised as
``verification_required`` — then acts and appends its audit entry in the same
transaction. Actions that change a subscriber take an idempotency key from the client:
the first result is kept in ``desk_requests`` and a repeat returns it (``replayed``) with
the first audit id, changing nothing. "Renew package" runs through
:func:`helpline.services.billing.renew` with ``channel="desk"`` and the same key (its own
transaction, idempotent there), and is recorded right after.

The PUK is returned by :func:`reveal_puk` only; it is never written to the audit or to
``desk_requests`` (a reveal is not a change: every reveal is audited again).

A complaint goes to the technical queue (``complaints.queue = "tech"``) with
``due_at = now + COMPLAINT_SLA_HOURS[category]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from helpline.domain.billing import IdempotencyConflict, Line, block_line, lift_block
from helpline.domain.errors import Conflict, ValidationFailed
from helpline.domain.subscribers.errors import VerificationRequired
from helpline.domain.subscribers.verification import (
    DeskAction,
    ParamValue,
    VerificationLevel,
    require,
    required_level,
)
from helpline.services import billing
from helpline.services.audit import Actor, record_action
from helpline.services.context import ServiceContext
from helpline.services.verification import Subject, auto_match, in_transaction, load_state
from helpline.store.desk_tables import ComplaintRow, DeskRequestRow
from helpline.store.uow import UnitOfWork

#: Services (options) the desk can switch on a line: code -> (ru, en) name.
SERVICE_CATALOGUE: dict[str, tuple[str, str]] = {
    "roaming": ("Международный роуминг", "International roaming"),
    "caller_id": ("Определитель номера", "Caller ID"),
    "voicemail": ("Голосовая почта", "Voicemail"),
    "call_forwarding": ("Переадресация", "Call forwarding"),
    "content_block": ("Запрет платного контента", "Paid content block"),
    "mobile_internet": ("Мобильный интернет", "Mobile internet"),
}
#: Hours the technical queue has to answer a complaint, by category.
COMPLAINT_SLA_HOURS: dict[str, int] = {"network": 24, "service": 48, "billing": 72,
                                       "other": 120}
#: Actions that change a subscriber, so need an idempotency key.
CHANGING = frozenset({DeskAction.ENABLE_SERVICE, DeskAction.DISABLE_SERVICE,
                      DeskAction.CHANGE_TARIFF, DeskAction.RENEW_PACKAGE,
                      DeskAction.BLOCK_LINE, DeskAction.UNBLOCK_LINE,
                      DeskAction.FILE_COMPLAINT})
MAX_TEXT = 500


@dataclass(frozen=True)
class ActionResult:
    action: DeskAction
    msisdn: str
    level: VerificationLevel
    audit_id: int
    result: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action.value, "msisdn": self.msisdn, "level": self.level.slug,
                "audit_id": self.audit_id, "result": self.result, "replayed": self.replayed}


@dataclass(frozen=True)
class Request:
    """What the agent asked for, before the level check."""

    actor: Actor
    subject: Subject
    action: DeskAction
    params: dict[str, ParamValue]
    reason: str = ""
    key: str | None = None


def _check(request: Request) -> None:
    if len(request.reason) > MAX_TEXT:
        raise ValidationFailed(f"reason: at most {MAX_TEXT} characters", field="reason")
    if required_level(request.action) >= VerificationLevel.DOCUMENT_VERIFIED \
            and not request.reason.strip():
        raise ValidationFailed("this action needs a reason", field="reason")
    if request.action in CHANGING:
        if request.key is None:
            raise ValidationFailed("an idempotency key is required", field="idempotency_key")
        billing.check_idempotency_key(request.key)


def _stored(uow: UnitOfWork, request: Request) -> ActionResult | None:
    if request.key is None:
        return None
    row = uow.session.scalars(select(DeskRequestRow).where(
        DeskRequestRow.idempotency_key == request.key)).first()
    if row is None:
        return None
    if row.action != request.action.value or row.msisdn != request.subject.msisdn:
        raise IdempotencyConflict("idempotency key already used for another desk action",
                                  key=request.key)
    return ActionResult(request.action, row.msisdn,
                        VerificationLevel.from_slug(row.result.get("_level", "none")),
                        row.audit_id, {k: v for k, v in row.result.items() if k != "_level"},
                        replayed=True)


def _audit(uow: UnitOfWork, request: Request, level: VerificationLevel, outcome: str,
           now: datetime) -> int:
    return record_action(uow.session, actor=request.actor, action=request.action,
                         msisdn=request.subject.msisdn, contact_id=request.subject.contact_id,
                         params=request.params, level=level, reason=request.reason,
                         outcome=outcome, at=now)


def _finish(uow: UnitOfWork, request: Request, level: VerificationLevel,
            result: dict[str, Any], now: datetime) -> ActionResult:
    audit_id = _audit(uow, request, level, "done", now)
    if request.key is not None and request.action in CHANGING:
        uow.session.add(DeskRequestRow(
            idempotency_key=request.key, action=request.action.value,
            msisdn=request.subject.msisdn, contact_id=request.subject.contact_id,
            user_id=request.actor.user_id, result={**result, "_level": level.slug},
            audit_id=audit_id, created_at=now))
    uow.commit()
    return ActionResult(request.action, request.subject.msisdn, level, audit_id, result)


Change = Callable[[UnitOfWork, datetime], dict[str, Any]]


def _checked_level(uow: UnitOfWork, request: Request, now: datetime,
                   refused: list[VerificationRequired]) -> tuple[
                       VerificationLevel | ActionResult, bool]:
    """The stored result of a repeated request, or the caller's verification level
    (an automatic number match is recorded); a level below the action's is audited
    and appended to ``refused``. Second value: whether anything was written."""
    stored = _stored(uow, request)
    if stored is not None:
        return stored, False
    subject = request.subject
    state = load_state(uow.session, subject.contact_id, subject.holder_key, lock=True)
    changed = auto_match(uow.session, state, subject, request.actor, now)
    level = state.level(now)
    try:
        require(level, request.action)
    except VerificationRequired as error:
        refused.append(error)
        _audit(uow, request, level, "refused", now)
        changed = True
    return level, changed


def perform(ctx: ServiceContext, request: Request, change: Change) -> ActionResult:
    """Check, act with ``change`` (inside the transaction), audit, keep the result."""
    _check(request)
    refused: list[VerificationRequired] = []

    def work(uow: UnitOfWork) -> ActionResult | None:
        refused.clear()
        now = ctx.now()
        level, _ = _checked_level(uow, request, now, refused)
        if isinstance(level, ActionResult):
            return level
        if refused:
            uow.commit()  # the audited refusal
            return None
        return _finish(uow, request, level, change(uow, now), now)

    result = in_transaction(ctx, work)
    if result is None:
        raise refused[0]
    return result


# -- line changes ---------------------------------------------------------------------------
def _change_line(uow: UnitOfWork, msisdn: str, fn: Callable[[Line], Line]) -> tuple[Line, Line]:
    locked = uow.billing.lock_account(msisdn)
    before = locked.account.line
    after = fn(before)
    if after != before:
        uow.billing.save(locked.account, replace(locked.account, line=after))
    return before, after


def set_service(ctx: ServiceContext, actor: Actor, subject: Subject, service: str, *,
                enabled: bool, key: str, reason: str = "") -> ActionResult:
    """Enable or disable a service of :data:`SERVICE_CATALOGUE` on the line."""
    if service not in SERVICE_CATALOGUE:
        raise ValidationFailed("unknown service", field="service",
                               allowed=sorted(SERVICE_CATALOGUE))
    action = DeskAction.ENABLE_SERVICE if enabled else DeskAction.DISABLE_SERVICE

    def change(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        def apply(line: Line) -> Line:
            services = line.services | {service} if enabled else line.services - {service}
            return replace(line, services=frozenset(services))

        before, after = _change_line(uow, subject.msisdn, apply)
        return {"service": service, "enabled": enabled,
                "changed": before.services != after.services,
                "services": sorted(after.services)}

    request = Request(actor, subject, action, {"service": service}, reason, key)
    return perform(ctx, request, change)


def change_tariff(ctx: ServiceContext, actor: Actor, subject: Subject, tariff_code: str, *,
                  key: str, reason: str) -> ActionResult:
    """Move the line to another tariff. The new fee and package apply from the next
    regular charge; the current period's package stays (nothing is charged now)."""
    def change(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        tariff = uow.billing.tariff(tariff_code)  # NotFound
        before, after = _change_line(uow, subject.msisdn,
                                     lambda line: replace(line, tariff_code=tariff.code))
        if before.tariff_code == after.tariff_code:
            raise Conflict("the line is already on this tariff", tariff_code=tariff.code)
        return {"tariff_code": tariff.code, "tariff_name": tariff.name,
                "previous_tariff_code": before.tariff_code,
                "applies_from": after.next_charge_date.isoformat()}

    request = Request(actor, subject, DeskAction.CHANGE_TARIFF, {"tariff_code": tariff_code},
                      reason, key)
    return perform(ctx, request, change)


def block(ctx: ServiceContext, actor: Actor, subject: Subject, *, reason: str,
          key: str) -> ActionResult:
    """Block the line with ``reason`` (seed 004: numbers the holder does not know)."""
    def change(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        before, after = _change_line(uow, subject.msisdn,
                                     lambda line: block_line(line, reason[:200]))
        return {"status": after.status.value, "block_reason": after.block_reason,
                "was_blocked": before.is_blocked}

    request = Request(actor, subject, DeskAction.BLOCK_LINE, {"block_reason": reason},
                      reason, key)
    return perform(ctx, request, change)


def unblock(ctx: ServiceContext, actor: Actor, subject: Subject, *, reason: str,
            key: str) -> ActionResult:
    """Lift a block; the line is in the unpaid period until the night's charge."""
    def change(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        today = now.astimezone(ctx.timezone).date()
        _, after = _change_line(uow, subject.msisdn, lambda line: lift_block(line, today))
        return {"status": after.status.value}

    request = Request(actor, subject, DeskAction.UNBLOCK_LINE, {}, reason, key)
    return perform(ctx, request, change)


def reveal_puk(ctx: ServiceContext, actor: Actor, subject: Subject, *,
               reason: str) -> tuple[ActionResult, str]:
    """The line's PUK code, for the agent to read out once. Audited every time; the
    code is in the return value only."""
    puk: list[str] = []

    def change(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        puk.clear()
        puk.append(uow.billing.line_row(subject.msisdn).puk_code)
        return {}

    request = Request(actor, subject, DeskAction.REVEAL_PUK, {"line_msisdn": subject.msisdn},
                      reason)
    return perform(ctx, request, change), puk[0]


def renew_package(ctx: ServiceContext, actor: Actor, subject: Subject, *, key: str,
                  reason: str = "", confirmed: bool = False) -> ActionResult:
    """Renew the package on the customer's behalf (``billing.renew``, channel desk).

    A refusal by billing (money short, tariff without the service...) is a result with
    ``renewed: false`` and its ``refusal`` code, audited like a success.
    """
    request = Request(actor, subject, DeskAction.RENEW_PACKAGE, {}, reason, key)
    _check(request)
    level = _gate(ctx, request)
    if isinstance(level, ActionResult):
        return level
    renewal = billing.renew(ctx, subject.msisdn, channel="desk", idempotency_key=key,
                            confirmed=confirmed)
    result = {"renewed": renewal.renewed,
              "refusal": renewal.refusal.value if renewal.refusal else None,
              "fee_minor": renewal.fee_minor, "money_minor": renewal.money_minor,
              "next_charge_date": (renewal.next_charge_date.isoformat()
                                   if renewal.next_charge_date else None),
              "message_ru": renewal.message("ru"), "message_en": renewal.message("en")}

    def record(uow: UnitOfWork) -> ActionResult:
        now = ctx.now()
        stored = _stored(uow, request)
        if stored is not None:
            return stored
        audited = Request(actor, subject, DeskAction.RENEW_PACKAGE,
                          {"renewed": renewal.renewed, "refusal": result["refusal"],
                           "fee_minor": renewal.fee_minor}, reason, key)
        return _finish(uow, audited, level, result, now)

    return in_transaction(ctx, record)


def _gate(ctx: ServiceContext, request: Request) -> VerificationLevel | ActionResult:
    """The level check of :func:`perform` without acting: the stored result of a
    repeat, or the level; a refusal is audited and raised."""
    refused: list[VerificationRequired] = []

    def work(uow: UnitOfWork) -> VerificationLevel | ActionResult:
        refused.clear()
        level, changed = _checked_level(uow, request, ctx.now(), refused)
        if changed and not isinstance(level, ActionResult):
            uow.commit()
        return level

    outcome = in_transaction(ctx, work)
    if refused:
        raise refused[0]
    return outcome


def file_complaint(ctx: ServiceContext, actor: Actor, subject: Subject, *, category: str,
                   description: str, key: str, reason: str = "") -> ActionResult:
    """Open a complaint in the technical queue, due by the category's SLA."""
    if category not in COMPLAINT_SLA_HOURS:
        raise ValidationFailed("unknown complaint category", field="category",
                               allowed=sorted(COMPLAINT_SLA_HOURS))
    text = " ".join(description.split())
    if not text or len(text) > 2000:
        raise ValidationFailed("description: 1..2000 characters", field="description")

    def change(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        due = now + timedelta(hours=COMPLAINT_SLA_HOURS[category])
        row = ComplaintRow(queue="tech", category=category, status="open",
                           msisdn=subject.msisdn, holder_key=subject.holder_key,
                           contact_id=subject.contact_id, description=text,
                           created_by=actor.user_id, created_at=now, due_at=due)
        uow.session.add(row)
        uow.session.flush()
        return {"complaint_id": row.id, "queue": "tech", "category": category,
                "due_at": due.isoformat()}

    request = Request(actor, subject, DeskAction.FILE_COMPLAINT, {"category": category},
                      reason, key)
    return perform(ctx, request, change)


def open_complaints(ctx: ServiceContext, *, queue: str = "tech",
                    limit: int = 200) -> list[dict[str, Any]]:
    """The technical queue's open complaints, soonest due first, with ``overdue``."""
    if not 1 <= limit <= 1000:
        raise ValidationFailed("limit must be 1..1000", field="limit")
    now = ctx.now()
    with ctx.uow() as uow:
        rows = uow.session.scalars(
            select(ComplaintRow).where(ComplaintRow.queue == queue,
                                       ComplaintRow.status == "open")
            .order_by(ComplaintRow.due_at, ComplaintRow.id).limit(limit)).all()
        return [{"id": r.id, "queue": r.queue, "category": r.category, "msisdn": r.msisdn,
                 "contact_id": r.contact_id, "description": r.description,
                 "created_by": r.created_by, "created_at": r.created_at.isoformat(),
                 "due_at": r.due_at.isoformat(), "overdue": r.due_at <= now}
                for r in rows]
