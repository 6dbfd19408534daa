"""Billing repository: rows <-> the pure billing and subscriber domain; never commits.

:meth:`BillingRepository.lock_account` takes the line row lock (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and
loads only what one request needs: the line, its tariff and buckets, and — only when
the request's idempotency key was already used — the ledger *suffix* starting at that
entry (so ``Ledger.opening_minor`` = money before it, never negative). Usually no
entry is loaded and ``opening_minor`` is the whole money balance.
:meth:`save` writes the difference between the loaded and the new account.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from helpline.domain.billing import (
    Account,
    Balances,
    BillingMode,
    BucketSource,
    EntryKind,
    Ledger,
    LedgerEntry,
    Line,
    LineStatus,
    PackageBucket,
    RenewalReceipt,
    Tariff,
    Unit,
)
from helpline.domain.clock import check_aware
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.subscribers.customers import (
    Contract,
    ContractKind,
    ContractStatus,
    Customer,
    DocumentType,
    IdentityDocument,
)
from helpline.store.billing_tables import (
    ContractRow,
    CustomerRow,
    LedgerEntryRow,
    LineRow,
    PackageBucketRow,
    RenewalReceiptRow,
    SelfServiceRequestRow,
    TariffRow,
)
from helpline.store.driver import driver_connection, postgres_sql, send_pipelined

_TARIFF_FIELDS = (
    "name", "monthly_fee_minor", "daily_fee_minor", "included_minutes", "included_sms",
    "included_mb", "minute_rate_minor", "sms_rate_minor", "mb_rate_minor",
    "renew_package_available",
)


@dataclass(frozen=True)
class LockedAccount:
    """An account loaded under its line lock, with the line's tariff."""

    account: Account
    tariff: Tariff
    customer_id: str


@dataclass(frozen=True)
class StoredRequest:
    """The first result stored for a self-service (channel, key)."""

    msisdn: str
    operation: str
    outcome: str
    result: dict[str, Any]


# -- conversions ---------------------------------------------------------------------------
def tariff_from_row(row: TariffRow) -> Tariff:
    return Tariff(code=row.code, **{name: getattr(row, name) for name in _TARIFF_FIELDS})


def line_from_row(row: LineRow) -> Line:
    return Line(
        msisdn=row.msisdn, tariff_code=row.tariff_code, period_start=row.period_start,
        next_charge_date=row.next_charge_date, anchor_day=row.anchor_day,
        billing_mode=BillingMode(row.billing_mode), status=LineStatus(row.status),
        block_reason=row.block_reason, discount_percent=row.discount_percent,
        services=frozenset(str(s) for s in row.services or ()),
        unpaid_since=row.unpaid_since, last_renewed_at=row.last_renewed_at,
    )


def line_values(line: Line) -> dict[str, Any]:
    """The ``lines`` columns the domain's :class:`Line` owns."""
    return {
        "tariff_code": line.tariff_code, "status": line.status.value,
        "block_reason": line.block_reason, "billing_mode": line.billing_mode.value,
        "period_start": line.period_start, "next_charge_date": line.next_charge_date,
        "anchor_day": line.anchor_day, "discount_percent": line.discount_percent,
        "services": sorted(line.services), "unpaid_since": line.unpaid_since,
        "last_renewed_at": line.last_renewed_at,
    }


def entry_from_row(row: LedgerEntryRow) -> LedgerEntry:
    return LedgerEntry(
        idempotency_key=row.idempotency_key, kind=EntryKind(row.kind),
        amount_minor=row.amount_minor, at=row.at, description=row.description,
        period_start=row.period_start, period_end=row.period_end,
        unit=Unit(row.unit) if row.unit else None, quantity=row.quantity,
    )


def _units_json(units: dict[Unit, int]) -> dict[str, Any]:
    return {unit.value: amount for unit, amount in sorted(units.items())}


def _units(raw: dict[str, Any] | None) -> dict[Unit, int]:
    return {Unit(k): int(v) for k, v in (raw or {}).items()}


def receipt_from_row(row: RenewalReceiptRow) -> RenewalReceipt:
    return RenewalReceipt(
        idempotency_key=row.idempotency_key, msisdn=row.msisdn, tariff_code=row.tariff_code,
        fee_minor=row.fee_minor, renewed_at=row.renewed_at, period_start=row.period_start,
        next_charge_date=row.next_charge_date, carried_over=_units(row.carried_over),
        expired_carried_over=_units(row.expired_carried_over),
    )


def contract_from_row(row: ContractRow) -> Contract:
    return Contract(
        number=row.number, kind=ContractKind(row.kind), signed_on=row.signed_on,
        status=ContractStatus(row.status), termination_requested_on=row.termination_requested_on,
        ends_on=row.ends_on, closed_on=row.closed_on,
    )


def _contract_values(contract: Contract) -> dict[str, Any]:
    return {
        "kind": contract.kind.value, "status": contract.status.value,
        "signed_on": contract.signed_on,
        "termination_requested_on": contract.termination_requested_on,
        "ends_on": contract.ends_on, "closed_on": contract.closed_on,
    }


# -- prebuilt statements of the hot path (built once; bound parameters only) --------------
_LINES = LineRow.__table__
_TARIFFS = TariffRow.__table__
_BUCKETS = PackageBucketRow.__table__
_LEDGER = LedgerEntryRow.__table__
_RECEIPTS = RenewalReceiptRow.__table__
_REQUESTS = SelfServiceRequestRow.__table__


@functools.lru_cache(maxsize=2)
def _account_stmt(lock: bool) -> Select[Any]:
    line_columns = ("msisdn", "customer_id", "tariff_code", "status", "block_reason",
                    "billing_mode", "period_start", "next_charge_date", "anchor_day",
                    "discount_percent", "services", "unpaid_since", "last_renewed_at",
                    "money_minor")
    stmt = (select(*[_LINES.c[name] for name in line_columns],
                   *[_TARIFFS.c[name] for name in ("code", *_TARIFF_FIELDS)])
            .join_from(_LINES, _TARIFFS, _LINES.c.tariff_code == _TARIFFS.c.code)
            .where(_LINES.c.msisdn == bindparam("msisdn")))
    return stmt.with_for_update(of=_LINES) if lock else stmt


_BUCKETS_STMT = (select(_BUCKETS.c.unit, _BUCKETS.c.source, _BUCKETS.c.amount,
                        _BUCKETS.c.expires_on)
                 .where(_BUCKETS.c.msisdn == bindparam("msisdn"))
                 .order_by(_BUCKETS.c.position))
_REQUEST_STMT = (select(_REQUESTS.c.msisdn, _REQUESTS.c.operation, _REQUESTS.c.outcome,
                        _REQUESTS.c.result)
                 .where(_REQUESTS.c.channel == bindparam("channel"),
                        _REQUESTS.c.idempotency_key == bindparam("key")))
_DELETE_BUCKETS = delete(_BUCKETS).where(_BUCKETS.c.msisdn == bindparam("msisdn"))


def _insert(table: Any, columns: Sequence[str]) -> Any:
    return insert(table).values({name: bindparam(name) for name in columns})


_INSERT_BUCKETS = _insert(_BUCKETS, ("msisdn", "position", "unit", "source", "amount",
                                     "expires_on"))
_INSERT_LEDGER = _insert(_LEDGER, ("msisdn", "idempotency_key", "kind", "amount_minor", "at",
                                   "description", "period_start", "period_end", "unit",
                                   "quantity"))
_INSERT_RECEIPTS = _insert(_RECEIPTS, ("msisdn", "idempotency_key", "tariff_code", "fee_minor",
                                       "renewed_at", "period_start", "next_charge_date",
                                       "carried_over", "expired_carried_over"))
_INSERT_REQUEST = _insert(_REQUESTS, ("channel", "idempotency_key", "msisdn", "operation",
                                      "outcome", "result", "created_at"))


_JSON_COLUMNS = frozenset({"services", "carried_over", "expired_carried_over", "result"})


def _driver_value(name: str, value: Any) -> Any:
    """What SQLAlchemy's column types would bind, for the raw driver path."""
    if name in _JSON_COLUMNS:
        return Json(value)
    if isinstance(value, datetime):
        check_aware(value, name)
    return value


@functools.lru_cache(maxsize=64)
def _update_line_stmt(columns: tuple[str, ...]) -> Any:
    """``UPDATE lines SET <columns> WHERE msisdn = :msisdn_key``, one per column set."""
    return (update(_LINES).where(_LINES.c.msisdn == bindparam("msisdn_key"))
            .values({name: bindparam(name) for name in columns}))


class BillingRepository:
    """Writes of the account hot path (:meth:`save`, :meth:`store_request`) are queued
    and sent by :meth:`flush` — which the unit of work calls before it commits, and
    every read calls first — in one round trip on PostgreSQL (psycopg pipeline)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[tuple[Any, list[dict[str, Any]]]] = []

    def _query(self, stmt: Any, params: dict[str, Any]) -> list[Any]:
        """Rows of a prebuilt SELECT with attribute access by column name; on
        PostgreSQL straight through the driver as a prepared statement."""
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            return list(conn.execute(stmt, params))
        with driver_connection(self.session).cursor(row_factory=namedtuple_row) as cursor:
            cursor.execute(postgres_sql(stmt), params, prepare=True)
            return cursor.fetchall()

    def _write(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        self._pending.append((stmt, rows))

    def flush(self) -> None:
        """Send the queued writes (in order)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        self.session.flush()  # rows added through the session go first
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            for stmt, rows in pending:
                conn.execute(stmt, rows if len(rows) > 1 else rows[0])
            return
        send_pipelined(self.session, [
            (postgres_sql(stmt), [{k: _driver_value(k, v) for k, v in row.items()}
                                  for row in rows])
            for stmt, rows in pending])

    # -- tariffs ------------------------------------------------------------------------
    def add_tariff(self, tariff: Tariff, now: datetime) -> None:
        self.flush()
        if self.session.get(TariffRow, tariff.code) is not None:
            raise Conflict("tariff already exists", code=tariff.code)
        values = {name: getattr(tariff, name) for name in _TARIFF_FIELDS}
        self.session.add(TariffRow(code=tariff.code, created_at=now, **values))

    def tariff(self, code: str) -> Tariff:
        self.flush()
        row = self.session.get(TariffRow, code)
        if row is None:
            raise NotFound("no such tariff", code=code)
        return tariff_from_row(row)

    def tariffs(self) -> list[Tariff]:
        self.flush()
        rows = self.session.scalars(select(TariffRow).order_by(TariffRow.code))
        return [tariff_from_row(r) for r in rows]

    # -- customers and contracts --------------------------------------------------------------
    def add_customer(self, customer: Customer, now: datetime) -> None:
        self.flush()
        self.session.add(CustomerRow(
            id=customer.id, full_name=customer.full_name,
            document_type=customer.document.type.value,
            document_masked=customer.document.masked,
            document_hash=customer.document.lookup_hash, created_at=now,
        ))
        self.session.flush()
        for contract in customer.contracts:
            self.add_contract(customer.id, contract)

    def add_contract(self, customer_id: str, contract: Contract) -> None:
        self.flush()
        if self.session.get(ContractRow, contract.number) is not None:
            raise Conflict("contract number already exists", contract=contract.number)
        self.session.add(ContractRow(number=contract.number, customer_id=customer_id,
                                     **_contract_values(contract)))

    def save_contract(self, contract: Contract) -> None:
        self.flush()
        self.session.execute(update(ContractRow).where(ContractRow.number == contract.number)
                             .values(**_contract_values(contract)))

    def customer(self, customer_id: str) -> Customer:
        self.flush()
        row = self.session.get(CustomerRow, customer_id)
        if row is None:
            raise NotFound("no such customer", customer_id=customer_id)
        contracts = self.session.scalars(select(ContractRow).where(
            ContractRow.customer_id == customer_id).order_by(ContractRow.number))
        document = IdentityDocument(DocumentType(row.document_type), row.document_masked,
                                    row.document_hash)
        return Customer(id=row.id, full_name=row.full_name, document=document,
                        contracts=[contract_from_row(c) for c in contracts])

    def customers_by_document(self, document_hash: str) -> list[str]:
        self.flush()
        return list(self.session.scalars(select(CustomerRow.id).where(
            CustomerRow.document_hash == document_hash).order_by(CustomerRow.id)))

    # -- lines --------------------------------------------------------------------------------
    def add_line(self, line: Line, *, customer_id: str, registered_on: date, now: datetime,
                 contract_number: str | None = None, puk_code: str = "") -> None:
        self.flush()
        if self.session.get(LineRow, line.msisdn) is not None:
            raise Conflict("line already exists", msisdn=line.msisdn)
        self.session.add(LineRow(
            msisdn=line.msisdn, customer_id=customer_id, contract_number=contract_number,
            money_minor=0, puk_code=puk_code, registered_on=registered_on, created_at=now,
            **line_values(line),
        ))
        self.session.flush()

    def line_row(self, msisdn: str) -> LineRow:
        self.flush()
        row = self.session.get(LineRow, msisdn)
        if row is None:
            raise NotFound("no such line", msisdn=msisdn)
        return row

    def lines_of_customer(self, customer_id: str) -> list[str]:
        self.flush()
        return list(self.session.scalars(select(LineRow.msisdn).where(
            LineRow.customer_id == customer_id).order_by(LineRow.msisdn)))

    def lines_on_same_document(self, msisdn: str) -> list[str]:
        """Every line whose customer has the same document hash as ``msisdn``'s customer
        (two customer records on one passport count together)."""
        self.flush()
        doc = (select(CustomerRow.document_hash).join(LineRow, LineRow.customer_id
                                                      == CustomerRow.id)
               .where(LineRow.msisdn == msisdn).scalar_subquery())
        stmt = (select(LineRow.msisdn).join(CustomerRow, LineRow.customer_id == CustomerRow.id)
                .where(CustomerRow.document_hash == doc).order_by(LineRow.msisdn))
        found = list(self.session.scalars(stmt))
        if not found:
            self.line_row(msisdn)  # raises NotFound
        return found

    def due_lines(self, on: date) -> list[str]:
        """Lines the nightly run of ``on`` must look at: active and due, or with an
        unpaid-period mark that the run clears."""
        self.flush()
        stmt = select(LineRow.msisdn).where(
            ((LineRow.status == LineStatus.ACTIVE.value) & (LineRow.next_charge_date <= on))
            | (LineRow.unpaid_since < on)
        ).order_by(LineRow.msisdn)
        return list(self.session.scalars(stmt))

    # -- accounts -----------------------------------------------------------------------------
    def lock_account(self, msisdn: str, *, ledger_keys: Collection[str] = (),
                     receipt_keys: Collection[str] = (), lock: bool = True) -> LockedAccount:
        """The account of ``msisdn`` under a row lock (see the module docstring).

        ``ledger_keys`` / ``receipt_keys``: idempotency keys the request may replay.
        """
        self.flush()
        found = self._query(_account_stmt(lock), {"msisdn": msisdn})
        if not found:
            raise NotFound("no such line", msisdn=msisdn)
        row = found[0]
        entries = self._ledger_suffix(msisdn, ledger_keys) if ledger_keys else []
        opening = row.money_minor - sum(e.amount_minor for e in entries)
        receipts: dict[str, RenewalReceipt] = {}
        if receipt_keys:
            receipts = {r.idempotency_key: receipt_from_row(r) for r in self.session.scalars(
                select(RenewalReceiptRow).where(
                    RenewalReceiptRow.msisdn == msisdn,
                    RenewalReceiptRow.idempotency_key.in_(list(receipt_keys))))}
        account = Account(
            line=line_from_row(row),
            balances=Balances(row.money_minor, self._buckets(msisdn)),
            ledger=Ledger(tuple(entries), opening),
            receipts=receipts,
        )
        return LockedAccount(account, tariff_from_row(row), row.customer_id)

    def _ledger_suffix(self, msisdn: str, keys: Collection[str]) -> list[LedgerEntry]:
        first = (select(func.min(LedgerEntryRow.id))
                 .where(LedgerEntryRow.msisdn == msisdn,
                        LedgerEntryRow.idempotency_key.in_(list(keys)))
                 .scalar_subquery())
        rows = self.session.scalars(select(LedgerEntryRow).where(
            LedgerEntryRow.msisdn == msisdn, LedgerEntryRow.id >= first
        ).order_by(LedgerEntryRow.id))
        return [entry_from_row(r) for r in rows]

    def _buckets(self, msisdn: str) -> tuple[PackageBucket, ...]:
        rows = self._query(_BUCKETS_STMT, {"msisdn": msisdn})
        return tuple(PackageBucket(Unit(unit), BucketSource(source), amount, expires_on)
                     for unit, source, amount, expires_on in rows)

    def save(self, before: Account, after: Account) -> list[LedgerEntry]:
        """Write what changed from ``before`` (as loaded) to ``after``; returns the new
        ledger entries. Entries are only ever inserted."""
        msisdn = before.line.msisdn
        if after.line.msisdn != msisdn:
            raise Conflict("an account cannot change its number", msisdn=msisdn)
        old = before.ledger.entries
        new = after.ledger.entries[len(old):]
        if after.ledger.entries[:len(old)] != old:
            raise Conflict("ledger entries are append-only", msisdn=msisdn)
        old_values = line_values(before.line)
        changed = {k: v for k, v in line_values(after.line).items() if old_values[k] != v}
        if after.money_minor != before.money_minor:
            changed["money_minor"] = after.money_minor
        if changed:
            self._write(_update_line_stmt(tuple(sorted(changed))),
                        [{**changed, "msisdn_key": msisdn}])
        if after.balances.buckets != before.balances.buckets:
            self._replace_buckets(msisdn, after.balances.buckets)
        if new:
            self._write(_INSERT_LEDGER, [
                {"msisdn": msisdn, "idempotency_key": e.idempotency_key, "kind": e.kind.value,
                 "amount_minor": e.amount_minor, "at": e.at, "description": e.description,
                 "period_start": e.period_start, "period_end": e.period_end,
                 "unit": e.unit.value if e.unit else None, "quantity": e.quantity}
                for e in new])
        receipts = [r for k, r in after.receipts.items() if k not in before.receipts]
        if receipts:
            self._write(_INSERT_RECEIPTS, [
                {"msisdn": msisdn, "idempotency_key": r.idempotency_key,
                 "tariff_code": r.tariff_code, "fee_minor": r.fee_minor,
                 "renewed_at": r.renewed_at, "period_start": r.period_start,
                 "next_charge_date": r.next_charge_date,
                 "carried_over": _units_json(r.carried_over),
                 "expired_carried_over": _units_json(r.expired_carried_over)}
                for r in receipts])
        return list(new)

    def _replace_buckets(self, msisdn: str, buckets: Sequence[PackageBucket]) -> None:
        self._write(_DELETE_BUCKETS, [{"msisdn": msisdn}])
        if buckets:
            self._write(_INSERT_BUCKETS, [
                {"msisdn": msisdn, "position": i, "unit": b.unit.value,
                 "source": b.source.value, "amount": b.amount, "expires_on": b.expires_on}
                for i, b in enumerate(buckets)])

    # -- reading the ledger -------------------------------------------------------------------
    def ledger_page(self, msisdn: str, *, limit: int,
                    before_id: int | None = None) -> list[tuple[int, LedgerEntry]]:
        """Newest first, at most ``limit`` entries with an id below ``before_id``."""
        self.flush()
        stmt = select(LedgerEntryRow).where(LedgerEntryRow.msisdn == msisdn)
        if before_id is not None:
            stmt = stmt.where(LedgerEntryRow.id < before_id)
        rows = self.session.scalars(stmt.order_by(LedgerEntryRow.id.desc()).limit(limit))
        return [(r.id, entry_from_row(r)) for r in rows]

    # -- self-service request results -----------------------------------------------------------
    def stored_request(self, channel: str, key: str) -> StoredRequest | None:
        self.flush()
        found = self._query(_REQUEST_STMT, {"channel": channel, "key": key})
        if not found:
            return None
        row = found[0]
        return StoredRequest(row.msisdn, row.operation, row.outcome, dict(row.result or {}))

    def store_request(self, *, channel: str, key: str, msisdn: str, operation: str,
                      outcome: str, result: dict[str, Any], now: datetime) -> None:
        self._write(_INSERT_REQUEST, [{
            "channel": channel, "idempotency_key": key, "msisdn": msisdn,
            "operation": operation, "outcome": outcome, "result": result, "created_at": now}])
