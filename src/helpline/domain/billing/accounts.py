"""The billing aggregate of one line and the plain money operations.

:class:`Account` = line + balances + ledger + receipts of past renewals. Every
operation is a pure function returning a new account; an idempotency key already
in the ledger returns the first entry and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from helpline.domain.billing.balances import Balances, BucketSource, PackageBucket
from helpline.domain.billing.ledger import (
    EntryKind,
    Ledger,
    LedgerEntry,
    check_ledger_invariant,
    replayed,
)
from helpline.domain.billing.lines import Line
from helpline.domain.billing.money import check_positive
from helpline.domain.billing.receipts import RenewalReceipt
from helpline.domain.billing.tariffs import Tariff, Unit
from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed

TOP_UP_DESCRIPTION = "Пополнение баланса"
REFUND_DESCRIPTION = "Возврат средств"
BONUS_DESCRIPTION = "Бонус"


@dataclass(frozen=True)
class Account:
    """Everything billing knows about one line. ``receipts`` is keyed by idempotency key."""

    line: Line
    balances: Balances = field(default_factory=Balances)
    ledger: Ledger = field(default_factory=Ledger)
    receipts: dict[str, RenewalReceipt] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_ledger_invariant(self.balances, self.ledger)

    @property
    def money_minor(self) -> int:
        return self.balances.money_minor


@dataclass(frozen=True)
class Posted:
    """Result of a money operation; ``replayed`` is true for a repeated idempotency key."""

    account: Account
    entry: LedgerEntry
    replayed: bool = False


def check_tariff(account: Account, tariff: Tariff) -> None:
    """Raise :class:`ValidationFailed` unless ``tariff`` is the line's tariff."""
    if account.line.tariff_code != tariff.code:
        raise ValidationFailed(
            "tariff does not match the line's tariff",
            msisdn=account.line.msisdn, line_tariff=account.line.tariff_code,
            tariff=tariff.code,
        )


def post(
    account: Account,
    entry: LedgerEntry,
    *,
    balances: Balances | None = None,
    line: Line | None = None,
    receipts: dict[str, RenewalReceipt] | None = None,
) -> Account:
    """Append ``entry`` and move money by its amount, optionally replacing other parts.

    ``balances`` (if given) is the package state before the entry's money moves.
    Money can never go below zero: callers check funds first, this guards it.
    """
    base = account.balances if balances is None else balances
    money = base.money_minor + entry.amount_minor
    if money < 0:
        raise ValidationFailed("money balance cannot go below zero", money_minor=money)
    return Account(
        line=account.line if line is None else line,
        balances=replace(base, money_minor=money),
        ledger=account.ledger.append(entry),
        receipts=account.receipts if receipts is None else receipts,
    )


def _credit(
    account: Account, kind: EntryKind, amount_minor: int, idempotency_key: str,
    now: datetime, description: str,
) -> Posted:
    check_positive(amount_minor, "amount_minor")
    check_aware(now, "now")
    first = replayed(account.ledger, idempotency_key, kind, amount_minor=amount_minor)
    if first is not None:
        return Posted(account, first, replayed=True)
    entry = LedgerEntry(idempotency_key, kind, amount_minor, now, description)
    return Posted(post(account, entry), entry)


def top_up(
    account: Account, amount_minor: int, *, idempotency_key: str, now: datetime,
    description: str = TOP_UP_DESCRIPTION,
) -> Posted:
    """Add money (a payment). Allowed on blocked lines too."""
    return _credit(account, EntryKind.TOP_UP, amount_minor, idempotency_key, now, description)


def refund(
    account: Account, amount_minor: int, *, idempotency_key: str, now: datetime,
    description: str = REFUND_DESCRIPTION,
) -> Posted:
    """Give money back to the balance (e.g. a wrong charge found by an operator)."""
    return _credit(account, EntryKind.REFUND, amount_minor, idempotency_key, now, description)


def grant_bonus_money(
    account: Account, amount_minor: int, *, idempotency_key: str, now: datetime,
    description: str = BONUS_DESCRIPTION,
) -> Posted:
    """Add bonus money to the balance."""
    return _credit(account, EntryKind.BONUS, amount_minor, idempotency_key, now, description)


def grant_bonus_package(
    account: Account, unit: Unit, quantity: int, *, expires_on: date, idempotency_key: str,
    now: datetime, description: str = BONUS_DESCRIPTION,
) -> Posted:
    """Add a bonus bucket of ``quantity`` ``unit`` usable before ``expires_on``.

    Bonus units are used after carried-over and tariff units, keep their own expiry
    and never carry over. The ledger gets a zero-amount ``bonus`` entry.
    """
    check_positive(quantity, "quantity")
    check_aware(now, "now")
    if expires_on <= now.date():
        raise ValidationFailed("a bonus must expire after today", field="expires_on")
    first = replayed(account.ledger, idempotency_key, EntryKind.BONUS, unit=unit,
                     quantity=quantity)
    if first is not None:
        return Posted(account, first, replayed=True)
    entry = LedgerEntry(
        idempotency_key, EntryKind.BONUS, 0, now, description, unit=unit, quantity=quantity
    )
    bucket = PackageBucket(unit, BucketSource.BONUS, quantity, expires_on)
    balances = replace(account.balances, buckets=(*account.balances.buckets, bucket))
    return Posted(post(account, entry, balances=balances), entry)


def open_account(line: Line) -> Account:
    """An account with no money and an empty ledger (money arrives by :func:`top_up`)."""
    return Account(line)
