"""Ledger entries, idempotency keys, the ledger invariant, top-ups, refunds, bonuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from helpline.domain.billing import (
    Account,
    Balances,
    BucketSource,
    EntryKind,
    IdempotencyConflict,
    Ledger,
    LedgerEntry,
    LedgerMismatch,
    Unit,
    block_line,
    check_ledger_invariant,
    grant_bonus_money,
    grant_bonus_package,
    open_account,
    refund,
    top_up,
)
from helpline.domain.errors import NaiveDatetime, ValidationFailed

from .builders import NOW, TODAY, make_account, make_line


def entry(key: str, kind: EntryKind, amount: int) -> LedgerEntry:
    return LedgerEntry(key, kind, amount, NOW, "test")


class TestLedger:
    @pytest.mark.parametrize(
        ("kind", "amount"),
        [(EntryKind.CHARGE, 1), (EntryKind.USAGE, 5), (EntryKind.TOP_UP, -1),
         (EntryKind.REFUND, -1), (EntryKind.BONUS, -3)],
    )
    def test_entry_sign_follows_its_kind(self, kind: EntryKind, amount: int) -> None:
        with pytest.raises(ValidationFailed):
            entry("k", kind, amount)

    def test_entry_needs_an_aware_time_and_a_key(self) -> None:
        with pytest.raises(NaiveDatetime):
            LedgerEntry("k", EntryKind.TOP_UP, 1, datetime(2026, 1, 1), "naive")
        with pytest.raises(ValidationFailed):
            entry(" ", EntryKind.TOP_UP, 1)

    def test_append_only_with_unique_keys(self) -> None:
        ledger = Ledger().append(entry("a", EntryKind.TOP_UP, 1000))
        ledger = ledger.append(entry("b", EntryKind.CHARGE, -300))
        assert ledger.balance_minor == 700
        assert ledger.find("a") == entry("a", EntryKind.TOP_UP, 1000)
        with pytest.raises(IdempotencyConflict):
            ledger.append(entry("a", EntryKind.TOP_UP, 1000))
        with pytest.raises(IdempotencyConflict):
            Ledger((entry("x", EntryKind.TOP_UP, 1), entry("x", EntryKind.TOP_UP, 1)))

    def test_a_partly_loaded_ledger_starts_from_its_opening_amount(self) -> None:
        ledger = Ledger((entry("c", EntryKind.CHARGE, -300),), opening_minor=1000)
        ledger = ledger.append(entry("d", EntryKind.TOP_UP, 50))
        assert ledger.balance_minor == 750  # 1000 - 300 + 50
        check_ledger_invariant(Balances(750), ledger)
        with pytest.raises(ValidationFailed):
            Ledger(opening_minor=-1)

    def test_invariant_check_detects_a_mismatch(self) -> None:
        ledger = Ledger((entry("a", EntryKind.TOP_UP, 1000),))
        check_ledger_invariant(Balances(1000), ledger)
        with pytest.raises(LedgerMismatch):
            check_ledger_invariant(Balances(999), ledger)
        with pytest.raises(LedgerMismatch):
            Account(make_line(), Balances(5), Ledger())


class TestMoneyOperations:
    def test_top_up_adds_money_and_one_entry(self) -> None:
        posted = top_up(open_account(make_line()), 15000, idempotency_key="pay-1", now=NOW)
        assert posted.account.money_minor == 15000
        assert posted.entry.kind is EntryKind.TOP_UP
        assert posted.entry.description == "Пополнение баланса"
        assert not posted.replayed

    def test_repeated_top_up_key_returns_the_first_entry_and_adds_nothing(self) -> None:
        first = top_up(open_account(make_line()), 15000, idempotency_key="pay-1", now=NOW)
        again = top_up(first.account, 15000, idempotency_key="pay-1", now=NOW)
        assert again.replayed
        assert again.entry == first.entry
        assert again.account == first.account
        assert again.account.money_minor == 15000

    def test_a_key_cannot_mean_two_operations(self) -> None:
        account = top_up(open_account(make_line()), 15000, idempotency_key="k", now=NOW).account
        with pytest.raises(IdempotencyConflict):
            top_up(account, 20000, idempotency_key="k", now=NOW)
        with pytest.raises(IdempotencyConflict):
            refund(account, 15000, idempotency_key="k", now=NOW)

    def test_top_up_works_on_a_blocked_line(self) -> None:
        account = open_account(block_line(make_line(), "non_payment"))
        assert top_up(account, 100, idempotency_key="p", now=NOW).account.money_minor == 100

    @pytest.mark.parametrize("amount", [0, -100, 1.5])
    def test_amounts_must_be_positive_integers(self, amount: object) -> None:
        with pytest.raises(ValidationFailed):
            top_up(open_account(make_line()), amount, idempotency_key="p",  # type: ignore[arg-type]
                   now=NOW)

    def test_refund_and_bonus_money_are_credits(self) -> None:
        account = make_account(money_minor=1000)
        account = refund(account, 250, idempotency_key="r1", now=NOW).account
        account = grant_bonus_money(account, 100, idempotency_key="b1", now=NOW).account
        assert account.money_minor == 1350  # 1000 + 250 + 100
        assert [e.kind for e in account.ledger.entries] == [
            EntryKind.TOP_UP, EntryKind.REFUND, EntryKind.BONUS]

    def test_bonus_package_adds_a_bucket_and_a_zero_amount_entry(self) -> None:
        posted = grant_bonus_package(
            make_account(money_minor=1000), Unit.MB, 2048, expires_on=date(2027, 1, 1),
            idempotency_key="gift", now=NOW,
        )
        assert posted.entry.amount_minor == 0
        assert posted.entry.unit is Unit.MB and posted.entry.quantity == 2048
        assert posted.account.money_minor == 1000
        assert posted.account.balances.remaining(Unit.MB, TODAY, BucketSource.BONUS) == 2048
        again = grant_bonus_package(
            posted.account, Unit.MB, 2048, expires_on=date(2027, 1, 1),
            idempotency_key="gift", now=NOW,
        )
        assert again.replayed and again.account == posted.account

    def test_bonus_package_must_expire_after_today(self) -> None:
        with pytest.raises(ValidationFailed):
            grant_bonus_package(make_account(), Unit.SMS, 5, expires_on=TODAY,
                                idempotency_key="g", now=NOW)

    def test_naive_now_is_rejected(self) -> None:
        with pytest.raises(NaiveDatetime):
            top_up(make_account(), 1, idempotency_key="p", now=NOW.replace(tzinfo=None))

    def test_account_replace_keeps_the_invariant_checked(self) -> None:
        account = make_account(money_minor=1000)
        with pytest.raises(LedgerMismatch):
            replace(account, balances=Balances(1))
