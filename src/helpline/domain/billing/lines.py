"""The billing side of a line: tariff, status, billing mode, period and discount.

A monthly period is ``[period_start, next_charge_date)``; on daily billing the
period is one day. ``anchor_day`` is the day of month monthly periods start on.
``unpaid_since`` marks the *unpaid period*: it is set when a block is lifted and
cleared by the next nightly charge run (seed 002: "при выходе из блокировки, до
момента списания платы по тарифу ближайшей ночью").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from helpline.domain.billing.money import check_percent
from helpline.domain.billing.periods import check_anchor_day
from helpline.domain.clock import check_aware
from helpline.domain.errors import InvalidTransition, ValidationFailed

#: Block reason used by the periodic charge when even the daily fee cannot be paid.
NON_PAYMENT = "non_payment"


class LineStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class BillingMode(StrEnum):
    MONTHLY = "monthly"
    DAILY = "daily"


@dataclass(frozen=True)
class Line:
    """Billing fields of one phone line (immutable; functions return new values)."""

    msisdn: str
    tariff_code: str
    period_start: date
    next_charge_date: date
    anchor_day: int
    billing_mode: BillingMode = BillingMode.MONTHLY
    status: LineStatus = LineStatus.ACTIVE
    block_reason: str | None = None
    discount_percent: int = 0
    services: frozenset[str] = frozenset()
    unpaid_since: date | None = None
    last_renewed_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.msisdn.strip():
            raise ValidationFailed("msisdn must not be empty", field="msisdn")
        if not self.tariff_code.strip():
            raise ValidationFailed("tariff_code must not be empty", field="tariff_code")
        check_anchor_day(self.anchor_day)
        check_percent(self.discount_percent)
        if self.next_charge_date < self.period_start:
            raise ValidationFailed(
                "next_charge_date must not be before period_start", field="next_charge_date"
            )
        blocked = self.status is LineStatus.BLOCKED
        if blocked != bool(self.block_reason and self.block_reason.strip()):
            raise ValidationFailed(
                "a blocked line needs a block_reason and an active line has none",
                field="block_reason",
            )
        if self.last_renewed_at is not None:
            check_aware(self.last_renewed_at, "last_renewed_at")

    @classmethod
    def open(
        cls,
        msisdn: str,
        tariff_code: str,
        on: date,
        *,
        discount_percent: int = 0,
        services: frozenset[str] = frozenset(),
    ) -> Line:
        """A new monthly line whose first fee is due on ``on`` (the opening night's run)."""
        return cls(
            msisdn=msisdn, tariff_code=tariff_code, period_start=on, next_charge_date=on,
            anchor_day=on.day, discount_percent=discount_percent, services=services,
        )

    @property
    def is_active(self) -> bool:
        return self.status is LineStatus.ACTIVE

    @property
    def is_blocked(self) -> bool:
        return self.status is LineStatus.BLOCKED


def block_line(line: Line, reason: str) -> Line:
    """Block ``line`` with a non-empty ``reason`` (re-blocking updates the reason)."""
    if not reason.strip():
        raise ValidationFailed("a block needs a reason", field="reason")
    return replace(line, status=LineStatus.BLOCKED, block_reason=reason.strip())


def lift_block(line: Line, on: date) -> Line:
    """Unblock ``line`` on ``on``; the line is in an unpaid period until the next night run."""
    if not line.is_blocked:
        raise InvalidTransition("the line is not blocked", msisdn=line.msisdn)
    return replace(line, status=LineStatus.ACTIVE, block_reason=None, unpaid_since=on)
