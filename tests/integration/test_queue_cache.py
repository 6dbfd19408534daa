"""Routing reads queue definitions from a per-process cache: changes made through
this process are seen at once, changes made elsewhere within QUEUE_CACHE_SECONDS."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, update

from helpline.services import queue_admin
from helpline.services.context import ServiceContext
from helpline.store import repositories
from helpline.store.tables import QueueRow
from tests.integration.helpers import add_queue


def offer_timeout(ctx: ServiceContext) -> int:
    with ctx.uow() as uow:
        return uow.queues.all()["mobile"].offer_timeout_seconds


def test_a_change_through_this_process_is_seen_at_once(ctx: ServiceContext) -> None:
    add_queue(ctx, offer_timeout_seconds=20)
    assert offer_timeout(ctx) == 20  # now cached
    queue_admin.save_queue(ctx, "mobile", {"offer_timeout_seconds": 45})
    assert offer_timeout(ctx) == 45


def test_a_change_made_elsewhere_is_seen_after_the_cache_time(
        ctx: ServiceContext, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repositories, "QUEUE_CACHE_SECONDS", 0.3)
    add_queue(ctx, offer_timeout_seconds=20)
    assert offer_timeout(ctx) == 20
    with engine.begin() as conn:  # like another process: no session of ours flushes it
        conn.execute(update(QueueRow).where(QueueRow.id == "mobile")
                     .values(offer_timeout_seconds=33))
    assert offer_timeout(ctx) == 20  # still the cached copy
    time.sleep(0.35)
    assert offer_timeout(ctx) == 33


def test_callers_get_copies(ctx: ServiceContext) -> None:
    add_queue(ctx)
    with ctx.uow() as uow:
        uow.queues.all().clear()
        assert "mobile" in uow.queues.all()
