"""Regression: an agent who goes on break while another server's dispatch holds
their row keeps no pending offer (PostgreSQL: real row locks between sessions)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, select, text

from helpline.domain.agents import AgentStatus
from helpline.services import chat, desk
from helpline.services.context import ServiceContext
from helpline.store.tables import ContactRow
from tests.integration.helpers import add_agent, add_queue


@pytest.mark.postgres
def test_break_during_a_concurrent_dispatch_returns_the_new_offer(
        pg_url: str, engine: Engine, ctx: ServiceContext) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks between sessions: PostgreSQL only")
    add_queue(ctx)
    ctx.auto_dispatch = False
    agent = add_agent(ctx, "racer")
    contact_id = chat.start_chat(ctx, name="R", phone="+79001234567", topic="mobile",
                                 language="ru").contact_id
    locked = threading.Event()

    def other_server_dispatch() -> None:
        # What dispatch() on another server does: lock the agent, write an offer, commit.
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT id FROM agents WHERE id = :a FOR UPDATE"), {"a": agent})
            conn.execute(text(
                "UPDATE contacts SET state = 'offered', agent_id = :a, offered_at = now(), "
                "offer_expires_at = now() + interval '20 seconds' WHERE id = :c"),
                {"a": agent, "c": contact_id})
            locked.set()
            time.sleep(0.5)

    worker = threading.Thread(target=other_server_dispatch)
    worker.start()
    assert locked.wait(5)
    desk.set_status(ctx, agent, AgentStatus.BREAK)  # blocks until the offer commits
    worker.join()
    with ctx.uow() as uow:
        row = uow.session.scalars(select(ContactRow).where(ContactRow.id == contact_id)).one()
    assert (row.state, row.agent_id) == ("queued", None)
