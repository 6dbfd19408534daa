"""Usage rating: buckets in order, then money at out-of-package rates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from helpline.domain.billing import (
    BucketSource,
    Consumption,
    EntryKind,
    IdempotencyConflict,
    InsufficientFunds,
    LineBlocked,
    Unit,
    block_line,
    rate_usage,
)
from helpline.domain.errors import ValidationFailed

from .builders import BASIC, NOW, SMART, TODAY, bucket, make_account, make_line

CARRIED = BucketSource.CARRIED_OVER
PACKAGE = BucketSource.TARIFF_PACKAGE


def test_carried_over_minutes_are_used_before_the_tariff_package() -> None:
    account = make_account(buckets=(
        bucket(Unit.MINUTES, PACKAGE, 300), bucket(Unit.MINUTES, CARRIED, 40)))
    rated = rate_usage(account, SMART, Unit.MINUTES, 50, idempotency_key="cdr-1", now=NOW)
    assert rated.consumed == (
        Consumption(Unit.MINUTES, CARRIED, 40), Consumption(Unit.MINUTES, PACKAGE, 10))
    assert rated.account.balances.remaining(Unit.MINUTES, TODAY, CARRIED) == 0
    assert rated.account.balances.remaining(Unit.MINUTES, TODAY, PACKAGE) == 290
    assert rated.charged_minor == 0
    assert rated.entry.kind is EntryKind.USAGE and rated.entry.amount_minor == 0
    assert rated.entry.quantity == 50


def test_beyond_the_package_money_pays_at_the_tariff_rate() -> None:
    account = make_account(money_minor=10000, buckets=(bucket(Unit.MB, PACKAGE, 100),))
    rated = rate_usage(account, SMART, Unit.MB, 130, idempotency_key="cdr-2", now=NOW)
    # 100 MB from the package, 30 MB * 1.50 = 45.00
    assert rated.paid_units == 30
    assert rated.charged_minor == 4500
    assert rated.account.money_minor == 5500
    assert rated.entry.amount_minor == -4500
    assert rated.account.ledger.balance_minor == 5500


@pytest.mark.parametrize(("unit", "quantity", "cost"),
                         [(Unit.MINUTES, 7, 2100), (Unit.SMS, 3, 750), (Unit.MB, 1, 150)])
def test_each_unit_has_its_own_rate(unit: Unit, quantity: int, cost: int) -> None:
    rated = rate_usage(make_account(money_minor=5000), SMART, unit, quantity,
                       idempotency_key="c", now=NOW)
    assert rated.charged_minor == cost
    assert rated.account.money_minor == 5000 - cost


def test_use_that_money_cannot_pay_is_refused_whole() -> None:
    account = make_account(money_minor=599, buckets=(bucket(Unit.MINUTES, PACKAGE, 10),))
    # 10 from the package + 2 * 3.00 = 6.00 > 5.99
    with pytest.raises(InsufficientFunds):
        rate_usage(account, SMART, Unit.MINUTES, 12, idempotency_key="c", now=NOW)
    exact = rate_usage(replace(account), SMART, Unit.MINUTES, 11, idempotency_key="c", now=NOW)
    assert exact.account.money_minor == 299


def test_expired_buckets_are_not_used() -> None:
    account = make_account(money_minor=1000,
                           buckets=(bucket(Unit.SMS, CARRIED, 10, expires_on=TODAY),))
    rated = rate_usage(account, SMART, Unit.SMS, 2, idempotency_key="s", now=NOW)
    assert rated.consumed == ()
    assert rated.charged_minor == 500
    assert rated.account.balances.buckets == ()


def test_repeated_usage_key_is_rated_once() -> None:
    account = make_account(money_minor=1000)
    first = rate_usage(account, SMART, Unit.SMS, 2, idempotency_key="sms-9", now=NOW)
    again = rate_usage(first.account, SMART, Unit.SMS, 2, idempotency_key="sms-9", now=NOW)
    assert again.replayed and again.account == first.account
    assert again.charged_minor == 500
    with pytest.raises(IdempotencyConflict):
        rate_usage(first.account, SMART, Unit.SMS, 3, idempotency_key="sms-9", now=NOW)


def test_blocked_line_cannot_use_services() -> None:
    account = make_account(money_minor=1000, line=block_line(make_line(), "lost"))
    with pytest.raises(LineBlocked):
        rate_usage(account, SMART, Unit.SMS, 1, idempotency_key="s", now=NOW)


def test_tariff_must_be_the_lines_tariff() -> None:
    with pytest.raises(ValidationFailed):
        rate_usage(make_account(), BASIC, Unit.SMS, 1, idempotency_key="s", now=NOW)
