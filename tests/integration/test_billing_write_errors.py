"""Queued billing writes (sent in one pipeline on PostgreSQL) fail as a whole, with
the same exception types as any other statement, and change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from helpline.domain.billing import EntryKind, Ledger, LedgerEntry
from helpline.services.context import ServiceContext
from tests.integration.billing_helpers import add_line, ledger_count, money, noon

DAY = date(2026, 3, 10)


def test_a_failing_write_raises_integrity_error_and_writes_nothing(
        ctx: ServiceContext, engine: Engine) -> None:
    msisdn = add_line(ctx, opened_on=DAY, money_minor=100_000)
    before_money, before_entries = money(engine, msisdn), ledger_count(engine, msisdn)
    with pytest.raises(IntegrityError), ctx.uow() as uow:
        locked = uow.billing.lock_account(msisdn)
        account = locked.account
        # money moves, then an entry whose key is already in the ledger (the opening
        # top-up): the unique constraint refuses it when the queued writes are sent
        duplicate = LedgerEntry(f"opening-{msisdn}", EntryKind.REFUND, 500, noon(DAY),
                                "test")
        after = replace(account, balances=replace(account.balances,
                                                   money_minor=account.money_minor + 500),
                        ledger=Ledger((*account.ledger.entries, duplicate),
                                      account.ledger.opening_minor))
        uow.billing.save(account, after)
        uow.commit()
    assert money(engine, msisdn) == before_money
    assert ledger_count(engine, msisdn) == before_entries
