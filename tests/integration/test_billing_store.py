"""Billing persistence on SQLite and PostgreSQL: schema, round trip, documents."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from helpline.domain.billing import (
    BucketSource,
    Unit,
    grant_bonus_package,
    lift_block,
)
from helpline.domain.billing.renewal import renewal_ledger_key
from helpline.domain.subscribers.customers import DocumentType, document_hash
from helpline.services import billing, provisioning
from helpline.services.context import ServiceContext
from helpline.store.migrate import include_name
from helpline.store.tables import Base
from tests.conftest import ManualClock
from tests.integration.billing_helpers import (
    KEY,
    add_customer,
    add_line,
    edit_account,
    ledger_equals_money,
    noon,
)

__all__ = ["ledger_equals_money"]
MSISDN = "79990000001"


def test_migrations_match_the_mappings(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        assert compare_metadata(context, Base.metadata) == []


def test_account_round_trip(ctx: ServiceContext, clock: ManualClock) -> None:
    clock.now = noon(date(2026, 1, 31))
    add_line(ctx, opened_on=date(2026, 1, 31), money_minor=110000)
    edit_account(ctx, MSISDN, lambda a: grant_bonus_package(
        a, Unit.SMS, 50, expires_on=date(2026, 6, 1), idempotency_key="bonus-1",
        now=clock.now).account)
    billing.record_usage(ctx, MSISDN, Unit.MB, 100, idempotency_key="data-1")
    clock.now = noon(date(2026, 2, 10))
    result = billing.renew(ctx, MSISDN, channel="ussd", idempotency_key="s1", confirmed=True)

    with ctx.uow() as uow:
        loaded = uow.billing.lock_account(
            MSISDN, ledger_keys=[renewal_ledger_key("ussd:s1")], receipt_keys=["ussd:s1"])
    account = loaded.account
    assert loaded.tariff.code == "smart"
    assert account.money_minor == 10000
    # the ledger suffix starts at the renewal: opening = money before it
    assert [e.idempotency_key for e in account.ledger.entries] == ["renewal:ussd:s1"]
    assert account.ledger.opening_minor == 60000
    receipt = account.receipts["ussd:s1"]
    assert (receipt.fee_minor, receipt.next_charge_date) == (50000, result.next_charge_date)
    assert receipt.carried_over == {Unit.MINUTES: 300, Unit.SMS: 100, Unit.MB: 10140}
    buckets = {(b.unit, b.source): b.amount for b in account.balances.buckets}
    assert buckets[(Unit.SMS, BucketSource.BONUS)] == 50
    assert buckets[(Unit.MB, BucketSource.CARRIED_OVER)] == 10140
    assert buckets[(Unit.MB, BucketSource.TARIFF_PACKAGE)] == 10240
    assert account.line.last_renewed_at == clock.now
    assert account.line.anchor_day == 10


def test_lifted_block_and_services_survive_a_round_trip(ctx: ServiceContext,
                                                        clock: ManualClock) -> None:
    clock.now = noon(date(2026, 1, 31))
    add_line(ctx, opened_on=date(2026, 1, 31), money_minor=0)  # blocked: non_payment
    edit_account(ctx, MSISDN, lambda a: replace(a, line=replace(
        lift_block(a.line, date(2026, 2, 1)), services=frozenset({"roaming", "4g"}))))
    with ctx.uow() as uow:
        line = uow.billing.lock_account(MSISDN).account.line
    assert line.is_active and line.unpaid_since == date(2026, 2, 1)
    assert line.services == frozenset({"roaming", "4g"})


def test_document_is_stored_masked_and_hashed_only(ctx: ServiceContext,
                                                   engine: Engine) -> None:
    customer_id = add_customer(ctx, passport="4510 123456")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM customers WHERE id = :i"),
                           {"i": customer_id}).mappings().one()
    assert row["document_masked"] == "45 ** ****56"
    assert row["document_hash"] == document_hash(KEY, DocumentType.PASSPORT_RF, "4510123456")
    assert not any("123456" in str(v) or "4510" in str(v) for v in row.values())
    found = provisioning.find_customers(ctx, DocumentType.PASSPORT_RF, "45 10 123456", KEY)
    assert found == [customer_id]


def test_lines_on_the_same_document_count_across_customer_records(
        ctx: ServiceContext, clock: ManualClock) -> None:
    clock.now = noon(date(2026, 1, 31))
    own = add_customer(ctx, passport="4510 123456", name="Алексей Кузнецов")
    dealer = add_customer(ctx, passport="4510-123456", name="Кузнецов А.")
    other = add_customer(ctx, passport="4600 000001", name="Другой")
    for msisdn, owner in (("79990000001", own), ("79990000002", dealer),
                          ("79990000003", dealer), ("79990000004", other)):
        add_line(ctx, msisdn=msisdn, opened_on=date(2026, 1, 31), customer_id=owner,
                 charge=False)
    assert billing.lines_on_same_document(ctx, "+7 999 000-00-02") == [
        "79990000001", "79990000002", "79990000003"]
    assert billing.count_lines_on_same_document(ctx, "79990000004") == 1
    card = provisioning.get_customer(ctx, dealer)
    assert card.lines == ("79990000002", "79990000003")
