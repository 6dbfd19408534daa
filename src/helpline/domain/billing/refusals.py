"""Stable refusal codes of "renew package", in the order they are checked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefusalCode(StrEnum):
    LINE_BLOCKED = "line_blocked"
    SERVICE_UNAVAILABLE_ON_TARIFF = "service_unavailable_on_tariff"
    DAILY_BILLING = "daily_billing"
    UNPAID_PERIOD = "unpaid_period"
    ZERO_FEE = "zero_fee"
    CONFIRM_REPEAT = "confirm_repeat"
    INSUFFICIENT_FUNDS = "insufficient_funds"


#: The order :func:`renewal.quote_renewal` checks the conditions in; the first wins.
CHECK_ORDER: tuple[RefusalCode, ...] = tuple(RefusalCode)


@dataclass(frozen=True)
class RenewalRefusal:
    """A refused renewal: nothing changed. ``fee_minor`` is the fee once it is known."""

    code: RefusalCode
    fee_minor: int | None = None
    money_minor: int | None = None
