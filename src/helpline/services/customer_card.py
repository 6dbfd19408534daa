"""The customer card beside a conversation: what the agent may see at the caller's level.

Sections and the level they need (:data:`REQUIRED_LEVEL` of the domain):

* basic (``none``): the holder's name and masked document, the line's tariff and status;
* balances (``number_matched``): money, package remainders, enabled services;
* ledger, contracts with their findings and debts, and every line registered on the
  same document (each with tariff, status, money, remainders, services) —
  ``document_verified``. Many lines on one document (:data:`MANY_LINES`, seed 004's
  ten numbers) are flagged.

A view that shows a document-level section is audited once per section, line and
conversation after each verification (not on every refresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from helpline.domain.billing import EntryKind
from helpline.domain.billing.lines import NON_PAYMENT
from helpline.domain.subscribers.customers import (
    Contract,
    ContractCharge,
    review_contracts,
)
from helpline.domain.subscribers.verification import (
    REQUIRED_LEVEL,
    DeskAction,
    VerificationLevel,
)
from helpline.services import billing
from helpline.services.audit import Actor, already_recorded, record_action
from helpline.services.billing_results import BalanceView
from helpline.services.context import ServiceContext
from helpline.services.verification import (
    LineNotFound,
    Subject,
    current_level,
    in_transaction,
    load_state,
    resolve,
)
from helpline.store.uow import UnitOfWork

#: From this many lines on one document the card warns (seed 004: "more than 10 numbers").
MANY_LINES = 5
#: Ledger entries shown on the card.
LEDGER_ROWS = 10
#: Document-level sections whose views are audited.
AUDITED_VIEWS = (DeskAction.VIEW_LEDGER, DeskAction.VIEW_CONTRACTS,
                 DeskAction.VIEW_LINES_ON_DOCUMENT)
VIEW_REASON = "card view"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def balance_json(view: BalanceView, *, with_money: bool) -> dict[str, Any]:
    basic: dict[str, Any] = {
        "msisdn": view.msisdn, "tariff_code": view.tariff_code, "tariff_name": view.tariff_name,
        "status": view.status, "block_reason": view.block_reason,
        "renew_package_available": view.renew_package_available,
    }
    if with_money:
        basic.update({
            "billing_mode": view.billing_mode, "money_minor": view.money_minor,
            "next_charge_date": _day(view.next_charge_date),
            "discount_percent": view.discount_percent, "services": list(view.services),
            "packages": [{"unit": p.unit.value, "source": p.source.value, "amount": p.amount,
                          "expires_on": _day(p.expires_on)} for p in view.packages],
        })
    return basic


def _contract_json(contract: Contract) -> dict[str, Any]:
    return {"number": contract.number, "kind": contract.kind.value,
            "status": contract.status.value, "signed_on": _day(contract.signed_on),
            "termination_requested_on": _day(contract.termination_requested_on),
            "ends_on": _day(contract.ends_on), "closed_on": _day(contract.closed_on)}


@dataclass(frozen=True)
class ContractsPart:
    contracts: list[dict[str, Any]]
    findings: list[dict[str, Any]]


def _contracts(ctx: ServiceContext, subject: Subject, today: date) -> ContractsPart:
    """Contracts of every customer record on the document, reviewed against the
    charges posted to the lines of each contract (seed 004's debt)."""
    with ctx.uow() as uow:
        contracts: list[Contract] = []
        for customer_id in uow.billing.customers_by_document(subject.holder_key):
            contracts.extend(uow.billing.customer(customer_id).contracts)
        charges: list[ContractCharge] = []
        for msisdn in subject.lines:
            row = uow.billing.line_row(msisdn)
            if row.contract_number is None:
                continue
            for _, entry in uow.billing.ledger_page(msisdn, limit=500):
                if entry.kind is EntryKind.CHARGE and entry.amount_minor < 0:
                    on = entry.period_start or entry.at.astimezone(ctx.timezone).date()
                    charges.append(ContractCharge(row.contract_number, on, -entry.amount_minor))
    findings = review_contracts(contracts, charges, today)
    return ContractsPart(
        [_contract_json(c) for c in sorted(contracts, key=lambda c: c.number)],
        [{"kind": f.kind.value, "contract_number": f.contract_number,
          "ends_on": _day(f.ends_on), "amount_minor": f.amount_minor,
          "charge_count": f.charge_count} for f in findings])


def _ledger(ctx: ServiceContext, msisdn: str) -> list[dict[str, Any]]:
    return [{"id": line.id, "at": line.entry.at.isoformat(), "kind": line.entry.kind.value,
             "amount_minor": line.entry.amount_minor, "description": line.entry.description,
             "period_start": _day(line.entry.period_start),
             "period_end": _day(line.entry.period_end)}
            for line in billing.ledger(ctx, msisdn, limit=LEDGER_ROWS)]


def _audit_views(ctx: ServiceContext, actor: Actor, subject: Subject,
                 level: VerificationLevel) -> None:
    def work(uow: UnitOfWork) -> None:
        now = ctx.now()
        state = load_state(uow.session, subject.contact_id, subject.holder_key)
        since = state.obtained_at(now) or now
        wrote = False
        for action in AUDITED_VIEWS:
            if already_recorded(uow.session, contact_id=subject.contact_id,
                                msisdn=subject.msisdn, action=action.value, since=since):
                continue
            record_action(uow.session, actor=actor, action=action, msisdn=subject.msisdn,
                          contact_id=subject.contact_id,
                          params={"lines_count": len(subject.lines)}, level=level,
                          reason=VIEW_REASON, outcome="shown", at=now)
            wrote = True
        if wrote:
            uow.commit()

    in_transaction(ctx, work)


def card(ctx: ServiceContext, actor: Actor, contact_id: str,
         msisdn: str | None = None) -> dict[str, Any]:
    """The card of the holder of ``msisdn`` (default: the conversation's number).

    ``found`` is false when no line matches; sections the level does not allow are
    ``None`` and listed in ``hidden`` with the level they need.
    """
    try:
        subject = resolve(ctx, actor, contact_id, msisdn)
    except LineNotFound as error:
        return {"found": False, "contact_id": contact_id, "message": error.message}
    level = current_level(ctx, actor, subject)

    def allowed(action: DeskAction) -> bool:
        return level >= REQUIRED_LEVEL[action]

    focus = billing.balances(ctx, subject.msisdn)
    today = billing.local_now(ctx).date()
    body: dict[str, Any] = {
        "found": True, "contact_id": contact_id, "caller_msisdn": subject.caller_msisdn,
        "msisdn": subject.msisdn, "is_caller_line": subject.msisdn == subject.caller_msisdn,
        "level": level.slug, "level_rank": int(level),
        "required": {a.value: REQUIRED_LEVEL[a].slug for a in DeskAction},
        "allowed": {a.value: allowed(a) for a in DeskAction},
        "holder": {"full_name": subject.full_name, "document_type": subject.document.type.value,
                   "document_masked": subject.document.masked},
        "line": balance_json(focus, with_money=allowed(DeskAction.VIEW_BALANCE)),
        "ledger": None, "lines_on_document": None, "contracts": None, "findings": None,
        "debts": None,
        "hidden": {a.value: REQUIRED_LEVEL[a].slug
                   for a in (DeskAction.VIEW_BALANCE, *AUDITED_VIEWS) if not allowed(a)},
    }
    if allowed(DeskAction.VIEW_LEDGER):
        body["ledger"] = _ledger(ctx, subject.msisdn)
    if allowed(DeskAction.VIEW_LINES_ON_DOCUMENT):
        views = [focus if n == subject.msisdn else billing.balances(ctx, n)
                 for n in subject.lines]
        body["lines_on_document"] = {
            "count": len(views), "many": len(views) >= MANY_LINES, "threshold": MANY_LINES,
            "lines": [balance_json(v, with_money=True) for v in views]}
        body["debts"] = [{"msisdn": v.msisdn, "kind": "blocked_non_payment"}
                         for v in views if v.block_reason == NON_PAYMENT]
    if allowed(DeskAction.VIEW_CONTRACTS):
        part = _contracts(ctx, subject, today)
        body["contracts"], body["findings"] = part.contracts, part.findings
        body["debts"] = (body["debts"] or []) + [
            {"contract_number": f["contract_number"], "kind": f["kind"],
             "amount_minor": f["amount_minor"]}
            for f in part.findings if f["kind"] == "charged_after_end"]
    if level >= VerificationLevel.DOCUMENT_VERIFIED:
        _audit_views(ctx, actor, subject, level)
    return body

