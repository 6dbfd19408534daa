"""Provisioning REST API under /api/v1: tariffs, customers, lines, money, renewals.

Who: reads (tariffs, customers, balances, ledger, quote) — any signed-in staff;
changes (create, top up, record usage, renew on behalf) — admin or supervisor;
the nightly charge run — admin only. Bearer token or session cookie.
Money posts answer 201 when done now and 200 when the idempotency key was already
used (nothing changed). A refused renewal is 409 ``renewal_refused`` with the stable
``details.code``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from helpline.domain.agents import Role
from helpline.domain.billing import RenewalRefused
from helpline.domain.errors import PermissionDenied, ValidationFailed
from helpline.domain.subscribers.customers import Contract
from helpline.services import billing, provisioning
from helpline.services.keys import document_key
from helpline.store.repositories import Account
from helpline.web.auth import CurrentAccount, ctx_of
from helpline.web.provisioning_schemas import (
    BalanceOut,
    ChargeRunIn,
    ChargeRunOut,
    CustomerIn,
    CustomerOut,
    EntryOut,
    Language,
    LineIn,
    PostingOut,
    QuoteOut,
    RenewalOut,
    RenewIn,
    TariffIn,
    TariffOut,
    TopUpIn,
    UsageIn,
)

router = APIRouter(prefix="/api/v1", tags=["provisioning"])
WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def _writer(account: CurrentAccount) -> Account:
    if account.role not in WRITERS:
        raise PermissionDenied("admins and supervisors only")
    return account


def _admin(account: CurrentAccount) -> Account:
    if account.role is not Role.ADMIN:
        raise PermissionDenied("admins only")
    return account


Writer = Annotated[Account, Depends(_writer)]
Admin = Annotated[Account, Depends(_admin)]
Msisdn = Annotated[str, Path(min_length=1, max_length=32, description="e.g. 79161234567")]
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                 max_length=120)]


def _key(header: str | None, body: str | None) -> str:
    """The idempotency key from the header or the body (required; equal if both)."""
    if header is not None and body is not None and header != body:
        raise ValidationFailed("Idempotency-Key header and body idempotency_key differ",
                               field="idempotency_key")
    key = header if header is not None else body
    if key is None:
        raise ValidationFailed("an idempotency key is required (Idempotency-Key header or "
                               "body idempotency_key)", field="idempotency_key")
    return key


def _status(response: Response, replayed: bool) -> None:
    response.status_code = 200 if replayed else 201


@router.post("/tariffs", status_code=201)
def create_tariff(body: TariffIn, account: Writer, request: Request) -> TariffOut:
    return TariffOut.of(provisioning.create_tariff(ctx_of(request), body.to_domain()))


@router.get("/tariffs")
def list_tariffs(account: CurrentAccount, request: Request) -> list[TariffOut]:
    return [TariffOut.of(t) for t in provisioning.list_tariffs(ctx_of(request))]


@router.post("/customers", status_code=201)
def create_customer(body: CustomerIn, account: Writer, request: Request) -> CustomerOut:
    """The document number is stored only masked and as a keyed (HMAC) hash."""
    ctx = ctx_of(request)
    contracts = [Contract(**c.model_dump()) for c in body.contracts]
    customer = provisioning.create_customer(
        ctx, full_name=body.full_name, document_type=body.document_type,
        document_number=body.document_number, contracts=contracts,
        document_key=document_key(request.app.state.container.settings.secret_key))
    return CustomerOut.of(provisioning.CustomerCard(customer, ()))


@router.get("/customers/{customer_id}")
def get_customer(customer_id: Annotated[str, Path(max_length=36)], account: CurrentAccount,
                 request: Request) -> CustomerOut:
    return CustomerOut.of(provisioning.get_customer(ctx_of(request), customer_id))


@router.post("/lines", status_code=201)
def create_line(body: LineIn, account: Writer, request: Request) -> BalanceOut:
    ctx = ctx_of(request)
    line = provisioning.create_line(
        ctx, msisdn=body.msisdn, customer_id=body.customer_id, tariff_code=body.tariff_code,
        opened_on=body.opened_on, discount_percent=body.discount_percent,
        services=body.services, contract_number=body.contract_number)
    return BalanceOut.of(billing.balances(ctx, line.msisdn))


@router.get("/lines/{msisdn}")
def get_balances(msisdn: Msisdn, account: CurrentAccount, request: Request) -> BalanceOut:
    """Money and package remainders usable today, per unit and source."""
    return BalanceOut.of(billing.balances(ctx_of(request), msisdn))


@router.get("/lines/{msisdn}/ledger")
def get_ledger(msisdn: Msisdn, account: CurrentAccount, request: Request,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None
               ) -> list[EntryOut]:
    """Newest first; the next page: ``before_id`` = the last id seen."""
    lines = billing.ledger(ctx_of(request), msisdn, limit=limit, before_id=before_id)
    return [EntryOut.of_line(line) for line in lines]


@router.get("/lines/{msisdn}/same-document")
def same_document(msisdn: Msisdn, account: CurrentAccount,
                  request: Request) -> dict[str, int | list[str]]:
    """Every number registered on the holder's document (seed 004)."""
    lines = billing.lines_on_same_document(ctx_of(request), msisdn)
    return {"count": len(lines), "lines": lines}


@router.post("/lines/{msisdn}/top-ups", status_code=201)
def top_up(msisdn: Msisdn, body: TopUpIn, account: Writer, request: Request,
           response: Response, idempotency_key: IdempotencyHeader = None) -> PostingOut:
    posted = billing.top_up(ctx_of(request), msisdn, body.amount_minor,
                            idempotency_key=_key(idempotency_key, body.idempotency_key))
    _status(response, posted.replayed)
    return PostingOut.of(posted)


@router.post("/lines/{msisdn}/usage", status_code=201)
def record_usage(msisdn: Msisdn, body: UsageIn, account: Writer, request: Request,
                 response: Response, idempotency_key: IdempotencyHeader = None) -> PostingOut:
    """Carried-over units first, then the tariff package, bonuses, then money."""
    rated = billing.record_usage(ctx_of(request), msisdn, body.unit, body.quantity,
                                 idempotency_key=_key(idempotency_key, body.idempotency_key))
    _status(response, rated.replayed)
    return PostingOut.of(rated)


@router.get("/lines/{msisdn}/renewal-quote")
def renewal_quote(msisdn: Msisdn, account: CurrentAccount, request: Request,
                  language: Language = "ru") -> QuoteOut:
    """What "renew package" would charge and carry over now, or why it is refused."""
    return QuoteOut.of(billing.quote(ctx_of(request), msisdn), language)


@router.post("/lines/{msisdn}/renewals", status_code=201)
def renew(msisdn: Msisdn, body: RenewIn, account: Writer, request: Request,
          response: Response, idempotency_key: IdempotencyHeader = None) -> RenewalOut:
    """Renew on the subscriber's behalf (channel ``api``). Refused: 409
    ``renewal_refused`` with ``details.code`` (see README for the check order)."""
    result = billing.renew(ctx_of(request), msisdn, channel="api",
                           idempotency_key=_key(idempotency_key, body.idempotency_key),
                           confirmed=body.confirmed)
    if result.refusal is not None:
        raise RenewalRefused(result.message(body.language), code=result.refusal.value,
                             fee_minor=result.fee_minor, money_minor=result.money_minor,
                             replayed=result.replayed)
    _status(response, result.replayed)
    return RenewalOut.of(result, body.language)


@router.post("/billing/charge-runs")
def run_charges(body: ChargeRunIn, account: Admin, request: Request) -> ChargeRunOut:
    """The nightly charge for ``date`` over every due line (idempotent per line and date)."""
    return ChargeRunOut.of(billing.run_charges(ctx_of(request), body.on))
