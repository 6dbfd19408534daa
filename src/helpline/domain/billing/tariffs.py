"""Tariffs: fees, the included package and out-of-package rates, all in minor units."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.billing.money import check_minor
from helpline.domain.errors import ValidationFailed

#: Days a monthly package is divided by to give the daily share on daily billing.
DAYS_PER_DAILY_SHARE = 30


class Unit(StrEnum):
    """Units a package is counted in; quantities are whole units."""

    MINUTES = "minutes"
    SMS = "sms"
    MB = "mb"


@dataclass(frozen=True)
class Tariff:
    """A tariff plan.

    ``monthly_fee_minor`` is charged per calendar month on monthly billing and
    ``daily_fee_minor`` per day on daily billing (the fallback when the monthly fee
    cannot be paid). ``included_*`` is the package of one monthly period; rates
    ``*_rate_minor`` are per whole minute / SMS / MB beyond the package.
    """

    code: str
    name: str
    monthly_fee_minor: int
    daily_fee_minor: int
    included_minutes: int = 0
    included_sms: int = 0
    included_mb: int = 0
    minute_rate_minor: int = 0
    sms_rate_minor: int = 0
    mb_rate_minor: int = 0
    renew_package_available: bool = False

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise ValidationFailed("tariff code must not be empty", field="code")
        if not self.name.strip():
            raise ValidationFailed("tariff name must not be empty", field="name")
        for name in (
            "monthly_fee_minor", "daily_fee_minor", "included_minutes", "included_sms",
            "included_mb", "minute_rate_minor", "sms_rate_minor", "mb_rate_minor",
        ):
            check_minor(getattr(self, name), name)

    def included(self, unit: Unit) -> int:
        """Units of ``unit`` in one monthly package."""
        return {
            Unit.MINUTES: self.included_minutes,
            Unit.SMS: self.included_sms,
            Unit.MB: self.included_mb,
        }[unit]

    def daily_share(self, unit: Unit) -> int:
        """Units of ``unit`` granted per day on daily billing: ``included // 30`` (floor)."""
        return self.included(unit) // DAYS_PER_DAILY_SHARE

    def rate_minor(self, unit: Unit) -> int:
        """Out-of-package price of one ``unit``, in minor units."""
        return {
            Unit.MINUTES: self.minute_rate_minor,
            Unit.SMS: self.sms_rate_minor,
            Unit.MB: self.mb_rate_minor,
        }[unit]
