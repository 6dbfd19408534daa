"""Caller verification per conversation, stored in ``desk_verifications``.

The subject of a conversation is a *holder*: the document (its lookup hash) of the
customer whose line the agent is looking at — the caller's own number by default, or
a number the agent looked up. Every line on that document counts as the holder's, so
a caller who proved the passport may act on all the numbers registered on it (seed 004:
"block them all").

Steps (each one transaction, each audited, the entered document or code never kept):

* number matched — automatic whenever the conversation's number (``customer_phone``)
  is a line on the holder's document; ``match_number`` runs it on request too;
* document verified — the agent types what the caller said; compared by keyed hash
  under :func:`helpline.services.keys.document_key` (the key the documents were hashed
  with at provisioning);
* one-time code — :func:`issue_code` sends a code by SMS to the line (only after the
  document); the SMS record keeps the text with the code masked, the plain code goes to
  the delivery port (``CodeSender``) after commit; only its HMAC (same key) is stored.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.domain.contacts import Contact
from helpline.domain.errors import HelplineError, NotFound
from helpline.domain.subscribers.customers import (
    MASK,
    IdentityDocument,
    mask_msisdn,
    normalize_msisdn,
)
from helpline.domain.subscribers.errors import InvalidMsisdn
from helpline.domain.subscribers.verification import (
    CodeCheck,
    OneTimeCode,
    VerificationLevel,
    VerificationState,
)
from helpline.services import desk
from helpline.services.audit import Actor, VerificationStep, record_step
from helpline.services.context import ServiceContext
from helpline.store.desk_tables import DeskCodeMessageRow, DeskVerificationRow
from helpline.store.uow import UnitOfWork, with_retries

T = TypeVar("T")
#: What one verification step did: its outcome and rows to add in its transaction.
StepRun = Callable[[VerificationState, datetime], tuple[str, list[DeskCodeMessageRow]]]

#: Sends an SMS: ``(msisdn, text)``. The desk's one-time codes go through it.
CodeSender = Callable[[str, str], None]

CODE_SMS = {
    "ru": "Код для оператора: {code}. Назовите его только оператору на линии.",
    "en": "Code for the operator: {code}. Tell it only to the operator on the line.",
}


class LineNotFound(NotFound):
    """No line matches the number (the caller's or the one looked up)."""

    error_id = "line_not_found"


@dataclass(frozen=True)
class Subject:
    """Who the agent is looking at in a conversation."""

    contact_id: str
    caller_msisdn: str | None
    msisdn: str
    customer_id: str
    holder_key: str
    full_name: str
    document: IdentityDocument
    lines: tuple[str, ...]


@dataclass(frozen=True)
class StepResult:
    step: VerificationStep
    outcome: str
    level: VerificationLevel
    audit_id: int
    attempts_left: int | None = None
    sent_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step.value, "outcome": self.outcome, "level": self.level.slug,
                "audit_id": self.audit_id, "attempts_left": self.attempts_left,
                "sent_to": self.sent_to}


def caller_number(contact: Contact) -> str | None:
    try:
        return normalize_msisdn(contact.customer_phone) if contact.customer_phone else None
    except InvalidMsisdn:
        return None


def resolve(ctx: ServiceContext, actor: Actor, contact_id: str,
            msisdn: str | None = None) -> Subject:
    """The subject for ``contact_id`` (which the actor must be allowed to see)."""
    contact = desk.check_can_see(ctx, actor.user_id, contact_id)
    caller = caller_number(contact)
    target = normalize_msisdn(msisdn) if msisdn else caller
    if target is None:
        raise LineNotFound("the caller's number is hidden or not a phone number; look it up",
                           contact_id=contact_id)
    with ctx.uow() as uow:
        try:
            row = uow.billing.line_row(target)
        except NotFound:
            raise LineNotFound("no line with this number", msisdn=mask_msisdn(target)) from None
        customer = uow.billing.customer(row.customer_id)
        lines = tuple(uow.billing.lines_on_same_document(target))
    return Subject(contact_id, caller, target, customer.id, customer.document.lookup_hash,
                   customer.full_name, customer.document, lines)


# -- state in the store ---------------------------------------------------------------------
def load_state(session: Session, contact_id: str, holder_key: str, *,
               lock: bool = False) -> VerificationState:
    row = _row(session, contact_id, holder_key, lock=lock)
    state = VerificationState(contact_id, holder_key)
    if row is None:
        return state
    state.obtained = {VerificationLevel.from_slug(k): datetime.fromisoformat(v)
                      for k, v in (row.obtained or {}).items()}
    state.document_failures = row.document_failures
    state.codes_issued = row.codes_issued
    if row.code_hash and row.code_msisdn and row.code_issued_at and row.code_expires_at:
        state.pending_code = OneTimeCode(row.code_msisdn, row.code_hash, row.code_issued_at,
                                         row.code_expires_at, row.code_attempts_left)
    return state


def _row(session: Session, contact_id: str, holder_key: str, *,
         lock: bool) -> DeskVerificationRow | None:
    stmt = select(DeskVerificationRow).where(DeskVerificationRow.contact_id == contact_id,
                                             DeskVerificationRow.holder_key == holder_key)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def save_state(session: Session, state: VerificationState, now: datetime) -> None:
    row = _row(session, state.conversation_id, state.customer_id, lock=False)
    if row is None:
        row = DeskVerificationRow(contact_id=state.conversation_id,
                                  holder_key=state.customer_id)
        session.add(row)
    row.obtained = {level.slug: at.isoformat() for level, at in sorted(state.obtained.items())}
    row.document_failures = state.document_failures
    row.codes_issued = state.codes_issued
    code = state.pending_code
    row.code_msisdn = code.msisdn if code else None
    row.code_hash = code.code_hash if code else None
    row.code_issued_at = code.issued_at if code else None
    row.code_expires_at = code.expires_at if code else None
    row.code_attempts_left = code.attempts_left if code else 0
    row.updated_at = now
    session.flush()


def auto_match(session: Session, state: VerificationState, subject: Subject, actor: Actor,
               now: datetime) -> bool:
    """Grant ``number_matched`` (and audit it once) when the conversation's number is a
    line on the holder's document. Returns whether the state changed."""
    if VerificationLevel.NUMBER_MATCHED in state.obtained:
        return False
    if not state.match_number(subject.caller_msisdn, subject.lines, now):
        return False
    save_state(session, state, now)
    record_step(session, actor=actor, step=VerificationStep.MATCH_NUMBER,
                msisdn=subject.caller_msisdn, contact_id=subject.contact_id,
                params={"caller_msisdn": subject.caller_msisdn, "automatic": True},
                level=state.level(now), outcome="matched", at=now)
    return True


def in_transaction(ctx: ServiceContext, work: Callable[[UnitOfWork], T]) -> T:
    """Run ``work`` in one transaction; again on a deadlock, or once more when two
    requests created the same verification row at once."""
    def attempt() -> T:
        with ctx.uow() as uow:
            return work(uow)

    try:
        return with_retries(attempt)
    except IntegrityError:
        return with_retries(attempt)


def current_level(ctx: ServiceContext, actor: Actor, subject: Subject) -> VerificationLevel:
    """The caller's level now (runs the automatic number match first)."""
    def work(uow: UnitOfWork) -> VerificationLevel:
        now = ctx.now()
        state = load_state(uow.session, subject.contact_id, subject.holder_key, lock=True)
        if auto_match(uow.session, state, subject, actor, now):
            uow.commit()
        return state.level(now)

    return in_transaction(ctx, work)


# -- steps ------------------------------------------------------------------------------
def _step(ctx: ServiceContext, actor: Actor, subject: Subject, step: VerificationStep,
          run: StepRun) -> StepResult:
    """Load the state under lock, run one step, save, audit, commit. A domain error of
    the step is audited (outcome = its error id) and raised after the commit."""
    failure: list[HelplineError] = []

    def work(uow: UnitOfWork) -> StepResult:
        failure.clear()
        now = ctx.now()
        state = load_state(uow.session, subject.contact_id, subject.holder_key, lock=True)
        auto_match(uow.session, state, subject, actor, now)
        try:
            outcome, rows = run(state, now)
        except HelplineError as error:
            failure.append(error)
            outcome, rows = error.error_id, []
        save_state(uow.session, state, now)
        params: dict[str, str | int | bool | None] = {
            "line_msisdn": subject.msisdn, "attempts": state.document_failures}
        if step in (VerificationStep.ISSUE_CODE, VerificationStep.ENTER_CODE):
            params = {"line_msisdn": subject.msisdn, "codes_count": state.codes_issued}
        audit_id = record_step(uow.session, actor=actor, step=step, msisdn=subject.msisdn,
                               contact_id=subject.contact_id, params=params,
                               level=state.level(now), outcome=outcome, at=now)
        uow.session.add_all(rows)
        uow.commit()
        code = state.pending_code
        return StepResult(step, outcome, state.level(now), audit_id,
                          attempts_left=code.attempts_left if code else None,
                          sent_to=mask_msisdn(subject.msisdn)
                          if step is VerificationStep.ISSUE_CODE and not failure else None)

    result = in_transaction(ctx, work)
    if failure:
        raise failure[0]
    return result


def match_number(ctx: ServiceContext, actor: Actor, subject: Subject) -> StepResult:
    """Check the conversation's number against the holder's lines (on request)."""
    def run(state: VerificationState, now: datetime) -> tuple[str, list[DeskCodeMessageRow]]:
        matched = state.match_number(subject.caller_msisdn, subject.lines, now)
        return ("matched" if matched else "not_matched"), []

    return _step(ctx, actor, subject, VerificationStep.MATCH_NUMBER, run)


def verify_document(ctx: ServiceContext, actor: Actor, subject: Subject, entered: str,
                    key: bytes) -> StepResult:
    """Compare the document the caller said with the holder's (keyed hash)."""
    def run(state: VerificationState, now: datetime) -> tuple[str, list[DeskCodeMessageRow]]:
        ok = state.verify_document(subject.document, entered, key, now)
        return ("verified" if ok else "wrong"), []

    return _step(ctx, actor, subject, VerificationStep.VERIFY_DOCUMENT, run)


def issue_code(ctx: ServiceContext, actor: Actor, subject: Subject, key: bytes,
               send: CodeSender, *, language: str = "ru",
               randbelow: Callable[[int], int] = secrets.randbelow) -> StepResult:
    """Send a one-time code by SMS to the subject line (needs ``document_verified``)."""
    template = CODE_SMS.get(language, CODE_SMS["ru"])
    issued: list[str] = []

    def run(state: VerificationState, now: datetime) -> tuple[str, list[DeskCodeMessageRow]]:
        issued.clear()
        issued.append(state.issue_code(msisdn=subject.msisdn, key=key, randbelow=randbelow,
                                       now=now))
        row = DeskCodeMessageRow(msisdn=subject.msisdn, contact_id=subject.contact_id,
                                 body_masked=template.format(code=MASK), created_at=now)
        return "sent", [row]

    result = _step(ctx, actor, subject, VerificationStep.ISSUE_CODE, run)
    send(subject.msisdn, template.format(code=issued[0]))
    return result


def enter_code(ctx: ServiceContext, actor: Actor, subject: Subject, entered: str,
               key: bytes) -> StepResult:
    """Check the code the caller read out."""
    def run(state: VerificationState, now: datetime) -> tuple[str, list[DeskCodeMessageRow]]:
        check: CodeCheck = state.enter_code(entered, key, now)
        return check.value, []

    return _step(ctx, actor, subject, VerificationStep.ENTER_CODE, run)


def log_code_sender(msisdn: str, text: str) -> None:
    """Demo delivery port: the SMS goes to the server log (there is no SMS gateway in a
    demo). Never used outside demo mode."""
    logging.getLogger("helpline.sms").warning("demo SMS to %s: %s", msisdn, text)


class SmsUnavailable(HelplineError):
    """No SMS delivery is configured for one-time codes."""

    error_id = "sms_unavailable"
    http_status = 503

