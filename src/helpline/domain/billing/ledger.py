"""The append-only money ledger.

Every change of the money balance is one entry with a signed ``amount_minor``
(credits positive, debits negative) and an idempotency key unique in the ledger.
Invariant: ``Balances.money_minor == opening_minor + sum(entry.amount_minor)``
(:func:`check_ledger_invariant`); ``opening_minor`` is the sum of earlier entries a
store chose not to load (0 when the whole ledger is loaded), so a service can load
only the entries it needs (e.g. the one matching a request's idempotency key).
Package-only events (usage fully covered by a package, a package bonus) are entries
with ``amount_minor == 0`` so they stay traceable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from helpline.domain.billing.balances import Balances
from helpline.domain.billing.errors import IdempotencyConflict, LedgerMismatch
from helpline.domain.billing.money import check_minor
from helpline.domain.billing.tariffs import Unit
from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed


class EntryKind(StrEnum):
    CHARGE = "charge"
    TOP_UP = "top_up"
    REFUND = "refund"
    BONUS = "bonus"
    USAGE = "usage"


#: Kinds that can only take money (amount <= 0); the others only add it (amount >= 0).
DEBIT_KINDS = frozenset({EntryKind.CHARGE, EntryKind.USAGE})


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger line. ``period_end`` is inclusive; ``unit``/``quantity`` describe units."""

    idempotency_key: str
    kind: EntryKind
    amount_minor: int
    at: datetime
    description: str
    period_start: date | None = None
    period_end: date | None = None
    unit: Unit | None = None
    quantity: int = 0

    def __post_init__(self) -> None:
        if not self.idempotency_key.strip():
            raise ValidationFailed("idempotency_key must not be empty", field="idempotency_key")
        check_minor(self.amount_minor, "amount_minor", allow_negative=True)
        check_minor(self.quantity, "quantity")
        check_aware(self.at, "at")
        debit = self.kind in DEBIT_KINDS
        if (debit and self.amount_minor > 0) or (not debit and self.amount_minor < 0):
            raise ValidationFailed(
                f"a {self.kind.value} entry cannot have amount {self.amount_minor}",
                field="amount_minor",
            )


@dataclass(frozen=True)
class Ledger:
    """Entries in append order (after ``opening_minor``); look-ups by idempotency key."""

    entries: tuple[LedgerEntry, ...] = ()
    opening_minor: int = 0
    _by_key: dict[str, LedgerEntry] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        check_minor(self.opening_minor, "opening_minor")
        for entry in self.entries:
            if entry.idempotency_key in self._by_key:
                raise IdempotencyConflict(
                    "duplicate idempotency key in ledger", key=entry.idempotency_key
                )
            self._by_key[entry.idempotency_key] = entry

    def find(self, idempotency_key: str) -> LedgerEntry | None:
        return self._by_key.get(idempotency_key)

    @property
    def balance_minor(self) -> int:
        """Opening amount plus all entries: what the money balance must be."""
        return self.opening_minor + sum(e.amount_minor for e in self.entries)

    def append(self, entry: LedgerEntry) -> Ledger:
        """A ledger with ``entry`` appended; its key must be new (see :func:`replayed`)."""
        if entry.idempotency_key in self._by_key:
            raise IdempotencyConflict(
                "idempotency key already used", key=entry.idempotency_key
            )
        return Ledger((*self.entries, entry), self.opening_minor)


def replayed(
    ledger: Ledger, idempotency_key: str, kind: EntryKind, *, unit: Unit | None = None,
    amount_minor: int | None = None, quantity: int | None = None,
) -> LedgerEntry | None:
    """The entry already recorded under ``idempotency_key``, or ``None``.

    Raises :class:`IdempotencyConflict` if the key was used for a different operation
    (another kind, unit, or — when given — amount or quantity), so one key can never
    mean two operations.
    """
    entry = ledger.find(idempotency_key)
    if entry is None:
        return None
    if (
        entry.kind is not kind
        or entry.unit is not unit
        or (amount_minor is not None and entry.amount_minor != amount_minor)
        or (quantity is not None and entry.quantity != quantity)
    ):
        raise IdempotencyConflict(
            "idempotency key already used for another operation",
            key=idempotency_key, kind=entry.kind.value,
        )
    return entry


def check_ledger_invariant(balances: Balances, ledger: Ledger) -> None:
    """Raise :class:`LedgerMismatch` unless money balance == the ledger's balance."""
    expected = ledger.balance_minor
    if balances.money_minor != expected:
        raise LedgerMismatch(
            "money balance differs from the ledger",
            money_minor=balances.money_minor, ledger_minor=expected,
        )
