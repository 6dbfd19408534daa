"""The periodic (nightly) charge: monthly fee, package reset, daily fallback, blocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from helpline.domain.billing import (
    NON_PAYMENT,
    BillingMode,
    BucketSource,
    ChargeOutcome,
    Line,
    Unit,
    block_line,
    lift_block,
    open_account,
    run_periodic_charge,
    top_up,
)

from .builders import NEXT_CHARGE, SMART, at, bucket, make_account, make_line

CARRIED = BucketSource.CARRIED_OVER
PACKAGE = BucketSource.TARIFF_PACKAGE
BONUS = BucketSource.BONUS
NIGHT = at(2026, 12, 10, 0, 5)


def test_not_due_before_the_next_charge_date() -> None:
    account = make_account(money_minor=90000)
    result = run_periodic_charge(account, SMART, on=date(2026, 12, 9), now=NIGHT)
    assert result.outcome is ChargeOutcome.NOT_DUE
    assert result.account.money_minor == 90000
    assert result.entry is None


def test_monthly_fee_is_charged_and_a_new_period_starts_on_the_charge_date() -> None:
    account = make_account(money_minor=90000)
    result = run_periodic_charge(account, SMART, on=NEXT_CHARGE, now=NIGHT)
    assert result.outcome is ChargeOutcome.MONTHLY_CHARGED
    assert result.account.money_minor == 40000  # 900.00 - 500.00
    line = result.account.line
    assert (line.period_start, line.next_charge_date) == (date(2026, 12, 10), date(2027, 1, 10))
    assert result.entry is not None
    assert result.entry.amount_minor == -50000
    assert result.entry.description == (
        "Списание ежемесячной платы по Тарифному плану, период 10.12.2026–09.01.2027")
    assert (result.entry.period_start, result.entry.period_end) == (
        date(2026, 12, 10), date(2027, 1, 9))


def test_discount_applies_to_the_monthly_fee() -> None:
    account = make_account(money_minor=90000, line=make_line(discount_percent=15))
    result = run_periodic_charge(account, SMART, on=NEXT_CHARGE, now=NIGHT)
    assert result.account.money_minor == 47500  # 900.00 - 425.00


def test_unused_package_and_carried_over_expire_bonus_stays() -> None:
    account = make_account(money_minor=50000, buckets=(
        bucket(Unit.MINUTES, PACKAGE, 120),
        bucket(Unit.MINUTES, CARRIED, 30),
        bucket(Unit.SMS, BONUS, 15, expires_on=date(2027, 3, 1)),
    ))
    result = run_periodic_charge(account, SMART, on=NEXT_CHARGE, now=NIGHT)
    balances = result.account.balances
    day = date(2026, 12, 10)
    assert balances.remaining(Unit.MINUTES, day, PACKAGE) == 300  # fresh package only
    assert balances.remaining(Unit.MINUTES, day, CARRIED) == 0
    assert balances.remaining(Unit.SMS, day, BONUS) == 15
    assert balances.remaining(Unit.SMS, day, PACKAGE) == 100
    assert balances.remaining(Unit.MB, day, PACKAGE) == 10240
    assert all(b.expires_on == date(2027, 1, 10) for b in balances.buckets
               if b.source is PACKAGE)


def test_short_of_the_monthly_fee_the_line_switches_to_daily_billing() -> None:
    account = make_account(money_minor=2000)
    result = run_periodic_charge(account, SMART, on=NEXT_CHARGE, now=NIGHT)
    assert result.outcome is ChargeOutcome.SWITCHED_TO_DAILY
    assert result.account.money_minor == 300  # 20.00 - 17.00
    line = result.account.line
    assert line.billing_mode is BillingMode.DAILY
    assert line.next_charge_date == date(2026, 12, 11)
    assert result.entry is not None
    assert result.entry.description == (
        "Списание ежедневной платы по Тарифному плану за 10.12.2026")
    # the daily share: 300 // 30 = 10 minutes, 100 // 30 = 3 SMS, 10240 // 30 = 341 MB
    day = date(2026, 12, 10)
    assert [result.account.balances.remaining(u, day) for u in Unit] == [10, 3, 341]
    assert result.account.balances.remaining(Unit.MINUTES, date(2026, 12, 11)) == 0


def test_daily_line_is_charged_each_day() -> None:
    daily = make_line(period_start=date(2026, 12, 10), next_charge_date=date(2026, 12, 11),
                      mode=BillingMode.DAILY)
    account = make_account(money_minor=3500, line=daily)
    first = run_periodic_charge(account, SMART, on=date(2026, 12, 11), now=NIGHT)
    second = run_periodic_charge(first.account, SMART, on=date(2026, 12, 12), now=NIGHT)
    assert first.outcome is second.outcome is ChargeOutcome.DAILY_CHARGED
    assert second.account.money_minor == 100  # 35.00 - 2 * 17.00
    assert second.account.line.next_charge_date == date(2026, 12, 13)


def test_daily_line_returns_to_monthly_when_money_covers_the_fee() -> None:
    daily = make_line(period_start=date(2026, 12, 10), next_charge_date=date(2026, 12, 11),
                      anchor_day=10, mode=BillingMode.DAILY)
    account = make_account(money_minor=60000, line=daily)
    result = run_periodic_charge(account, SMART, on=date(2026, 12, 11), now=NIGHT)
    assert result.outcome is ChargeOutcome.RETURNED_TO_MONTHLY
    line = result.account.line
    assert line.billing_mode is BillingMode.MONTHLY
    assert (line.anchor_day, line.next_charge_date) == (11, date(2027, 1, 11))
    assert result.account.money_minor == 10000


def test_without_money_for_the_daily_fee_the_line_is_blocked_for_non_payment() -> None:
    account = make_account(money_minor=1699, buckets=(bucket(Unit.MINUTES, CARRIED, 5),))
    result = run_periodic_charge(account, SMART, on=NEXT_CHARGE, now=NIGHT)
    assert result.outcome is ChargeOutcome.BLOCKED_NON_PAYMENT
    assert result.entry is None
    assert result.account.money_minor == 1699  # nothing charged, never below zero
    assert result.account.line.is_blocked
    assert result.account.line.block_reason == NON_PAYMENT
    assert result.account.line.next_charge_date == NEXT_CHARGE  # still overdue
    assert result.account.balances.buckets == ()


def test_blocked_line_is_skipped_and_charged_the_night_after_the_block_is_lifted() -> None:
    account = make_account(money_minor=1000, line=block_line(make_line(), NON_PAYMENT))
    skipped = run_periodic_charge(account, SMART, on=date(2026, 12, 12), now=NIGHT)
    assert skipped.outcome is ChargeOutcome.SKIPPED_BLOCKED
    paid = top_up(skipped.account, 60000, idempotency_key="pay", now=at(2026, 12, 12, 15))
    lifted = replace(paid.account, line=lift_block(paid.account.line, date(2026, 12, 12)))
    night = run_periodic_charge(lifted, SMART, on=date(2026, 12, 13), now=NIGHT)
    assert night.outcome is ChargeOutcome.MONTHLY_CHARGED
    assert night.account.money_minor == 11000  # 10.00 + 600.00 - 500.00
    # overdue: the anchor moves to the charge date
    assert night.account.line.anchor_day == 13
    assert night.account.line.next_charge_date == date(2027, 1, 13)
    assert night.account.line.unpaid_since is None


def test_unpaid_mark_is_cleared_only_by_a_run_after_the_lift_day() -> None:
    lifted = lift_block(block_line(make_line(), "lost"), date(2026, 11, 22))
    account = make_account(money_minor=1000, line=lifted)
    same_day = run_periodic_charge(account, SMART, on=date(2026, 11, 22), now=NIGHT)
    assert same_day.account.line.unpaid_since == date(2026, 11, 22)
    next_night = run_periodic_charge(same_day.account, SMART, on=date(2026, 11, 23), now=NIGHT)
    assert next_night.outcome is ChargeOutcome.NOT_DUE
    assert next_night.account.line.unpaid_since is None


def test_running_the_same_date_twice_charges_once() -> None:
    account = make_account(money_minor=150000)
    first = run_periodic_charge(account, SMART, on=NEXT_CHARGE, now=NIGHT)
    again = run_periodic_charge(first.account, SMART, on=NEXT_CHARGE, now=NIGHT)
    assert again.outcome is ChargeOutcome.ALREADY_RUN
    assert again.account == first.account
    assert again.account.money_minor == 100000


def test_anchor_on_the_31st_follows_month_ends_without_drifting() -> None:
    line = Line.open("79990000003", "smart", date(2026, 1, 31))
    account = top_up(open_account(line), 300000, idempotency_key="p",
                     now=at(2026, 1, 30)).account
    dates = []
    for on in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)):
        result = run_periodic_charge(account, SMART, on=on, now=at(on.year, on.month, on.day))
        assert result.outcome is ChargeOutcome.MONTHLY_CHARGED
        account = result.account
        dates.append(account.line.next_charge_date)
    assert dates == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    assert account.money_minor == 100000  # 3000.00 - 4 * 500.00


def test_leap_february_from_the_31st() -> None:
    line = Line.open("79990000004", "smart", date(2028, 1, 31))
    account = top_up(open_account(line), 100000, idempotency_key="p",
                     now=at(2028, 1, 30)).account
    jan = run_periodic_charge(account, SMART, on=date(2028, 1, 31), now=at(2028, 1, 31))
    assert jan.account.line.next_charge_date == date(2028, 2, 29)
    feb = run_periodic_charge(jan.account, SMART, on=date(2028, 2, 29), now=at(2028, 2, 29))
    assert feb.account.line.next_charge_date == date(2028, 3, 31)
