"""Calendar months for billing periods.

A monthly line keeps an *anchor day* (1..31): the day of month its period started on.
The next charge is one calendar month after the period start, on the anchor day
clamped to the month's length, so the anchor never drifts:
Jan 31 -> Feb 28 (Feb 29 in a leap year) -> Mar 31 -> Apr 30; Dec 15 -> Jan 15.
A period is ``[period_start, next_charge_date)``; its inclusive last day is
``next_charge_date - 1 day``.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from helpline.domain.errors import ValidationFailed


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def check_anchor_day(anchor_day: int) -> int:
    if isinstance(anchor_day, bool) or not isinstance(anchor_day, int) or not 1 <= anchor_day <= 31:
        raise ValidationFailed("anchor_day must be 1..31", field="anchor_day", value=anchor_day)
    return anchor_day


def next_month_on(start: date, anchor_day: int) -> date:
    """The date one calendar month after ``start`` on ``anchor_day``, clamped to month end."""
    check_anchor_day(anchor_day)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return date(year, month, min(anchor_day, days_in_month(year, month)))


def one_month_after(start: date) -> date:
    """One calendar month after ``start``, anchored on ``start``'s own day."""
    return next_month_on(start, start.day)


def last_day_of_period(next_charge_date: date) -> date:
    """Inclusive last day of a period that ends before ``next_charge_date``."""
    return next_charge_date - timedelta(days=1)
