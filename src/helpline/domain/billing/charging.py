"""The periodic (nightly) charge of one line for a date.

Run once per line per date ``on`` (the night that starts ``on``); its ledger key is
``periodic:<msisdn>:<on>`` so a repeated run charges nothing. Steps:

1. The unpaid-period mark is cleared when ``on`` is after the day the block was lifted.
2. A blocked line is skipped (nothing charged; a non-payment block stays overdue).
3. Expired buckets are dropped. Not due (``next_charge_date > on``): nothing else.
4. Due (or overdue) — the fee is the tariff fee after the line's discount:
   - money >= monthly fee: charge it, reset the package (the unused tariff package and
     carried-over units expire; bonuses stay) and start a monthly period on ``on``.
     The anchor day is kept when the charge is on time on monthly billing; after an
     overdue date or a return from daily billing it becomes ``on.day``.
     A daily line that can pay the monthly fee returns to monthly billing this way.
   - else money >= daily fee: daily billing — charge the daily fee, grant the daily
     share of the package (``included // 30``) for one day, next charge ``on + 1``.
   - else: block the line with reason ``non_payment``; nothing is charged (money never
     goes below zero) and the charge stays overdue until the block is lifted.
Missed dates are not back-billed: one run charges at most one fee.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from helpline.domain.billing.accounts import Account, check_tariff, post
from helpline.domain.billing.balances import (
    Balances,
    BucketSource,
    drop_expired,
    package_buckets,
    without_sources,
)
from helpline.domain.billing.ledger import EntryKind, LedgerEntry
from helpline.domain.billing.lines import NON_PAYMENT, BillingMode, Line, block_line
from helpline.domain.billing.money import apply_discount
from helpline.domain.billing.periods import last_day_of_period, next_month_on
from helpline.domain.billing.tariffs import Tariff
from helpline.domain.clock import check_aware

MONTHLY_FEE_DESCRIPTION = "Списание ежемесячной платы по Тарифному плану"
DAILY_FEE_DESCRIPTION = "Списание ежедневной платы по Тарифному плану"


class ChargeOutcome(StrEnum):
    NOT_DUE = "not_due"
    SKIPPED_BLOCKED = "skipped_blocked"
    ALREADY_RUN = "already_run"
    MONTHLY_CHARGED = "monthly_charged"
    RETURNED_TO_MONTHLY = "returned_to_monthly"
    SWITCHED_TO_DAILY = "switched_to_daily"
    DAILY_CHARGED = "daily_charged"
    BLOCKED_NON_PAYMENT = "blocked_non_payment"


@dataclass(frozen=True)
class ChargeResult:
    account: Account
    outcome: ChargeOutcome
    entry: LedgerEntry | None = None


def monthly_fee_minor(tariff: Tariff, line: Line) -> int:
    """The monthly fee after the line's discount (rounded half up)."""
    return apply_discount(tariff.monthly_fee_minor, line.discount_percent)


def daily_fee_minor(tariff: Tariff, line: Line) -> int:
    """The daily fee after the line's discount (rounded half up)."""
    return apply_discount(tariff.daily_fee_minor, line.discount_percent)


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def monthly_fee_description(period_start: date, next_charge_date: date) -> str:
    """«Списание ежемесячной платы по Тарифному плану» with the period (inclusive end)."""
    end = last_day_of_period(next_charge_date)
    return f"{MONTHLY_FEE_DESCRIPTION}, период {_fmt(period_start)}–{_fmt(end)}"


def periodic_charge_key(msisdn: str, on: date) -> str:
    return f"periodic:{msisdn}:{on.isoformat()}"


def reset_package(balances: Balances, tariff: Tariff, expires_on: date, *,
                  daily: bool = False) -> Balances:
    """Expire the tariff package and carried-over units; add a fresh package."""
    kept = without_sources(balances, BucketSource.TARIFF_PACKAGE, BucketSource.CARRIED_OVER)
    return replace(kept, buckets=(*kept.buckets, *package_buckets(tariff, expires_on,
                                                                   daily=daily)))


def run_periodic_charge(
    account: Account, tariff: Tariff, *, on: date, now: datetime
) -> ChargeResult:
    """Charge ``account``'s line for the night of ``on`` (see the module docstring)."""
    check_tariff(account, tariff)
    check_aware(now, "now")
    key = periodic_charge_key(account.line.msisdn, on)
    first = account.ledger.find(key)
    if first is not None:
        return ChargeResult(account, ChargeOutcome.ALREADY_RUN, first)

    line = account.line
    if line.unpaid_since is not None and line.unpaid_since < on:
        line = replace(line, unpaid_since=None)
    balances = drop_expired(account.balances, on)
    if line.is_blocked:
        return ChargeResult(replace(account, line=line, balances=balances),
                            ChargeOutcome.SKIPPED_BLOCKED)
    if line.next_charge_date > on:
        return ChargeResult(replace(account, line=line, balances=balances),
                            ChargeOutcome.NOT_DUE)

    was_daily = line.billing_mode is BillingMode.DAILY
    monthly_fee = monthly_fee_minor(tariff, line)
    if balances.money_minor >= monthly_fee:
        on_time = not was_daily and line.next_charge_date == on
        anchor_day = line.anchor_day if on_time else on.day
        next_date = next_month_on(on, anchor_day)
        entry = LedgerEntry(
            key, EntryKind.CHARGE, -monthly_fee, now,
            monthly_fee_description(on, next_date),
            period_start=on, period_end=last_day_of_period(next_date),
        )
        line = replace(line, billing_mode=BillingMode.MONTHLY, anchor_day=anchor_day,
                       period_start=on, next_charge_date=next_date)
        outcome = (ChargeOutcome.RETURNED_TO_MONTHLY if was_daily
                   else ChargeOutcome.MONTHLY_CHARGED)
        balances = reset_package(balances, tariff, next_date)
        return ChargeResult(post(account, entry, balances=balances, line=line), outcome, entry)

    daily_fee = daily_fee_minor(tariff, line)
    if balances.money_minor >= daily_fee:
        next_date = on + timedelta(days=1)
        entry = LedgerEntry(
            key, EntryKind.CHARGE, -daily_fee, now,
            f"{DAILY_FEE_DESCRIPTION} за {_fmt(on)}", period_start=on, period_end=on,
        )
        line = replace(line, billing_mode=BillingMode.DAILY, period_start=on,
                       next_charge_date=next_date)
        outcome = ChargeOutcome.DAILY_CHARGED if was_daily else ChargeOutcome.SWITCHED_TO_DAILY
        balances = reset_package(balances, tariff, next_date, daily=True)
        return ChargeResult(post(account, entry, balances=balances, line=line), outcome, entry)

    line = block_line(line, NON_PAYMENT)
    balances = without_sources(balances, BucketSource.TARIFF_PACKAGE, BucketSource.CARRIED_OVER)
    return ChargeResult(replace(account, line=line, balances=balances),
                        ChargeOutcome.BLOCKED_NON_PAYMENT)
