"""Usage rating: minutes, SMS and MB consume buckets in order, then money.

Quantities are whole units as the network reports them (the caller rounds a call
up to whole minutes and data up to whole MB). What no bucket covers costs
``quantity * tariff.rate_minor(unit)`` — exact integer arithmetic. A use the
money cannot pay for is refused whole (:class:`InsufficientFunds`, nothing
consumed): money never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpline.domain.billing.accounts import Account, check_tariff, post
from helpline.domain.billing.balances import Consumption, consume, drop_expired
from helpline.domain.billing.errors import InsufficientFunds, LineBlocked
from helpline.domain.billing.ledger import EntryKind, LedgerEntry, replayed
from helpline.domain.billing.money import check_positive
from helpline.domain.billing.tariffs import Tariff, Unit
from helpline.domain.clock import check_aware

UNIT_NAMES_RU: dict[Unit, str] = {Unit.MINUTES: "мин", Unit.SMS: "SMS", Unit.MB: "МБ"}


@dataclass(frozen=True)
class Rated:
    """A rated use. ``consumed`` lists units taken per bucket source; ``paid_units``
    were paid from money for ``charged_minor``. A replay has ``consumed == ()``."""

    account: Account
    entry: LedgerEntry
    consumed: tuple[Consumption, ...]
    paid_units: int
    charged_minor: int
    replayed: bool = False


def rate_usage(
    account: Account, tariff: Tariff, unit: Unit, quantity: int, *,
    idempotency_key: str, now: datetime,
) -> Rated:
    """Record the use of ``quantity`` ``unit`` at ``now`` (the bucket date is ``now.date()``)."""
    check_tariff(account, tariff)
    check_aware(now, "now")
    check_positive(quantity, "quantity")
    first = replayed(account.ledger, idempotency_key, EntryKind.USAGE, unit=unit,
                     quantity=quantity)
    if first is not None:
        return Rated(account, first, (), 0, -first.amount_minor, replayed=True)
    if account.line.is_blocked:
        raise LineBlocked("the line is blocked", msisdn=account.line.msisdn)
    on = now.date()
    balances, consumed, paid_units = consume(
        drop_expired(account.balances, on), unit, quantity, on
    )
    charged_minor = paid_units * tariff.rate_minor(unit)
    if charged_minor > balances.money_minor:
        raise InsufficientFunds(
            "not enough money for the use beyond the package",
            msisdn=account.line.msisdn, needed_minor=charged_minor,
            money_minor=balances.money_minor,
        )
    description = f"Использование: {quantity} {UNIT_NAMES_RU[unit]}"
    entry = LedgerEntry(
        idempotency_key, EntryKind.USAGE, -charged_minor, now, description,
        unit=unit, quantity=quantity,
    )
    return Rated(post(account, entry, balances=balances), entry, consumed, paid_units,
                 charged_minor)
