"""Property: over any sequence of top-ups, usage, nightly charges, renewals, bonuses,
refunds and blocks, money == sum(ledger), money never goes below zero, and repeated
idempotency keys never move money twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from helpline.domain.billing import (
    Account,
    BillingError,
    Line,
    RenewalDone,
    Unit,
    block_line,
    check_ledger_invariant,
    grant_bonus_money,
    grant_bonus_package,
    lift_block,
    open_account,
    rate_usage,
    refund,
    renew_package,
    run_periodic_charge,
    top_up,
)

from .builders import SMART

#: Jan 31 with a paid period until Feb 28 (anchor 31), so runs cross short months.
START = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
TARIFF = SMART

operations = st.one_of(
    st.tuples(st.just("top_up"), st.integers(0, 5)),
    st.tuples(st.just("usage"), st.integers(0, 8), st.sampled_from(list(Unit)),
              st.integers(1, 400)),
    st.tuples(st.just("night"), st.integers(1, 40)),
    st.tuples(st.just("renew"), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("wait"), st.integers(1, 900)),
    st.tuples(st.just("bonus"), st.integers(0, 3)),
    st.tuples(st.just("refund"), st.integers(0, 3)),
    st.tuples(st.just("block"), st.booleans()),
)


def apply(account: Account, now: datetime, op: tuple[Any, ...]) -> tuple[Account, datetime]:
    """Apply one generated operation at ``now``; return the account and the new time."""
    match op:
        case ("top_up", index):
            # the same key always carries the same amount, so a repeat is a true retry
            posted = top_up(account, (index + 1) * 17000, idempotency_key=f"pay-{index}",
                            now=now)
            return posted.account, now
        case ("usage", index, unit, quantity):
            try:
                rated = rate_usage(account, TARIFF, unit, quantity,
                                   idempotency_key=f"cdr-{index}-{unit}-{quantity}", now=now)
            except BillingError:  # refused (no money or blocked): nothing changes
                return account, now
            return rated.account, now
        case ("night", days):
            for _ in range(days):
                now = now + timedelta(days=1)
                charged = run_periodic_charge(account, TARIFF, on=now.date(), now=now)
                event(f"night: {charged.outcome}")
                account = charged.account
            return account, now
        case ("renew", index, confirmed):
            outcome = renew_package(account, TARIFF, now=now, idempotency_key=f"ussd-{index}",
                                    confirmed=confirmed)
            if isinstance(outcome, RenewalDone):
                event("renewal: done")
                return outcome.account, now
            event(f"renewal: {outcome.code}")
            return account, now
        case ("wait", minutes):
            return account, now + timedelta(minutes=minutes)
        case ("bonus", index) if index % 2:
            posted = grant_bonus_money(account, 500, idempotency_key=f"gift-{index}", now=now)
            return posted.account, now
        case ("bonus", index):
            posted = grant_bonus_package(
                account, Unit.MB, 100, expires_on=now.date() + timedelta(days=10),
                idempotency_key=f"gift-{index}", now=now,
            )
            return posted.account, now
        case ("refund", index):
            return refund(account, 300, idempotency_key=f"refund-{index}", now=now).account, now
        case ("block", True) if account.line.is_active:
            return replace(account, line=block_line(account.line, "customer request")), now
        case ("block", False) if account.line.is_blocked:
            return replace(account, line=lift_block(account.line, now.date())), now
        case ("block", _):
            return account, now
    raise AssertionError(op)


@settings(max_examples=250, deadline=None)
@given(st.lists(operations, max_size=40))
def test_money_always_equals_the_ledger(ops: list[tuple[Any, ...]]) -> None:
    line = Line("79990000009", TARIFF.code, period_start=START.date(),
                next_charge_date=date(2026, 2, 28), anchor_day=31)
    account = top_up(open_account(line), 100000, idempotency_key="opening", now=START).account
    now = START
    for op in ops:
        before = account
        account, now = apply(account, now, op)
        check_ledger_invariant(account.balances, account.ledger)
        assert account.money_minor >= 0
        assert account.money_minor == sum(e.amount_minor for e in account.ledger.entries)
        assert all(b.amount > 0 for b in account.balances.buckets)
        keys = [e.idempotency_key for e in account.ledger.entries]
        assert len(keys) == len(set(keys))
        # every renewal receipt matches exactly one fee entry
        renewals = [k for k in keys if k.startswith("renewal:")]
        assert sorted(renewals) == sorted(f"renewal:{k}" for k in account.receipts)
        # a retried operation (same op, same time) never moves money again
        if op[0] in {"top_up", "usage", "renew", "bonus", "refund"}:
            retried, _ = apply(account, now, op)
            assert retried.money_minor == account.money_minor
            assert len(retried.ledger.entries) == len(account.ledger.entries)
        assert len(account.ledger.entries) >= len(before.ledger.entries)
