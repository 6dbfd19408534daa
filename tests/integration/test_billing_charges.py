"""The nightly charge through ``billing.run_charges`` on SQLite and PostgreSQL.

Tariff SMART: 500.00/month, 17.00/day; daily share 10 min, 3 SMS, 341 MB.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from helpline.domain.billing import ChargeOutcome, Unit
from helpline.services import billing
from helpline.services.context import ServiceContext
from tests.conftest import ManualClock
from tests.integration.billing_helpers import (
    add_line,
    edit_account,
    ledger_count,
    ledger_equals_money,
    money,
    noon,
    replace_line,
)

__all__ = ["ledger_equals_money"]
A, B = "79990000001", "79990000002"


@pytest.fixture(autouse=True)
def _noon(clock: ManualClock) -> None:
    clock.now = noon(date(2026, 1, 31))


def test_month_ends_keep_the_anchor_day(ctx: ServiceContext, engine: Engine) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=200000)
    assert billing.balances(ctx, A).next_charge_date == date(2026, 2, 28)

    feb = billing.run_charges(ctx, date(2026, 2, 28))
    assert feb.outcomes == {ChargeOutcome.MONTHLY_CHARGED: 1} and feb.charged_minor == 50000
    assert billing.balances(ctx, A).next_charge_date == date(2026, 3, 31)

    billing.run_charges(ctx, date(2026, 3, 31))
    view = billing.balances(ctx, A)
    assert view.next_charge_date == date(2026, 4, 30) and view.period_start == date(2026, 3, 31)
    assert money(engine, A) == 200000 - 3 * 50000


def test_a_second_run_for_the_same_date_charges_nothing(ctx: ServiceContext,
                                                        engine: Engine) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=200000)
    billing.run_charges(ctx, date(2026, 2, 28))
    again = billing.run_charges(ctx, date(2026, 2, 28))
    assert again.lines == 0 and again.charged_minor == 0
    assert billing.charge_line(ctx, A, date(2026, 2, 28)).outcome is ChargeOutcome.ALREADY_RUN
    assert money(engine, A) == 100000
    assert ledger_count(engine, A, "charge") == 2


def test_short_money_falls_back_to_daily_billing_and_back(ctx: ServiceContext,
                                                          engine: Engine) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=60000)  # 100.00 left
    run = billing.run_charges(ctx, date(2026, 2, 28))
    assert run.outcomes == {ChargeOutcome.SWITCHED_TO_DAILY: 1} and run.charged_minor == 1700
    view = billing.balances(ctx, A)
    assert (view.billing_mode, view.next_charge_date) == ("daily", date(2026, 3, 1))
    assert money(engine, A) == 8300

    daily = billing.run_charges(ctx, date(2026, 3, 1))
    assert daily.outcomes == {ChargeOutcome.DAILY_CHARGED: 1}
    assert money(engine, A) == 6600

    billing.top_up(ctx, A, 50000, idempotency_key="pay-1")
    back = billing.run_charges(ctx, date(2026, 3, 2))
    assert back.outcomes == {ChargeOutcome.RETURNED_TO_MONTHLY: 1}
    view = billing.balances(ctx, A)
    assert (view.billing_mode, view.next_charge_date) == ("monthly", date(2026, 4, 2))
    assert money(engine, A) == 6600


def test_daily_share_of_the_package(ctx: ServiceContext, clock: ManualClock) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=60000)
    billing.run_charges(ctx, date(2026, 2, 28))
    clock.now = noon(date(2026, 2, 28))
    view = billing.balances(ctx, A)
    assert [view.remaining(u) for u in (Unit.MINUTES, Unit.SMS, Unit.MB)] == [10, 3, 341]


def test_no_money_for_a_day_blocks_the_line(ctx: ServiceContext, engine: Engine) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=51000)  # 10.00 left
    run = billing.run_charges(ctx, date(2026, 2, 28))
    assert run.outcomes == {ChargeOutcome.BLOCKED_NON_PAYMENT: 1} and run.charged_minor == 0
    view = billing.balances(ctx, A)
    assert (view.status, view.block_reason) == ("blocked", "non_payment")
    assert money(engine, A) == 1000
    assert billing.run_charges(ctx, date(2026, 3, 1)).lines == 0  # blocked lines are skipped


def test_one_run_covers_every_due_line_each_in_its_own_transaction(
        ctx: ServiceContext, engine: Engine) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=200000)
    add_line(ctx, msisdn=B, opened_on=date(2026, 2, 10), money_minor=200000)
    run = billing.run_charges(ctx, date(2026, 2, 28))
    assert run.outcomes == {ChargeOutcome.MONTHLY_CHARGED: 1}  # B is due on Mar 10
    run = billing.run_charges(ctx, date(2026, 3, 10))
    assert run.outcomes == {ChargeOutcome.MONTHLY_CHARGED: 1}
    assert (money(engine, A), money(engine, B)) == (100000, 100000)


def test_the_run_clears_the_unpaid_period_mark(ctx: ServiceContext) -> None:
    add_line(ctx, msisdn=A, opened_on=date(2026, 1, 31), money_minor=200000)
    edit_account(ctx, A, replace_line(unpaid_since=date(2026, 2, 5)))
    assert billing.run_charges(ctx, date(2026, 2, 5)).lines == 0  # same day: kept
    run = billing.run_charges(ctx, date(2026, 2, 6))
    assert run.outcomes == {ChargeOutcome.NOT_DUE: 1}
    quote = billing.quote(ctx, A)
    assert getattr(quote, "code", None) is None
