"""Builders and invariant checks for the billing integration tests.

Times are fixed: the clock stands at 09:00 UTC (12:00 in Europe/Moscow, the
context's billing zone), so "today" is the same calendar day in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text

from helpline.domain.billing import Account, Tariff
from helpline.domain.subscribers.customers import DocumentType
from helpline.services import billing, provisioning
from helpline.services.context import ServiceContext
from helpline.services.keys import document_key
from tests.unit.billing.builders import BASIC, SMART

KEY = document_key("tests-secret-key-that-is-long-enough-0123456789")
PASSPORT = "4510 123456"
__all__ = ["BASIC", "KEY", "SMART"]


def noon(day: date) -> datetime:
    """12:00 Moscow time on ``day``."""
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def add_tariff(ctx: ServiceContext, tariff: Tariff = SMART) -> None:
    if tariff.code not in {t.code for t in provisioning.list_tariffs(ctx)}:
        provisioning.create_tariff(ctx, tariff)


def add_customer(ctx: ServiceContext, passport: str = PASSPORT, name: str = "Иван Тестов") -> str:
    return provisioning.create_customer(ctx, full_name=name,
                                        document_type=DocumentType.PASSPORT_RF,
                                        document_number=passport, document_key=KEY).id


def add_line(ctx: ServiceContext, *, msisdn: str = "79990000001", tariff: Tariff = SMART,
             opened_on: date, money_minor: int = 0, charge: bool = True,
             customer_id: str | None = None, discount_percent: int = 0) -> str:
    """A line opened on ``opened_on`` with one top-up and (``charge``) that night's charge."""
    add_tariff(ctx, tariff)
    owner = customer_id or add_customer(ctx)
    provisioning.create_line(ctx, msisdn=msisdn, customer_id=owner, tariff_code=tariff.code,
                             opened_on=opened_on, discount_percent=discount_percent)
    if money_minor:
        billing.top_up(ctx, msisdn, money_minor, idempotency_key=f"opening-{msisdn}")
    if charge:
        billing.charge_line(ctx, msisdn, opened_on)
    return msisdn


def edit_account(ctx: ServiceContext, msisdn: str, change: object) -> None:
    """Apply ``change(account) -> account`` under the line lock (for states the tests
    need but no service makes, e.g. a lifted block)."""
    with ctx.uow() as uow:
        before = uow.billing.lock_account(msisdn).account
        after = change(before)  # type: ignore[operator]
        assert isinstance(after, Account)
        uow.billing.save(before, after)
        uow.commit()


def replace_line(**changes: object) -> object:
    return lambda account: replace(account, line=replace(account.line, **changes))


def ledger_mismatches(engine: Engine) -> list[tuple[str, int, int]]:
    """Lines whose money differs from SUM(ledger) — must always be empty."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT l.msisdn, l.money_minor, COALESCE(SUM(e.amount_minor), 0) AS total "
            "FROM lines l LEFT JOIN ledger_entries e ON e.msisdn = l.msisdn "
            "GROUP BY l.msisdn, l.money_minor "
            "HAVING l.money_minor <> COALESCE(SUM(e.amount_minor), 0)")).all()
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def money(engine: Engine, msisdn: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT money_minor FROM lines WHERE msisdn = :m"),
                                {"m": msisdn}).scalar_one())


def ledger_count(engine: Engine, msisdn: str, kind: str | None = None) -> int:
    sql = "SELECT COUNT(*) FROM ledger_entries WHERE msisdn = :m"
    if kind:
        sql += " AND kind = :k"
    with engine.connect() as conn:
        return int(conn.execute(text(sql), {"m": msisdn, "k": kind}).scalar_one())


def running_balances(engine: Engine, msisdn: str) -> list[int]:
    """The money after each ledger entry, in insertion order."""
    with engine.connect() as conn:
        amounts = conn.execute(text("SELECT amount_minor FROM ledger_entries WHERE msisdn = :m "
                                    "ORDER BY id"), {"m": msisdn}).scalars().all()
    total, out = 0, []
    for amount in amounts:
        total += int(amount)
        out.append(total)
    return out


@pytest.fixture(autouse=True)
def ledger_equals_money(engine: Engine) -> Iterator[None]:
    """After every test of a module that imports it: SUM(ledger) == lines.money_minor."""
    yield
    assert ledger_mismatches(engine) == []
