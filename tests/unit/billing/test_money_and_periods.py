"""Money rounding and calendar months."""

from __future__ import annotations

from datetime import date

import pytest

from helpline.domain.billing import apply_discount, format_minor
from helpline.domain.billing.periods import last_day_of_period, next_month_on, one_month_after
from helpline.domain.errors import ValidationFailed


@pytest.mark.parametrize(
    ("fee", "percent", "expected"),
    [
        (50000, 0, 50000),
        (50000, 15, 42500),      # 500.00 * 0.85 = 425.00
        (1999, 15, 1699),        # 19.99 * 0.85 = 16.9915 -> 16.99
        (1, 50, 1),              # 0.005 -> 0.01 (half up)
        (3, 50, 2),              # 0.015 -> 0.02 (half up)
        (7, 10, 6),              # 0.063 -> 0.06
        (50000, 100, 0),
        (0, 30, 0),
    ],
)
def test_discount_rounds_half_up_to_the_kopeck(fee: int, percent: int, expected: int) -> None:
    assert apply_discount(fee, percent) == expected


@pytest.mark.parametrize("percent", [-1, 101, 12.5, True])
def test_discount_percent_must_be_a_whole_percent_in_range(percent: object) -> None:
    with pytest.raises(ValidationFailed):
        apply_discount(50000, percent)  # type: ignore[arg-type]


@pytest.mark.parametrize("fee", [-1, 10.0, "100"])
def test_fee_must_be_a_non_negative_int(fee: object) -> None:
    with pytest.raises(ValidationFailed):
        apply_discount(fee, 0)  # type: ignore[arg-type]


def test_format_minor() -> None:
    assert format_minor(12345) == "123.45"
    assert format_minor(5) == "0.05"
    assert format_minor(-5) == "-0.05"
    assert format_minor(0) == "0.00"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),   # leap year
        (date(2026, 1, 29), date(2026, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 15), date(2027, 1, 15)),  # December -> January of the next year
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 11, 22), date(2026, 12, 22)),
    ],
)
def test_one_calendar_month_clamped_to_month_end(start: date, expected: date) -> None:
    assert one_month_after(start) == expected


def test_anchor_day_does_not_drift_after_a_short_month() -> None:
    # Jan 31 -> Feb 28 -> Mar 31 -> Apr 30, because the anchor day stays 31.
    assert next_month_on(date(2026, 2, 28), 31) == date(2026, 3, 31)
    assert next_month_on(date(2026, 3, 31), 31) == date(2026, 4, 30)
    assert next_month_on(date(2028, 2, 29), 30) == date(2028, 3, 30)


def test_anchor_day_must_be_1_to_31() -> None:
    with pytest.raises(ValidationFailed):
        next_month_on(date(2026, 1, 1), 32)
    with pytest.raises(ValidationFailed):
        next_month_on(date(2026, 1, 1), 0)


def test_period_end_is_the_day_before_the_next_charge() -> None:
    assert last_day_of_period(date(2026, 3, 1)) == date(2026, 2, 28)
    assert last_day_of_period(date(2027, 1, 1)) == date(2026, 12, 31)
