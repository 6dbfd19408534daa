"""Builders for the billing tests. Numbers are small and round so expected values
can be computed by hand in each test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from helpline.domain.billing import (
    Account,
    Balances,
    BillingMode,
    BucketSource,
    Line,
    PackageBucket,
    Tariff,
    Unit,
    open_account,
    top_up,
)

#: 2026-11-22 10:00 UTC; the current period of the default line is Nov 10 .. Dec 9.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 22)
PERIOD_START = date(2026, 11, 10)
NEXT_CHARGE = date(2026, 12, 10)

#: 500.00 monthly, 17.00 daily; 300 min, 100 SMS, 10240 MB; 3.00/min, 2.50/SMS, 1.50/MB.
SMART = Tariff(
    code="smart", name="Smart", monthly_fee_minor=50000, daily_fee_minor=1700,
    included_minutes=300, included_sms=100, included_mb=10240,
    minute_rate_minor=300, sms_rate_minor=250, mb_rate_minor=150,
    renew_package_available=True,
)
#: Same package, but without "renew package".
BASIC = replace(SMART, code="basic", name="Basic", renew_package_available=False)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_line(
    *,
    tariff: Tariff = SMART,
    period_start: date = PERIOD_START,
    next_charge_date: date = NEXT_CHARGE,
    anchor_day: int | None = None,
    mode: BillingMode = BillingMode.MONTHLY,
    discount_percent: int = 0,
    msisdn: str = "79990000001",
) -> Line:
    return Line(
        msisdn=msisdn, tariff_code=tariff.code, period_start=period_start,
        next_charge_date=next_charge_date,
        anchor_day=anchor_day if anchor_day is not None else period_start.day,
        billing_mode=mode, discount_percent=discount_percent,
    )


def bucket(unit: Unit, source: BucketSource, amount: int,
           expires_on: date = NEXT_CHARGE) -> PackageBucket:
    return PackageBucket(unit, source, amount, expires_on)


def make_account(
    *,
    money_minor: int = 0,
    buckets: tuple[PackageBucket, ...] = (),
    line: Line | None = None,
    paid_at: datetime = datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
) -> Account:
    """An account whose money came from one top-up (so ledger == balance holds)."""
    account = open_account(line if line is not None else make_line())
    if money_minor:
        account = top_up(account, money_minor, idempotency_key="opening", now=paid_at).account
    return replace(account, balances=Balances(account.money_minor, buckets))


def package_of(account: Account, unit: Unit, on: date, source: BucketSource) -> int:
    return account.balances.remaining(unit, on, source)
