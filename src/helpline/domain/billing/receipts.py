"""What a successful "renew package" did; replayed as-is for a repeated request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from helpline.domain.billing.periods import last_day_of_period
from helpline.domain.billing.tariffs import Unit


@dataclass(frozen=True)
class RenewalReceipt:
    """Fee charged, the new period and the units carried over (and those that expired).

    ``carried_over`` holds unused units of the old tariff package, now usable before
    the new package until ``next_charge_date``; ``expired_carried_over`` holds units
    that had already been carried once and therefore expired at this renewal.
    """

    idempotency_key: str
    msisdn: str
    tariff_code: str
    fee_minor: int
    renewed_at: datetime
    period_start: date
    next_charge_date: date
    carried_over: dict[Unit, int] = field(default_factory=dict)
    expired_carried_over: dict[Unit, int] = field(default_factory=dict)

    @property
    def period_end(self) -> date:
        """Inclusive last day of the new period."""
        return last_day_of_period(self.next_charge_date)
