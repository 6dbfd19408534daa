"""Tariff and line validation, blocks, package buckets and their consumption order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from helpline.domain.billing import (
    Balances,
    BillingMode,
    BucketSource,
    Consumption,
    Line,
    LineStatus,
    Unit,
    block_line,
    lift_block,
)
from helpline.domain.billing.balances import consume, drop_expired
from helpline.domain.billing.catalog import demo_tariffs
from helpline.domain.errors import InvalidTransition, ValidationFailed

from .builders import NEXT_CHARGE, SMART, TODAY, bucket, make_line

CARRIED = BucketSource.CARRIED_OVER
PACKAGE = BucketSource.TARIFF_PACKAGE
BONUS = BucketSource.BONUS


class TestTariff:
    def test_included_share_and_rates_per_unit(self) -> None:
        assert SMART.included(Unit.MINUTES) == 300
        assert SMART.included(Unit.MB) == 10240
        assert SMART.rate_minor(Unit.SMS) == 250
        # daily share = included // 30: 300 // 30 = 10, 100 // 30 = 3, 10240 // 30 = 341
        assert [SMART.daily_share(u) for u in Unit] == [10, 3, 341]

    @pytest.mark.parametrize(
        "change",
        [{"monthly_fee_minor": -1}, {"daily_fee_minor": 1.5}, {"included_mb": -10},
         {"code": " "}, {"name": ""}],
    )
    def test_invalid_tariffs_are_rejected(self, change: dict[str, object]) -> None:
        with pytest.raises(ValidationFailed):
            replace(SMART, **change)  # type: ignore[arg-type]

    def test_demo_catalog_has_seed_002_tariffs_and_some_without_the_service(self) -> None:
        tariffs = demo_tariffs()
        names = {t.name for t in tariffs if t.renew_package_available}
        assert {"Smart", "Smart mini", "MAXI TOP", "Smart Безлимитище", "Наш Smart"} <= names
        assert len(names) == 14
        assert any(not t.renew_package_available for t in tariffs)
        assert len({t.code for t in tariffs}) == len(tariffs)


class TestLine:
    def test_open_line_is_monthly_active_and_due_on_the_opening_night(self) -> None:
        line = Line.open("79990000002", "smart", date(2026, 1, 31))
        assert line.billing_mode is BillingMode.MONTHLY
        assert line.is_active
        assert line.next_charge_date == date(2026, 1, 31)
        assert line.anchor_day == 31

    @pytest.mark.parametrize(
        "change",
        [{"discount_percent": 101}, {"anchor_day": 0}, {"msisdn": ""},
         {"next_charge_date": date(2026, 11, 1)},
         {"status": LineStatus.BLOCKED}, {"block_reason": "lost"}],
    )
    def test_invalid_lines_are_rejected(self, change: dict[str, object]) -> None:
        with pytest.raises(ValidationFailed):
            replace(make_line(), **change)  # type: ignore[arg-type]

    def test_block_needs_a_reason_and_lifting_starts_an_unpaid_period(self) -> None:
        with pytest.raises(ValidationFailed):
            block_line(make_line(), "  ")
        blocked = block_line(make_line(), "lost phone")
        assert blocked.is_blocked and blocked.block_reason == "lost phone"
        lifted = lift_block(blocked, TODAY)
        assert lifted.is_active and lifted.block_reason is None
        assert lifted.unpaid_since == TODAY

    def test_lifting_an_active_line_is_an_invalid_transition(self) -> None:
        with pytest.raises(InvalidTransition):
            lift_block(make_line(), TODAY)


class TestBuckets:
    def test_carried_over_then_tariff_package_then_bonus(self) -> None:
        balances = Balances(0, (
            bucket(Unit.MINUTES, BONUS, 50, date(2027, 1, 1)),
            bucket(Unit.MINUTES, PACKAGE, 100),
            bucket(Unit.MINUTES, CARRIED, 20),
        ))
        after, taken, uncovered = consume(balances, Unit.MINUTES, 150, TODAY)
        # 20 carried, then 100 package, then 30 of the 50 bonus minutes
        assert taken == (
            Consumption(Unit.MINUTES, CARRIED, 20),
            Consumption(Unit.MINUTES, PACKAGE, 100),
            Consumption(Unit.MINUTES, BONUS, 30),
        )
        assert uncovered == 0
        assert after.remaining(Unit.MINUTES, TODAY) == 20
        assert after.remaining(Unit.MINUTES, TODAY, BONUS) == 20

    def test_within_a_source_the_bucket_expiring_first_goes_first(self) -> None:
        late = bucket(Unit.SMS, BONUS, 5, date(2027, 2, 1))
        early = bucket(Unit.SMS, BONUS, 5, date(2026, 12, 1))
        _, taken, _ = consume(Balances(0, (late, early)), Unit.SMS, 7, TODAY)
        after, _, _ = consume(Balances(0, (late, early)), Unit.SMS, 7, TODAY)
        assert [c.amount for c in taken] == [5, 2]
        assert after.buckets == (replace(late, amount=3),)

    def test_other_units_and_expired_buckets_are_not_used(self) -> None:
        balances = Balances(0, (
            bucket(Unit.MB, PACKAGE, 1000),
            bucket(Unit.MINUTES, CARRIED, 30, expires_on=TODAY),  # expired today
        ))
        after, taken, uncovered = consume(balances, Unit.MINUTES, 10, TODAY)
        assert taken == ()
        assert uncovered == 10
        assert after.remaining(Unit.MB, TODAY) == 1000
        assert drop_expired(balances, TODAY).buckets == (bucket(Unit.MB, PACKAGE, 1000),)

    def test_a_bucket_is_usable_up_to_the_day_before_it_expires(self) -> None:
        b = bucket(Unit.SMS, PACKAGE, 1, NEXT_CHARGE)
        assert b.usable_on(date(2026, 12, 9))
        assert not b.usable_on(NEXT_CHARGE)

    def test_money_and_amounts_are_never_negative(self) -> None:
        with pytest.raises(ValidationFailed):
            Balances(-1)
        with pytest.raises(ValidationFailed):
            bucket(Unit.SMS, PACKAGE, -1)
        with pytest.raises(ValidationFailed):
            consume(Balances(), Unit.SMS, 0, TODAY)
