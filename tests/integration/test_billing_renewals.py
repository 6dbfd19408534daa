"""«Обнови пакет» through the service on SQLite and PostgreSQL: success, carry-over,
each refusal code, and the first result returned for a repeated key.

Tariff SMART: 500.00/month, 17.00/day, 300 min, 100 SMS, 10240 MB, 3.00/min.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from helpline.domain.billing import (
    RefusalCode,
    RenewalQuote,
    RenewalRefusal,
    Unit,
    refusal_message,
)
from helpline.domain.errors import ValidationFailed
from helpline.services import billing
from helpline.services.billing_results import RenewalResult
from helpline.services.context import ServiceContext
from tests.conftest import ManualClock
from tests.integration.billing_helpers import (
    BASIC,
    add_line,
    edit_account,
    ledger_count,
    ledger_equals_money,
    money,
    noon,
    replace_line,
)

__all__ = ["ledger_equals_money"]
OPENED = date(2026, 1, 31)
MSISDN = "79990000001"


@pytest.fixture
def at_opening(clock: ManualClock) -> ManualClock:
    clock.now = noon(OPENED)
    return clock


def as_quote(found: RenewalQuote | RenewalRefusal) -> RenewalQuote:
    assert isinstance(found, RenewalQuote), found
    return found


def renew(ctx: ServiceContext, key: str, *, channel: str = "sms",
          confirmed: bool = False) -> RenewalResult:
    return billing.renew(ctx, MSISDN, channel=channel, idempotency_key=key, confirmed=confirmed)


def test_renewal_charges_restarts_the_period_and_carries_the_package_over(
        ctx: ServiceContext, engine: Engine, at_opening: ManualClock) -> None:
    # opened Jan 31 with 1,100.00: the first fee leaves 600.00; next charge Feb 28
    add_line(ctx, opened_on=OPENED, money_minor=110000)
    billing.record_usage(ctx, MSISDN, Unit.MINUTES, 100, idempotency_key="call-1")
    at_opening.now = noon(date(2026, 2, 10))

    result = renew(ctx, "sms-1")

    assert result.renewed and result.refusal is None and not result.replayed
    assert result.fee_minor == 50000 and result.money_minor == 10000
    assert result.period_start == date(2026, 2, 10)
    assert result.next_charge_date == date(2026, 3, 10)
    assert result.carried_over == {Unit.MINUTES: 200, Unit.SMS: 100, Unit.MB: 10240}
    assert money(engine, MSISDN) == 10000
    view = billing.balances(ctx, MSISDN)
    assert view.next_charge_date == date(2026, 3, 10) and view.period_start == date(2026, 2, 10)
    assert view.remaining(Unit.MINUTES) == 200 + 300
    entry = billing.ledger(ctx, MSISDN, limit=1)[0].entry
    assert entry.amount_minor == -50000 and entry.idempotency_key == "renewal:sms:sms-1"
    assert entry.description == ("Списание ежемесячной платы по Тарифному плану, "
                                 "период 10.02.2026–09.03.2026")


def test_carried_over_units_are_used_first_and_never_carried_twice(
        ctx: ServiceContext, engine: Engine, at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=160000)  # 1,100.00 after the first fee
    at_opening.now = noon(date(2026, 2, 10))
    assert renew(ctx, "first").carried_over[Unit.MINUTES] == 300
    used = billing.record_usage(ctx, MSISDN, Unit.MINUTES, 350, idempotency_key="call-1")
    assert used.consumed == {"carried_over": 300, "tariff_package": 50}
    assert used.charged_minor == 0

    at_opening.now = noon(date(2026, 2, 20))
    second = renew(ctx, "second")
    # the 250 package minutes left carry over; nothing carried-over is left to expire
    assert second.carried_over[Unit.MINUTES] == 250
    assert Unit.MINUTES not in second.expired_carried_over
    assert second.expired_carried_over == {Unit.SMS: 100, Unit.MB: 10240}
    assert billing.balances(ctx, MSISDN).remaining(Unit.MINUTES) == 250 + 300
    assert money(engine, MSISDN) == 10000


def test_repeated_key_returns_the_first_result_and_charges_nothing(
        ctx: ServiceContext, engine: Engine, at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=160000)
    first = renew(ctx, "ussd-session-7", channel="ussd", confirmed=True)
    at_opening.advance(3)
    again = renew(ctx, "ussd-session-7", channel="ussd", confirmed=True)
    assert again.replayed and not first.replayed
    assert again.to_json() == first.to_json()
    assert money(engine, MSISDN) == 60000
    assert ledger_count(engine, MSISDN, "charge") == 2  # opening fee + one renewal
    # the same id on another channel is another request
    at_opening.advance(3)
    other = renew(ctx, "ussd-session-7", channel="sms", confirmed=True)
    assert other.renewed and not other.replayed
    assert money(engine, MSISDN) == 10000


def test_a_refusal_is_stored_too_and_replayed_after_a_top_up(
        ctx: ServiceContext, engine: Engine, at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=60000)  # 100.00 left
    refused = renew(ctx, "msg-1")
    assert refused.refusal is RefusalCode.INSUFFICIENT_FUNDS
    assert (refused.fee_minor, refused.money_minor) == (50000, 10000)
    billing.top_up(ctx, MSISDN, 50000, idempotency_key="pay-1")
    replay = renew(ctx, "msg-1")
    assert replay.replayed and replay.refusal is RefusalCode.INSUFFICIENT_FUNDS
    assert money(engine, MSISDN) == 60000
    fresh = renew(ctx, "msg-2")
    assert fresh.renewed and money(engine, MSISDN) == 10000


def test_line_blocked_for_non_payment_is_refused_first(ctx: ServiceContext,
                                                       at_opening: ManualClock) -> None:
    # no money: the opening night blocks the line; the tariff also lacks the service,
    # but line_blocked is checked first
    add_line(ctx, tariff=BASIC, opened_on=OPENED, money_minor=0)
    assert renew(ctx, "k").refusal is RefusalCode.LINE_BLOCKED


def test_tariff_without_the_service_is_refused(ctx: ServiceContext,
                                               at_opening: ManualClock) -> None:
    add_line(ctx, tariff=BASIC, opened_on=OPENED, money_minor=200000)
    result = renew(ctx, "k")
    assert result.refusal is RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF
    assert result.message("en") == refusal_message(RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF,
                                                   "en")


def test_daily_billing_is_refused(ctx: ServiceContext, engine: Engine,
                                  at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=3000)  # 30.00 pays a day (17.00), not a month
    assert billing.balances(ctx, MSISDN).billing_mode == "daily"
    billing.top_up(ctx, MSISDN, 100000, idempotency_key="pay")
    assert renew(ctx, "k").refusal is RefusalCode.DAILY_BILLING
    assert money(engine, MSISDN) == 3000 - 1700 + 100000


def test_unpaid_period_is_refused_until_the_nightly_charge(ctx: ServiceContext,
                                                           at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=160000)
    at_opening.now = noon(date(2026, 2, 5))
    edit_account(ctx, MSISDN, replace_line(unpaid_since=date(2026, 2, 5)))
    assert renew(ctx, "before-night").refusal is RefusalCode.UNPAID_PERIOD
    billing.run_charges(ctx, date(2026, 2, 6))  # clears the mark (the line is not due)
    at_opening.now = noon(date(2026, 2, 6))
    assert renew(ctx, "after-night").renewed


def test_hundred_percent_discount_is_refused(ctx: ServiceContext, engine: Engine,
                                             at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=10000, discount_percent=100)
    result = renew(ctx, "k")
    assert result.refusal is RefusalCode.ZERO_FEE and result.fee_minor == 0
    assert money(engine, MSISDN) == 10000


def test_second_renewal_within_ten_minutes_needs_confirmation(
        ctx: ServiceContext, engine: Engine, at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=210000)  # 1,600.00 after the first fee
    assert renew(ctx, "m1").renewed
    at_opening.advance(9 * 60 + 59)
    sms = renew(ctx, "m2")
    assert sms.refusal is RefusalCode.CONFIRM_REPEAT and sms.fee_minor == 50000
    assert billing.quote(ctx, MSISDN).code is RefusalCode.CONFIRM_REPEAT  # type: ignore[union-attr]
    assert as_quote(billing.quote(ctx, MSISDN, confirmed=True)).is_repeat
    assert renew(ctx, "u1", channel="ussd", confirmed=True).renewed
    at_opening.advance(10 * 60)
    assert renew(ctx, "m3").renewed
    assert money(engine, MSISDN) == 160000 - 3 * 50000


def test_insufficient_funds_is_refused_last(ctx: ServiceContext,
                                            at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=99999)  # 499.99 left, fee 500.00
    result = renew(ctx, "k")
    assert result.refusal is RefusalCode.INSUFFICIENT_FUNDS
    assert result.message("ru") == "Недостаточно средств для обновления пакета. Пополните баланс."


def test_quote_shows_the_fee_and_what_carries_over(ctx: ServiceContext,
                                                   at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=110000, discount_percent=15)
    quote = as_quote(billing.quote(ctx, MSISDN))
    # 15% off 500.00 = 425.00, charged once at opening and once by this renewal
    assert quote.fee_minor == 42500
    assert quote.money_after_minor == 110000 - 42500 - 42500
    assert quote.period_start == OPENED and quote.next_charge_date == date(2026, 2, 28)
    assert quote.carried_over == {Unit.MINUTES: 300, Unit.SMS: 100, Unit.MB: 10240}
    assert not quote.is_repeat


def test_bad_channel_or_key_is_a_validation_error(ctx: ServiceContext,
                                                  at_opening: ManualClock) -> None:
    add_line(ctx, opened_on=OPENED, money_minor=60000)
    with pytest.raises(ValidationFailed):
        billing.renew(ctx, MSISDN, channel="fax", idempotency_key="k")
    with pytest.raises(ValidationFailed):
        billing.renew(ctx, MSISDN, channel="sms", idempotency_key=" ")
    with pytest.raises(ValidationFailed):
        billing.renew(ctx, MSISDN, channel="sms", idempotency_key="x" * 121)
