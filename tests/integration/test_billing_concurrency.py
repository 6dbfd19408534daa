"""Concurrent money operations on one line, PostgreSQL only (real row locks).

Each thread runs its own use case, so its own session and pooled connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from helpline.domain.billing import InsufficientFunds, Unit
from helpline.services import billing
from helpline.services.billing_results import RenewalResult
from helpline.services.context import ServiceContext
from helpline.store.database import make_engine, make_session_factory
from tests.conftest import ManualClock
from tests.integration.billing_helpers import (
    add_line,
    ledger_count,
    ledger_equals_money,
    money,
    noon,
    running_balances,
)

__all__ = ["ledger_equals_money"]
T = TypeVar("T")
MSISDN = "79990000001"


@pytest.fixture
def pg_ctx(db_url: str, engine: Engine, clock: ManualClock) -> Iterator[ServiceContext]:
    if engine.dialect.name != "postgresql":
        pytest.skip("row-lock concurrency is a PostgreSQL property; SQLite serialises "
                    "every writer with BEGIN IMMEDIATE")
    clock.now = noon(date(2026, 1, 31))
    wide = make_engine(db_url, pool_size=40)
    yield ServiceContext(session_factory=make_session_factory(wide), clock=clock)
    wide.dispose()


def all_at_once(calls: list[Callable[[], T]]) -> list[T | BaseException]:
    """Start every call in its own thread behind one barrier; results in call order."""
    results: list[T | BaseException] = [RuntimeError("not run")] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as error:  # collected and checked by the test
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.slow
def test_200_duplicate_renewals_with_one_key_charge_once(pg_ctx: ServiceContext,
                                                         engine: Engine) -> None:
    add_line(pg_ctx, opened_on=date(2026, 1, 31), money_minor=160000)  # 1,100.00 left

    def call() -> RenewalResult:
        return billing.renew(pg_ctx, MSISDN, channel="sms", idempotency_key="msg-42")

    results = all_at_once([call] * 200)
    assert all(isinstance(r, RenewalResult) for r in results), [
        r for r in results if not isinstance(r, RenewalResult)][:3]
    renewals = [r for r in results if isinstance(r, RenewalResult)]
    assert sum(not r.replayed for r in renewals) == 1
    assert {(r.renewed, r.fee_minor, r.next_charge_date) for r in renewals} == {
        (True, 50000, date(2026, 2, 28))}
    assert money(engine, MSISDN) == 110000 - 50000
    assert ledger_count(engine, MSISDN, "charge") == 2  # the opening fee and one renewal


@pytest.mark.slow
def test_50_mixed_requests_never_overdraw(pg_ctx: ServiceContext, engine: Engine) -> None:
    # 1,100.00 left after the opening fee; 20 renewals of 500.00 (confirmed), 20 calls of
    # 200 minutes (300 in the package, then 3.00/min), 10 top-ups of 100.00
    add_line(pg_ctx, opened_on=date(2026, 1, 31), money_minor=160000)
    calls: list[Callable[[], object]] = []
    for i in range(20):
        calls.append(lambda i=i: billing.renew(pg_ctx, MSISDN, channel="ussd",
                                               idempotency_key=f"s{i}", confirmed=True))
        calls.append(lambda i=i: billing.record_usage(pg_ctx, MSISDN, Unit.MINUTES, 200,
                                                      idempotency_key=f"cdr{i}"))
    for i in range(10):
        calls.append(lambda i=i: billing.top_up(pg_ctx, MSISDN, 10000,
                                                idempotency_key=f"pay{i}"))
    results = all_at_once(calls)

    unexpected = [r for r in results
                  if isinstance(r, BaseException) and not isinstance(r, InsufficientFunds)]
    assert unexpected == []
    renewed = sum(isinstance(r, RenewalResult) and r.renewed for r in results)
    refused = sum(isinstance(r, RenewalResult) and not r.renewed for r in results)
    assert renewed >= 1 and renewed + refused == 20
    assert ledger_count(engine, MSISDN, "top_up") == 1 + 10
    assert ledger_count(engine, MSISDN, "charge") == 1 + renewed
    assert min(running_balances(engine, MSISDN)) >= 0
    assert money(engine, MSISDN) == running_balances(engine, MSISDN)[-1] >= 0
