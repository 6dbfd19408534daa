"""«Обнови пакет»: every rule of issue 3 §2 / seed 002 as its own test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from helpline.domain.billing import (
    CHECK_ORDER,
    Account,
    BillingMode,
    BucketSource,
    ChargeOutcome,
    EntryKind,
    LineStatus,
    RefusalCode,
    RenewalDone,
    RenewalQuote,
    RenewalRefusal,
    Unit,
    block_line,
    lift_block,
    quote_renewal,
    rate_usage,
    renew_package,
    run_periodic_charge,
    top_up,
)
from helpline.domain.errors import NaiveDatetime, ValidationFailed

from .builders import (
    BASIC,
    NEXT_CHARGE,
    NOW,
    SMART,
    TODAY,
    at,
    bucket,
    make_account,
    make_line,
)

CARRIED = BucketSource.CARRIED_OVER
PACKAGE = BucketSource.TARIFF_PACKAGE
BONUS = BucketSource.BONUS
MONTH_LATER = date(2026, 12, 22)


def done(outcome: RenewalDone | RenewalRefusal) -> RenewalDone:
    assert isinstance(outcome, RenewalDone), outcome
    return outcome


def refused(outcome: RenewalDone | RenewalRefusal) -> RefusalCode:
    assert isinstance(outcome, RenewalRefusal), outcome
    return outcome.code


def renew(account: Account, *, now: datetime = NOW, key: str = "ussd-1",
          confirmed: bool = False) -> RenewalDone | RenewalRefusal:
    return renew_package(account, SMART, now=now, idempotency_key=key, confirmed=confirmed)


# -- the charge and the new period ---------------------------------------------------
def test_renewal_charges_the_monthly_fee_now() -> None:
    result = done(renew(make_account(money_minor=60000)))
    assert result.receipt.fee_minor == 50000
    assert result.account.money_minor == 10000
    assert result.entry.kind is EntryKind.CHARGE
    assert result.entry.amount_minor == -50000
    assert result.account.ledger.balance_minor == 10000


def test_renewal_fee_has_the_discount_applied() -> None:
    # 500.00 with 15% off = 425.00
    account = make_account(money_minor=60000, line=make_line(discount_percent=15))
    result = done(renew(account))
    assert result.receipt.fee_minor == 42500
    assert result.account.money_minor == 17500


def test_renewal_discount_rounds_half_up() -> None:
    # a 333.33 fee with 50% off is 166.665 -> 166.67
    tariff = replace(SMART, monthly_fee_minor=33333)
    account = make_account(money_minor=20000, line=make_line(discount_percent=50))
    result = done(renew_package(account, tariff, now=NOW, idempotency_key="k"))
    assert result.receipt.fee_minor == 16667


def test_period_restarts_today_and_next_charge_is_one_month_later() -> None:
    result = done(renew(make_account(money_minor=50000)))
    line = result.account.line
    assert line.period_start == TODAY
    assert line.next_charge_date == MONTH_LATER
    assert line.anchor_day == 22
    assert line.billing_mode is BillingMode.MONTHLY
    assert (result.receipt.period_start, result.receipt.next_charge_date) == (
        TODAY, MONTH_LATER)
    assert result.receipt.period_end == date(2026, 12, 21)


def test_ledger_shows_the_monthly_fee_entry_with_the_new_period() -> None:
    entry = done(renew(make_account(money_minor=50000))).entry
    assert entry.description.startswith("Списание ежемесячной платы по Тарифному плану")
    assert entry.description == (
        "Списание ежемесячной платы по Тарифному плану, период 22.11.2026–21.12.2026")
    assert (entry.period_start, entry.period_end) == (TODAY, date(2026, 12, 21))
    assert entry.at == NOW


@pytest.mark.parametrize(
    ("now", "next_charge", "period_end"),
    [
        (at(2026, 1, 31), date(2026, 2, 28), date(2026, 2, 27)),
        (at(2028, 1, 31), date(2028, 2, 29), date(2028, 2, 28)),   # leap year
        (at(2026, 12, 20), date(2027, 1, 20), date(2027, 1, 19)),  # December -> January
        (at(2026, 12, 31), date(2027, 1, 31), date(2027, 1, 30)),
    ],
)
def test_next_charge_at_month_ends(now: datetime, next_charge: date, period_end: date) -> None:
    line = make_line(period_start=date(2025, 12, 15), next_charge_date=date(2030, 1, 1))
    result = done(renew(make_account(money_minor=50000, line=line), now=now))
    assert result.account.line.next_charge_date == next_charge
    assert result.entry.period_end == period_end


def test_after_renewing_on_the_31st_the_regular_charges_keep_the_31st() -> None:
    line = make_line(period_start=date(2026, 1, 10), next_charge_date=date(2026, 2, 10))
    renewed = done(renew(make_account(money_minor=100000, line=line), now=at(2026, 1, 31)))
    feb = run_periodic_charge(renewed.account, SMART, on=date(2026, 2, 28),
                              now=at(2026, 2, 28, 0, 5))
    assert feb.outcome is ChargeOutcome.MONTHLY_CHARGED
    assert feb.account.line.next_charge_date == date(2026, 3, 31)


def test_regular_charge_does_not_happen_on_the_old_date_after_renewal() -> None:
    renewed = done(renew(make_account(money_minor=100000)))
    old_date = run_periodic_charge(renewed.account, SMART, on=NEXT_CHARGE, now=at(2026, 12, 10))
    assert old_date.outcome is ChargeOutcome.NOT_DUE
    assert old_date.account.money_minor == 50000


# -- carry-over ------------------------------------------------------------------------
def current_package() -> tuple:  # type: ignore[type-arg]
    return (
        bucket(Unit.MINUTES, PACKAGE, 120),
        bucket(Unit.SMS, PACKAGE, 40),
        bucket(Unit.MB, PACKAGE, 2500),
    )


def test_unused_units_of_the_period_carry_over_at_100_percent() -> None:
    result = done(renew(make_account(money_minor=50000, buckets=current_package())))
    balances = result.account.balances
    assert balances.remaining(Unit.MINUTES, TODAY, CARRIED) == 120
    assert balances.remaining(Unit.SMS, TODAY, CARRIED) == 40
    assert balances.remaining(Unit.MB, TODAY, CARRIED) == 2500
    # and a full fresh package beside them
    assert balances.remaining(Unit.MINUTES, TODAY, PACKAGE) == 300
    assert balances.remaining(Unit.SMS, TODAY, PACKAGE) == 100
    assert balances.remaining(Unit.MB, TODAY, PACKAGE) == 10240
    assert result.receipt.carried_over == {Unit.MINUTES: 120, Unit.SMS: 40, Unit.MB: 2500}


def test_carried_over_units_are_consumed_before_the_new_package() -> None:
    renewed = done(renew(make_account(money_minor=50000, buckets=current_package())))
    rated = rate_usage(renewed.account, SMART, Unit.MINUTES, 130, idempotency_key="cdr",
                       now=NOW + timedelta(hours=1))
    balances = rated.account.balances
    assert balances.remaining(Unit.MINUTES, TODAY, CARRIED) == 0     # 120 used first
    assert balances.remaining(Unit.MINUTES, TODAY, PACKAGE) == 290   # then 10 of 300
    assert rated.charged_minor == 0


def test_carried_over_units_last_until_the_next_charge_date() -> None:
    renewed = done(renew(make_account(money_minor=100000, buckets=current_package())))
    balances = renewed.account.balances
    assert balances.remaining(Unit.SMS, date(2026, 12, 21), CARRIED) == 40
    assert balances.remaining(Unit.SMS, MONTH_LATER, CARRIED) == 0
    night = run_periodic_charge(renewed.account, SMART, on=MONTH_LATER,
                                now=at(2026, 12, 22, 0, 5))
    assert night.account.balances.remaining(Unit.SMS, MONTH_LATER, CARRIED) == 0
    assert night.account.balances.remaining(Unit.SMS, MONTH_LATER, PACKAGE) == 100


def test_a_carried_over_remainder_is_not_carried_again() -> None:
    first = done(renew(make_account(money_minor=100000, buckets=current_package())))
    # 100 minutes come from the 120 carried ones: 20 carried and 300 package minutes left
    used = rate_usage(first.account, SMART, Unit.MINUTES, 100, idempotency_key="cdr",
                      now=NOW + timedelta(hours=1)).account
    second = done(renew(used, now=NOW + timedelta(days=3), key="ussd-2"))
    balances = second.account.balances
    day = TODAY + timedelta(days=3)
    # only the 300 unused package minutes carry; the 20 already carried ones expire
    assert balances.remaining(Unit.MINUTES, day, CARRIED) == 300
    assert balances.remaining(Unit.MINUTES, day, PACKAGE) == 300
    assert second.receipt.carried_over[Unit.MINUTES] == 300
    assert second.receipt.expired_carried_over == {Unit.MINUTES: 20, Unit.SMS: 40,
                                                   Unit.MB: 2500}
    assert second.receipt.carried_over[Unit.SMS] == 100  # the first renewal's fresh SMS


def test_expired_units_and_bonuses_do_not_carry_over() -> None:
    account = make_account(money_minor=50000, buckets=(
        bucket(Unit.MINUTES, PACKAGE, 50, expires_on=TODAY),   # already expired
        bucket(Unit.SMS, BONUS, 7, expires_on=date(2027, 6, 1)),
    ))
    result = done(renew(account))
    assert result.receipt.carried_over == {}
    assert result.account.balances.remaining(Unit.SMS, TODAY, BONUS) == 7
    assert result.account.balances.remaining(Unit.SMS, TODAY, CARRIED) == 0


# -- refusals --------------------------------------------------------------------------
def test_refused_when_money_is_insufficient() -> None:
    refusal = renew(make_account(money_minor=49999))
    assert refused(refusal) is RefusalCode.INSUFFICIENT_FUNDS
    assert isinstance(refusal, RenewalRefusal)
    assert (refusal.fee_minor, refusal.money_minor) == (50000, 49999)


def test_exactly_enough_money_renews_to_zero() -> None:
    assert done(renew(make_account(money_minor=50000))).account.money_minor == 0


def test_refused_when_the_line_is_blocked() -> None:
    account = make_account(money_minor=90000, line=block_line(make_line(), "lost phone"))
    assert refused(renew(account)) is RefusalCode.LINE_BLOCKED


def test_refused_on_daily_billing() -> None:
    line = make_line(period_start=TODAY, next_charge_date=date(2026, 11, 23),
                     mode=BillingMode.DAILY)
    assert refused(renew(make_account(money_minor=90000, line=line))) is (
        RefusalCode.DAILY_BILLING)


def test_refused_when_the_tariff_lacks_the_service() -> None:
    account = make_account(money_minor=90000, line=make_line(tariff=BASIC))
    outcome = renew_package(account, BASIC, now=NOW, idempotency_key="k")
    assert refused(outcome) is RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF


def test_refused_when_a_100_percent_discount_zeroes_the_fee() -> None:
    account = make_account(money_minor=90000, line=make_line(discount_percent=100))
    assert refused(renew(account)) is RefusalCode.ZERO_FEE


def test_refused_in_the_unpaid_period_after_leaving_a_block() -> None:
    lifted = lift_block(block_line(make_line(), "lost phone"), TODAY)
    account = make_account(money_minor=90000, line=lifted)
    assert refused(renew(account)) is RefusalCode.UNPAID_PERIOD


def test_after_the_nightly_charge_the_unpaid_period_ends_and_renewal_works() -> None:
    lifted = lift_block(block_line(make_line(), "lost phone"), TODAY)
    account = make_account(money_minor=90000, line=lifted)
    night = run_periodic_charge(account, SMART, on=date(2026, 11, 23),
                                now=at(2026, 11, 23, 0, 5))
    result = done(renew(night.account, now=at(2026, 11, 23, 9)))
    assert result.account.money_minor == 40000


def test_a_refusal_changes_nothing() -> None:
    account = make_account(money_minor=100, buckets=current_package())
    outcome = renew(account)
    assert refused(outcome) is RefusalCode.INSUFFICIENT_FUNDS
    assert quote_renewal(account, SMART, now=NOW) == outcome


# -- repeats and idempotency ---------------------------------------------------------------
def test_same_idempotency_key_returns_the_first_result_and_charges_nothing() -> None:
    first = done(renew(make_account(money_minor=150000), key="sms-42"))
    again = done(renew(first.account, key="sms-42", now=NOW + timedelta(seconds=5)))
    assert again.replayed
    assert again.receipt == first.receipt
    assert again.entry == first.entry
    assert again.account == first.account
    assert again.account.money_minor == 100000
    later = done(renew(first.account, key="sms-42", now=NOW + timedelta(days=2)))
    assert later.replayed and later.account.money_minor == 100000


def test_a_second_renewal_within_10_minutes_needs_confirmation() -> None:
    first = done(renew(make_account(money_minor=150000), key="a"))
    second = renew(first.account, key="b", now=NOW + timedelta(minutes=9, seconds=59))
    assert refused(second) is RefusalCode.CONFIRM_REPEAT
    assert isinstance(second, RenewalRefusal) and second.fee_minor == 50000


def test_a_confirmed_second_renewal_within_10_minutes_is_charged() -> None:
    first = done(renew(make_account(money_minor=150000), key="a"))
    second = done(renew(first.account, key="b", now=NOW + timedelta(minutes=3),
                        confirmed=True))
    assert second.account.money_minor == 50000  # 1500.00 - 2 * 500.00
    assert not second.replayed


def test_a_renewal_10_minutes_later_is_not_a_repeat() -> None:
    first = done(renew(make_account(money_minor=150000), key="a"))
    second = done(renew(first.account, key="b", now=NOW + timedelta(minutes=10)))
    assert second.account.money_minor == 50000


def test_a_refused_request_is_not_recorded_so_its_key_can_succeed_later() -> None:
    account = make_account(money_minor=100)
    assert refused(renew(account, key="ussd-7")) is RefusalCode.INSUFFICIENT_FUNDS
    paid = top_up(account, 49900, idempotency_key="pay", now=NOW).account
    assert done(renew(paid, key="ussd-7")).account.money_minor == 0


def test_quote_describes_the_renewal_without_changing_anything() -> None:
    account = make_account(money_minor=60000, buckets=current_package())
    quote = quote_renewal(account, SMART, now=NOW)
    assert isinstance(quote, RenewalQuote)
    assert quote.fee_minor == 50000
    assert quote.money_after_minor == 10000
    assert (quote.period_start, quote.next_charge_date) == (TODAY, MONTH_LATER)
    assert quote.carried_over == {Unit.MINUTES: 120, Unit.SMS: 40, Unit.MB: 2500}
    assert not quote.is_repeat
    result = done(renew(account))
    assert result.receipt.carried_over == quote.carried_over


def test_confirmed_quote_of_a_repeat_is_flagged() -> None:
    first = done(renew(make_account(money_minor=150000), key="a"))
    quote = quote_renewal(first.account, SMART, now=NOW + timedelta(minutes=1), confirmed=True)
    assert isinstance(quote, RenewalQuote) and quote.is_repeat


# -- order of the checks -------------------------------------------------------------------
def everything_wrong() -> Account:
    """A blocked daily line on a tariff without the service, in an unpaid period, with a
    100% discount, renewed 2 minutes ago and without money: it fails every check."""
    line = replace(
        make_line(period_start=TODAY, next_charge_date=date(2026, 11, 23),
                  mode=BillingMode.DAILY, discount_percent=100, tariff=BASIC),
        unpaid_since=TODAY, last_renewed_at=NOW - timedelta(minutes=2),
    )
    return make_account(money_minor=0, line=block_line(line, "fraud"))


def test_checks_run_in_the_documented_order() -> None:
    assert CHECK_ORDER == (
        RefusalCode.LINE_BLOCKED,
        RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF,
        RefusalCode.DAILY_BILLING,
        RefusalCode.UNPAID_PERIOD,
        RefusalCode.ZERO_FEE,
        RefusalCode.CONFIRM_REPEAT,
        RefusalCode.INSUFFICIENT_FUNDS,
    )
    account = everything_wrong()
    tariff = BASIC
    fixes = [
        lambda a: replace(a, line=replace(a.line, status=LineStatus.ACTIVE,
                                          block_reason=None)),
        None,  # switch to a tariff with the service
        lambda a: replace(a, line=replace(a.line, billing_mode=BillingMode.MONTHLY,
                                          next_charge_date=date(2026, 12, 22))),
        lambda a: replace(a, line=replace(a.line, unpaid_since=None)),
        lambda a: replace(a, line=replace(a.line, discount_percent=0)),
        lambda a: replace(a, line=replace(a.line, last_renewed_at=None)),
    ]
    # fixing the conditions one at a time reveals the next code in the order
    seen = []
    for code, fix in zip(CHECK_ORDER, [*fixes, None], strict=True):
        outcome = renew_package(account, tariff, now=NOW, idempotency_key="k")
        seen.append(refused(outcome))
        assert seen[-1] is code
        if code is RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF:
            tariff = SMART
            account = replace(account, line=replace(account.line, tariff_code="smart"))
        elif fix is not None:
            account = fix(account)
    assert seen == list(CHECK_ORDER)
    paid = top_up(account, 50000, idempotency_key="pay", now=NOW).account
    assert done(renew_package(paid, tariff, now=NOW, idempotency_key="k")).account.money_minor == 0


def test_a_blocked_daily_line_with_no_money_gets_line_blocked() -> None:
    line = block_line(make_line(period_start=TODAY, next_charge_date=date(2026, 11, 23),
                                mode=BillingMode.DAILY), "non_payment")
    assert refused(renew(make_account(money_minor=0, line=line))) is RefusalCode.LINE_BLOCKED


# -- inputs -----------------------------------------------------------------------------------
def test_inputs_are_checked() -> None:
    account = make_account(money_minor=50000)
    with pytest.raises(NaiveDatetime):
        renew(account, now=NOW.replace(tzinfo=None))
    with pytest.raises(ValidationFailed):
        renew(account, key=" ")
    with pytest.raises(ValidationFailed):  # the tariff must be the line's tariff
        renew_package(account, BASIC, now=NOW, idempotency_key="k")
