"""Money and package balances.

Packages are *buckets* of one unit (minutes, SMS, MB), each with a source and an
expiry date: a bucket can be used on dates strictly before ``expires_on``.
Consumption order for one unit: carried-over buckets first, then the tariff
package, then bonuses; within one source the bucket expiring first goes first,
then the older bucket (tuple order). What no bucket covers is paid from money at
the tariff's out-of-package rate (see :mod:`rating`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from helpline.domain.billing.money import check_minor
from helpline.domain.billing.tariffs import Tariff, Unit
from helpline.domain.errors import ValidationFailed


class BucketSource(StrEnum):
    CARRIED_OVER = "carried_over"
    TARIFF_PACKAGE = "tariff_package"
    BONUS = "bonus"


#: Lower rank is consumed first.
CONSUMPTION_RANK: dict[BucketSource, int] = {
    BucketSource.CARRIED_OVER: 0,
    BucketSource.TARIFF_PACKAGE: 1,
    BucketSource.BONUS: 2,
}


@dataclass(frozen=True)
class PackageBucket:
    """``amount`` whole units of ``unit`` left, usable on dates before ``expires_on``."""

    unit: Unit
    source: BucketSource
    amount: int
    expires_on: date

    def __post_init__(self) -> None:
        check_minor(self.amount, "amount")

    def usable_on(self, on: date) -> bool:
        return self.amount > 0 and on < self.expires_on


@dataclass(frozen=True)
class Consumption:
    """``amount`` units of ``unit`` taken from a bucket of ``source``."""

    unit: Unit
    source: BucketSource
    amount: int


@dataclass(frozen=True)
class Balances:
    """Money in minor units (never negative) and the package buckets."""

    money_minor: int = 0
    buckets: tuple[PackageBucket, ...] = ()

    def __post_init__(self) -> None:
        check_minor(self.money_minor, "money_minor")

    def remaining(self, unit: Unit, on: date, source: BucketSource | None = None) -> int:
        """Units of ``unit`` usable on ``on`` (optionally of one ``source`` only)."""
        return sum(
            b.amount for b in self.buckets
            if b.unit is unit and b.usable_on(on) and (source is None or b.source is source)
        )


def consumption_order(buckets: tuple[PackageBucket, ...], unit: Unit, on: date) -> list[int]:
    """Indexes of the buckets usable for ``unit`` on ``on``, in the order they are used."""
    usable = [i for i, b in enumerate(buckets) if b.unit is unit and b.usable_on(on)]
    return sorted(
        usable,
        key=lambda i: (CONSUMPTION_RANK[buckets[i].source], buckets[i].expires_on, i),
    )


def consume(
    balances: Balances, unit: Unit, quantity: int, on: date
) -> tuple[Balances, tuple[Consumption, ...], int]:
    """Take ``quantity`` units from the buckets in order.

    Returns the new balances (money untouched), what was taken from which source,
    and the units no bucket covered.
    """
    if check_minor(quantity, "quantity") == 0:
        raise ValidationFailed("quantity must be greater than zero", field="quantity")
    buckets = list(balances.buckets)
    left = quantity
    taken: list[Consumption] = []
    for index in consumption_order(balances.buckets, unit, on):
        if left == 0:
            break
        bucket = buckets[index]
        amount = min(bucket.amount, left)
        buckets[index] = replace(bucket, amount=bucket.amount - amount)
        taken.append(Consumption(unit, bucket.source, amount))
        left -= amount
    kept = tuple(b for b in buckets if b.amount > 0)
    return replace(balances, buckets=kept), tuple(taken), left


def drop_expired(balances: Balances, on: date) -> Balances:
    """Remove the buckets that are empty or can no longer be used on ``on``."""
    return replace(balances, buckets=tuple(b for b in balances.buckets if b.usable_on(on)))


def package_buckets(
    tariff: Tariff, expires_on: date, *, daily: bool = False
) -> tuple[PackageBucket, ...]:
    """A fresh tariff package (the daily share on daily billing); zero units are omitted."""
    buckets = []
    for unit in Unit:
        amount = tariff.daily_share(unit) if daily else tariff.included(unit)
        if amount > 0:
            buckets.append(PackageBucket(unit, BucketSource.TARIFF_PACKAGE, amount, expires_on))
    return tuple(buckets)


def without_sources(balances: Balances, *sources: BucketSource) -> Balances:
    """Balances with every bucket of ``sources`` removed (they expire)."""
    return replace(
        balances, buckets=tuple(b for b in balances.buckets if b.source not in sources)
    )
