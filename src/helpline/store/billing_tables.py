"""Typed mappings of subscribers and billing (migration 0002), on the shared ``Base``.

Money columns are ``*_minor`` BIGINT kopecks. ``lines.money_minor`` always equals
``SUM(ledger_entries.amount_minor)`` of the line (checked by the tests after every
scenario); ledger entries are only ever inserted. Dates are calendar ``date`` values
in the operator's billing time zone; instants are UTC (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpline.store.tables import Base, BigId

Money = BigInteger


class TariffRow(Base):
    __tablename__ = "tariffs"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    monthly_fee_minor: Mapped[int] = mapped_column(Money)
    daily_fee_minor: Mapped[int] = mapped_column(Money)
    included_minutes: Mapped[int] = mapped_column(BigInteger, default=0)
    included_sms: Mapped[int] = mapped_column(BigInteger, default=0)
    included_mb: Mapped[int] = mapped_column(BigInteger, default=0)
    minute_rate_minor: Mapped[int] = mapped_column(Money, default=0)
    sms_rate_minor: Mapped[int] = mapped_column(Money, default=0)
    mb_rate_minor: Mapped[int] = mapped_column(Money, default=0)
    renew_package_available: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class CustomerRow(Base):
    """A holder. The document is kept only masked and as an HMAC lookup hash."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(32))
    document_masked: Mapped[str] = mapped_column(String(64))
    document_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_customers_document_hash", "document_hash"),)


class ContractRow(Base):
    __tablename__ = "contracts"

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    signed_on: Mapped[date]
    termination_requested_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    closed_on: Mapped[date | None]

    __table_args__ = (Index("ix_contracts_customer", "customer_id"),)


class LineRow(Base):
    """A phone line: its customer, tariff, billing state and money balance."""

    __tablename__ = "lines"

    msisdn: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    contract_number: Mapped[str | None] = mapped_column(ForeignKey("contracts.number"),
                                                        nullable=True)
    tariff_code: Mapped[str] = mapped_column(ForeignKey("tariffs.code"))
    status: Mapped[str] = mapped_column(String(16))
    block_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    billing_mode: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date]
    next_charge_date: Mapped[date]
    anchor_day: Mapped[int]
    discount_percent: Mapped[int] = mapped_column(default=0)
    services: Mapped[list[Any]] = mapped_column(JSON, default=list)
    unpaid_since: Mapped[date | None]
    last_renewed_at: Mapped[datetime | None]
    money_minor: Mapped[int] = mapped_column(Money, default=0)
    puk_code: Mapped[str] = mapped_column(String(16), default="")
    registered_on: Mapped[date]
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("money_minor >= 0", name="ck_lines_money_not_negative"),
        Index("ix_lines_customer", "customer_id"),
        Index("ix_lines_next_charge", "next_charge_date"),
    )


class PackageBucketRow(Base):
    """One package bucket; ``position`` keeps the domain's tuple order."""

    __tablename__ = "package_buckets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    msisdn: Mapped[str] = mapped_column(ForeignKey("lines.msisdn", ondelete="CASCADE"))
    position: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    expires_on: Mapped[date]

    __table_args__ = (Index("ix_package_buckets_msisdn", "msisdn", "position"),)


class LedgerEntryRow(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    msisdn: Mapped[str] = mapped_column(ForeignKey("lines.msisdn"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(Money)
    at: Mapped[datetime]
    description: Mapped[str] = mapped_column(Text)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        UniqueConstraint("msisdn", "idempotency_key", name="uq_ledger_msisdn_key"),
        Index("ix_ledger_msisdn_id", "msisdn", "id"),
    )


class RenewalReceiptRow(Base):
    """What a successful "renew package" did (its ledger entry is ``renewal:<key>``)."""

    __tablename__ = "renewal_receipts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    msisdn: Mapped[str] = mapped_column(ForeignKey("lines.msisdn"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    tariff_code: Mapped[str] = mapped_column(String(64))
    fee_minor: Mapped[int] = mapped_column(Money)
    renewed_at: Mapped[datetime]
    period_start: Mapped[date]
    next_charge_date: Mapped[date]
    carried_over: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expired_carried_over: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        UniqueConstraint("msisdn", "idempotency_key", name="uq_receipts_msisdn_key"),
    )


class SelfServiceRequestRow(Base):
    """The FIRST result of a self-service request (success or refusal) per
    (channel, idempotency key): a repeat returns it and charges nothing."""

    __tablename__ = "self_service_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    msisdn: Mapped[str] = mapped_column(String(16))
    operation: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("channel", "idempotency_key", name="uq_self_service_channel_key"),
        Index("ix_self_service_msisdn", "msisdn", "id"),
    )
