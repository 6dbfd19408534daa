"""«Обнови пакет» ("renew package"), by the rules of seed 002.

The monthly fee for the next month is charged now (discount applied, rounded half
up), the billing period restarts today (``now.date()`` — pass ``now`` in the
operator's billing timezone) and the next charge is one calendar month later on
today's day, clamped to month end (Jan 31 -> Feb 28/29, then Mar 31). The ledger
entry reads «Списание ежемесячной платы по Тарифному плану, период …».

Carry-over: unused units of the current *tariff package* carry over once, at 100%,
as ``carried_over`` buckets used before the new package until the next charge
date. Units that were themselves carried over do not carry again: they expire at
the renewal. Bonus buckets are untouched.

Refusals are checked in this order; the first that applies is returned:

1. ``line_blocked`` — the line is blocked;
2. ``service_unavailable_on_tariff`` — the tariff has no "renew package";
3. ``daily_billing`` — the line is on daily billing (the alternative period);
4. ``unpaid_period`` — a block was lifted and the nightly charge has not run yet;
5. ``zero_fee`` — the fee after discount is zero (a 100% discount);
6. ``confirm_repeat`` — a renewal succeeded less than 10 minutes ago and the
   request is not ``confirmed`` (USSD asks to confirm, SMS refuses);
7. ``insufficient_funds`` — money is below the fee.

Facts about the line and tariff come first, money last, so "top up" is only
advised when topping up would make the renewal succeed.

Idempotency: a key that already renewed returns its first receipt and charges
nothing (``replayed=True``). Refusals change nothing and are not recorded, so a
retry is evaluated afresh (this lets a USSD session confirm under its own key).
The ledger key of the fee is ``renewal:<idempotency_key>``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from helpline.domain.billing.accounts import Account, check_tariff, post
from helpline.domain.billing.balances import (
    Balances,
    BucketSource,
    PackageBucket,
    drop_expired,
    package_buckets,
    without_sources,
)
from helpline.domain.billing.charging import monthly_fee_description, monthly_fee_minor
from helpline.domain.billing.ledger import EntryKind, LedgerEntry
from helpline.domain.billing.lines import BillingMode
from helpline.domain.billing.periods import last_day_of_period, one_month_after
from helpline.domain.billing.receipts import RenewalReceipt
from helpline.domain.billing.refusals import RefusalCode, RenewalRefusal
from helpline.domain.billing.tariffs import Tariff, Unit
from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed

#: A second renewal sooner than this after a successful one needs confirmation.
REPEAT_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class RenewalQuote:
    """What a renewal at ``now`` would do (for a confirmation screen)."""

    fee_minor: int
    money_after_minor: int
    period_start: date
    next_charge_date: date
    carried_over: dict[Unit, int]
    expired_carried_over: dict[Unit, int]
    is_repeat: bool

    @property
    def period_end(self) -> date:
        return last_day_of_period(self.next_charge_date)


@dataclass(frozen=True)
class RenewalDone:
    """A successful (or replayed) renewal: the new account, its receipt and ledger entry."""

    account: Account
    receipt: RenewalReceipt
    entry: LedgerEntry
    replayed: bool = False


RenewalOutcome = RenewalDone | RenewalRefusal


def renewal_ledger_key(idempotency_key: str) -> str:
    return f"renewal:{idempotency_key}"


def _units(buckets: tuple[PackageBucket, ...], source: BucketSource) -> dict[Unit, int]:
    totals: dict[Unit, int] = {}
    for bucket in buckets:
        if bucket.source is source and bucket.amount > 0:
            totals[bucket.unit] = totals.get(bucket.unit, 0) + bucket.amount
    return totals


def _refusal(account: Account, tariff: Tariff, now: datetime,
             confirmed: bool) -> RenewalRefusal | None:
    line = account.line
    if line.is_blocked:
        return RenewalRefusal(RefusalCode.LINE_BLOCKED)
    if not tariff.renew_package_available:
        return RenewalRefusal(RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF)
    if line.billing_mode is BillingMode.DAILY:
        return RenewalRefusal(RefusalCode.DAILY_BILLING)
    if line.unpaid_since is not None:
        return RenewalRefusal(RefusalCode.UNPAID_PERIOD)
    fee = monthly_fee_minor(tariff, line)
    if fee == 0:
        return RenewalRefusal(RefusalCode.ZERO_FEE, fee_minor=0)
    if not confirmed and is_repeat(account, now):
        return RenewalRefusal(RefusalCode.CONFIRM_REPEAT, fee_minor=fee)
    if account.money_minor < fee:
        return RenewalRefusal(RefusalCode.INSUFFICIENT_FUNDS, fee_minor=fee,
                              money_minor=account.money_minor)
    return None


def is_repeat(account: Account, now: datetime) -> bool:
    """True if the last successful renewal was less than 10 minutes before ``now``."""
    last = account.line.last_renewed_at
    return last is not None and now - last < REPEAT_WINDOW


def quote_renewal(
    account: Account, tariff: Tariff, *, now: datetime, confirmed: bool = False
) -> RenewalQuote | RenewalRefusal:
    """Check the rules and describe the renewal without changing anything."""
    check_tariff(account, tariff)
    check_aware(now, "now")
    refusal = _refusal(account, tariff, now, confirmed)
    if refusal is not None:
        return refusal
    today = now.date()
    live = drop_expired(account.balances, today).buckets
    fee = monthly_fee_minor(tariff, account.line)
    return RenewalQuote(
        fee_minor=fee,
        money_after_minor=account.money_minor - fee,
        period_start=today,
        next_charge_date=one_month_after(today),
        carried_over=_units(live, BucketSource.TARIFF_PACKAGE),
        expired_carried_over=_units(live, BucketSource.CARRIED_OVER),
        is_repeat=is_repeat(account, now),
    )


def _renewed_balances(balances: Balances, tariff: Tariff, quote: RenewalQuote) -> Balances:
    kept = without_sources(balances, BucketSource.TARIFF_PACKAGE, BucketSource.CARRIED_OVER)
    carried = tuple(
        PackageBucket(unit, BucketSource.CARRIED_OVER, amount, quote.next_charge_date)
        for unit, amount in quote.carried_over.items()
    )
    fresh = package_buckets(tariff, quote.next_charge_date)
    return replace(kept, buckets=(*carried, *fresh, *kept.buckets))


def renew_package(
    account: Account, tariff: Tariff, *, now: datetime, idempotency_key: str,
    confirmed: bool = False,
) -> RenewalOutcome:
    """Renew the package of ``account``'s line, or refuse (see the module docstring)."""
    check_tariff(account, tariff)
    check_aware(now, "now")
    if not idempotency_key.strip():
        raise ValidationFailed("idempotency_key must not be empty", field="idempotency_key")
    ledger_key = renewal_ledger_key(idempotency_key)
    first = account.receipts.get(idempotency_key)
    if first is not None:
        entry = account.ledger.find(ledger_key)
        assert entry is not None, "a receipt always has its ledger entry"
        return RenewalDone(account, first, entry, replayed=True)

    quote = quote_renewal(account, tariff, now=now, confirmed=confirmed)
    if isinstance(quote, RenewalRefusal):
        return quote

    entry = LedgerEntry(
        ledger_key, EntryKind.CHARGE, -quote.fee_minor, now,
        monthly_fee_description(quote.period_start, quote.next_charge_date),
        period_start=quote.period_start, period_end=quote.period_end,
    )
    receipt = RenewalReceipt(
        idempotency_key=idempotency_key, msisdn=account.line.msisdn,
        tariff_code=tariff.code, fee_minor=quote.fee_minor, renewed_at=now,
        period_start=quote.period_start, next_charge_date=quote.next_charge_date,
        carried_over=quote.carried_over, expired_carried_over=quote.expired_carried_over,
    )
    line = replace(
        account.line, period_start=quote.period_start,
        next_charge_date=quote.next_charge_date, anchor_day=quote.period_start.day,
        last_renewed_at=now,
    )
    balances = _renewed_balances(drop_expired(account.balances, quote.period_start),
                                 tariff, quote)
    renewed = post(account, entry, balances=balances, line=line,
                   receipts={**account.receipts, idempotency_key: receipt})
    return RenewalDone(renewed, receipt, entry)
