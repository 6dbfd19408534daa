"""Provisioning: tariffs, customers (holders) with contracts, and lines.

Documents arrive in plain form and leave this module only masked and as a keyed
hash (:class:`IdentityDocument`); ``document_key`` comes from
:func:`helpline.services.keys.document_key`. Every function is one transaction.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from helpline.domain.billing import Line, Tariff
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.subscribers.customers import (
    Contract,
    Customer,
    DocumentType,
    IdentityDocument,
    normalize_msisdn,
)
from helpline.services.context import ServiceContext

#: Digits of a generated PUK code.
PUK_DIGITS = 8


@dataclass(frozen=True)
class CustomerCard:
    """A customer with the numbers of its lines."""

    customer: Customer
    lines: tuple[str, ...]


def local_today(ctx: ServiceContext) -> date:
    """Today in the operator's billing time zone."""
    return ctx.now().astimezone(ctx.timezone).date()


def create_tariff(ctx: ServiceContext, tariff: Tariff) -> Tariff:
    """Add ``tariff``; :class:`Conflict` if its code exists."""
    with ctx.uow() as uow:
        uow.billing.add_tariff(tariff, ctx.now())
        try:
            uow.commit()
        except IntegrityError as error:
            raise Conflict("tariff already exists", code=tariff.code) from error
    return tariff


def list_tariffs(ctx: ServiceContext) -> list[Tariff]:
    with ctx.uow() as uow:
        return uow.billing.tariffs()


def create_customer(ctx: ServiceContext, *, full_name: str, document_type: DocumentType,
                    document_number: str, document_key: bytes,
                    contracts: Sequence[Contract] = ()) -> Customer:
    """Create a holder; the plain document number is masked and hashed, not kept."""
    document = IdentityDocument.from_plain(DocumentType(document_type), document_number,
                                           document_key)
    customer = Customer(id=str(uuid.uuid4()), full_name=full_name, document=document,
                        contracts=list(contracts))
    with ctx.uow() as uow:
        uow.billing.add_customer(customer, ctx.now())
        try:
            uow.commit()
        except IntegrityError as error:
            raise Conflict("customer or contract already exists") from error
    return customer


def get_customer(ctx: ServiceContext, customer_id: str) -> CustomerCard:
    with ctx.uow() as uow:
        customer = uow.billing.customer(customer_id)
        return CustomerCard(customer, tuple(uow.billing.lines_of_customer(customer_id)))


def find_customers(ctx: ServiceContext, document_type: DocumentType, document_number: str,
                   document_key: bytes) -> list[str]:
    """Ids of the customers registered on this document (by keyed hash)."""
    probe = IdentityDocument.from_plain(DocumentType(document_type), document_number,
                                        document_key)
    with ctx.uow() as uow:
        return uow.billing.customers_by_document(probe.lookup_hash)


def new_puk() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(PUK_DIGITS))


def create_line(ctx: ServiceContext, *, msisdn: str, customer_id: str, tariff_code: str,
                opened_on: date | None = None, discount_percent: int = 0,
                services: Iterable[str] = (), contract_number: str | None = None,
                puk_code: str | None = None) -> Line:
    """Open a monthly line with no money; its first fee is due on ``opened_on``
    (default: today), i.e. charged by that night's run after a top-up."""
    number = normalize_msisdn(msisdn)
    on = opened_on or local_today(ctx)
    line = Line.open(number, tariff_code, on, discount_percent=discount_percent,
                     services=frozenset(services))
    with ctx.uow() as uow:
        uow.billing.customer(customer_id)  # NotFound
        uow.billing.tariff(tariff_code)  # NotFound
        if contract_number is not None:
            contracts = {c.number for c in uow.billing.customer(customer_id).contracts}
            if contract_number not in contracts:
                raise NotFound("no such contract of this customer", contract=contract_number)
        uow.billing.add_line(line, customer_id=customer_id, registered_on=on, now=ctx.now(),
                             contract_number=contract_number, puk_code=puk_code or new_puk())
        try:
            uow.commit()
        except IntegrityError as error:
            raise Conflict("line already exists", msisdn=number) from error
    return line
