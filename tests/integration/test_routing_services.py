"""Routing use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from helpline.domain.agents import AgentStatus
from helpline.domain.channels import Channel
from helpline.domain.contacts import ContactState
from helpline.domain.errors import InvalidTransition, PermissionDenied
from helpline.domain.routing import AgentSnapshot
from helpline.services import chat, desk, routing
from helpline.services.context import ServiceContext
from helpline.store.tables import AgentRow, ContactRow, EventRow
from tests.conftest import ManualClock
from tests.integration.helpers import add_agent, add_queue


def start(ctx: ServiceContext, name: str = "Пётр", language: str = "ru",
          topic: str = "mobile") -> str:
    return chat.start_chat(ctx, name=name, phone="+79001234567", topic=topic,
                           language=language).contact_id


def state_of(ctx: ServiceContext, contact_id: str) -> ContactRow:
    with ctx.uow() as uow:
        row = uow.session.get(ContactRow, contact_id)
        assert row is not None
        return row


def events_of(ctx: ServiceContext, contact_id: str) -> list[EventRow]:
    with ctx.uow() as uow:
        return list(uow.session.scalars(
            select(EventRow).where(EventRow.contact_id == contact_id).order_by(EventRow.id)))


def test_chat_is_offered_to_the_longest_idle_eligible_agent(ctx: ServiceContext,
                                                            clock: ManualClock) -> None:
    add_queue(ctx)
    first = add_agent(ctx, "first")
    clock.advance(5)
    add_agent(ctx, "second")
    add_agent(ctx, "nolang", languages=("en",))  # idle longer but wrong language
    contact_id = start(ctx)
    row = state_of(ctx, contact_id)
    assert row.state == "offered"
    assert row.agent_id == first
    kinds = [e.type for e in events_of(ctx, contact_id)]
    assert kinds == ["contact_entered_queue", "contact_offered"]
    assert all(e.at.tzinfo is not None for e in events_of(ctx, contact_id))


def test_priority_then_age_across_transactions(ctx: ServiceContext, clock: ManualClock) -> None:
    add_queue(ctx)
    ctx.auto_dispatch = False
    early = start(ctx, "early")
    clock.advance(1)
    later_premium = chat.start_chat(ctx, name="vip", phone="+79001112233", topic="mobile",
                                    language="ru", segment="premium").contact_id
    add_agent(ctx, "solo", capacity={Channel.CHAT: 1})
    routing.dispatch(ctx)
    assert state_of(ctx, later_premium).state == "offered"
    assert state_of(ctx, early).state == "queued"


def test_decline_returns_contact_to_its_place_and_tries_another_agent(
        ctx: ServiceContext, clock: ManualClock) -> None:
    add_queue(ctx)
    a = add_agent(ctx, "alpha")
    clock.advance(1)
    b = add_agent(ctx, "bravo")
    first = start(ctx, "first")
    assert state_of(ctx, first).agent_id == a
    enqueued = state_of(ctx, first).enqueued_at
    desk.decline(ctx, a, first)
    row = state_of(ctx, first)
    assert row.state == "offered" and row.agent_id == b  # re-offered, alpha skipped
    assert row.enqueued_at == enqueued
    kinds = [e.type for e in events_of(ctx, first)]
    assert kinds == ["contact_entered_queue", "contact_offered", "offer_declined",
                     "contact_offered"]


def test_offer_timeout_and_missed_offers_make_agent_not_ready(ctx: ServiceContext,
                                                              clock: ManualClock) -> None:
    add_queue(ctx, offer_timeout_seconds=20, max_missed_offers=2, redo_after_seconds=1)
    agent = add_agent(ctx, "sleepy")
    contact_id = start(ctx)
    clock.advance(19)
    assert routing.expire_offers(ctx) == 0  # not yet expired
    clock.advance(1)
    assert routing.expire_offers(ctx) == 1
    assert state_of(ctx, contact_id).state == "queued"
    clock.advance(2)  # past redo_after: the same agent may get it again
    routing.dispatch(ctx)
    assert state_of(ctx, contact_id).agent_id == agent
    clock.advance(20)
    routing.expire_offers(ctx)
    with ctx.uow() as uow:
        status = uow.session.scalar(select(AgentRow.status).where(AgentRow.id == agent))
    assert status == AgentStatus.NOT_READY.value
    with ctx.uow() as uow:
        change = uow.session.scalars(select(EventRow).where(
            EventRow.type == "agent_status_changed", EventRow.agent_id == agent
        ).order_by(EventRow.id.desc())).first()
    assert change is not None and change.data["reason"] == "missed_offers"


def test_chat_capacity_is_never_exceeded(ctx: ServiceContext, clock: ManualClock) -> None:
    add_queue(ctx)
    agent = add_agent(ctx, "busy")  # default chat capacity 3
    ids = []
    for i in range(5):
        ids.append(start(ctx, f"c{i}"))
        clock.advance(1)
    states = [state_of(ctx, i).state for i in ids]
    assert states.count("offered") == 3
    assert states[3:] == ["queued", "queued"]  # the later arrivals wait
    desk.accept(ctx, agent, ids[0])
    desk.wrap_up(ctx, agent, ids[0], "resolved")
    desk.close(ctx, agent, ids[0], None)
    assert state_of(ctx, ids[3]).state == "offered"  # freed slot goes to the oldest


def test_escalation_widens_eligibility_and_keeps_the_place(ctx: ServiceContext,
                                                           clock: ManualClock) -> None:
    add_queue(ctx, escalation=[{"after_seconds": 180, "any_language": True}])
    add_agent(ctx, "english", languages=("en",), capacity={Channel.CHAT: 1})
    ukrainian = start(ctx, "uk-customer", language="uk")
    clock.advance(100)
    start(ctx, "second-uk", language="uk")
    assert state_of(ctx, ukrainian).state == "queued"
    clock.advance(80)  # first contact has waited 180 s: any language now
    routing.dispatch(ctx)
    assert state_of(ctx, ukrainian).state == "offered"


def test_transfers_keep_the_original_enqueue_time(ctx: ServiceContext,
                                                  clock: ManualClock) -> None:
    add_queue(ctx)
    add_queue(ctx, "bank")
    a = add_agent(ctx, "mob", capacity={Channel.CHAT: 1})
    bank_agent = add_agent(ctx, "banker", skills={"bank": 80}, capacity={Channel.CHAT: 1},
                           status=AgentStatus.BREAK)
    first = start(ctx, "first")
    original = state_of(ctx, first).enqueued_at
    desk.accept(ctx, a, first)
    clock.advance(60)
    start(ctx, "newer", topic="bank")  # waits in bank, nobody available
    desk.transfer(ctx, a, first, queue_id="bank")
    row = state_of(ctx, first)
    assert row.queue_id == "bank" and row.state == "queued"
    assert row.enqueued_at == original
    desk.set_status(ctx, bank_agent, AgentStatus.AVAILABLE)
    assert state_of(ctx, first).state == "offered"  # older original time goes first
    desk.accept(ctx, bank_agent, first)
    desk.transfer(ctx, bank_agent, first, to_agent_id=a)
    reserved = state_of(ctx, first)
    assert reserved.target_agent_id == a and reserved.state == "offered"
    assert reserved.agent_id == a


def test_messages_are_sequenced_and_deduplicated(ctx: ServiceContext) -> None:
    add_queue(ctx)
    agent = add_agent(ctx, "writer")
    contact_id = start(ctx)
    m1 = chat.post_message(ctx, contact_id=contact_id, sender="customer", body="Привет",
                           client_msg_id="c-1")
    again = chat.post_message(ctx, contact_id=contact_id, sender="customer", body="Привет",
                              client_msg_id="c-1")
    assert (m1.seq, again.seq, again.duplicate) == (1, 1, True)
    with pytest.raises(InvalidTransition):
        chat.post_message(ctx, contact_id=contact_id, sender="agent", body="hi",
                          client_msg_id="a-1", agent_id=agent)
    desk.accept(ctx, agent, contact_id)
    m2 = chat.post_message(ctx, contact_id=contact_id, sender="agent", body="Здравствуйте",
                           client_msg_id="a-1", agent_id=agent)
    assert m2.seq == 2
    assert [m.body for m in chat.messages_after(ctx, contact_id, 1)] == ["Здравствуйте"]
    kinds = [e.type for e in events_of(ctx, contact_id)]
    assert kinds.count("message_sent") == 2


def test_notifications_are_published_only_after_commit(
        ctx: ServiceContext, published: list[dict[str, object]]) -> None:
    add_queue(ctx)
    agent = add_agent(ctx, "pub")
    contact_id = start(ctx)
    other = add_agent(ctx, "other", status=None)
    published.clear()
    with pytest.raises(PermissionDenied):
        desk.accept(ctx, other, contact_id)
    assert published == []  # failed use case: nothing written, nothing published
    desk.accept(ctx, agent, contact_id)
    assert [p["type"] for p in published] == ["contact_accepted"]
    assert published[0]["agent_id"] == agent


def test_offline_message_when_no_eligible_operator_then_answered_later(
        ctx: ServiceContext) -> None:
    add_queue(ctx)
    started = chat.start_chat(ctx, name="Night", phone="+79001234567", topic="mobile",
                              language="ru")
    assert started.offline_message is True
    chat.post_message(ctx, contact_id=started.contact_id, sender="customer",
                      body="Перезвоните мне", client_msg_id="x")
    assert state_of(ctx, started.contact_id).state == "queued"
    add_agent(ctx, "morning")
    assert state_of(ctx, started.contact_id).state == "offered"


def test_agent_sees_only_own_contacts_supervisor_sees_all(ctx: ServiceContext) -> None:
    from helpline.domain.agents import Role

    add_queue(ctx)
    a = add_agent(ctx, "agent.a", capacity={Channel.CHAT: 1})
    b = add_agent(ctx, "agent.b", capacity={Channel.CHAT: 1})
    sup = add_agent(ctx, "boss", role=Role.SUPERVISOR, skills={}, status=None)
    one, two, three = (start(ctx, n) for n in ("one", "two", "three"))
    mine_a = {c.id for c in desk.visible_contacts(ctx, a)}
    mine_b = {c.id for c in desk.visible_contacts(ctx, b)}
    assert len(mine_a) == 1 and len(mine_b) == 1 and mine_a != mine_b
    assert {c.id for c in desk.visible_contacts(ctx, sup)} == {one, two, three}
    other = (mine_b.pop())
    with pytest.raises(PermissionDenied):
        desk.check_can_see(ctx, a, other)


def test_board_service_level_counts_answered_within_threshold(
        ctx: ServiceContext, clock: ManualClock) -> None:
    from helpline.services import board

    add_queue(ctx, offer_timeout_seconds=60)  # chat threshold 30 s
    agent = add_agent(ctx, "fast", capacity={Channel.CHAT: 3})
    quick, slow = start(ctx, "quick"), start(ctx, "slow")
    clock.advance(10)
    desk.accept(ctx, agent, quick)  # answered after 10 s
    clock.advance(25)
    desk.accept(ctx, agent, slow)  # answered after 35 s
    start(ctx, "waiting")  # offered, not answered
    snap = board.snapshot(ctx)
    mobile = next(q for q in snap["queues"] if q["queue_id"] == "mobile")
    assert mobile["answered_today"] == 2
    assert mobile["answered_within_threshold"] == 1
    assert mobile["service_level_today"] == 0.5
    assert mobile["contacts_today"] == 3
    me = next(a for a in snap["agents"] if a["agent_id"] == agent)
    assert len(me["active_contacts"]) == 3


def test_leaving_status_available_returns_pending_offers(ctx: ServiceContext) -> None:
    add_queue(ctx)
    agent = add_agent(ctx, "leaver")
    contact_id = start(ctx)
    assert state_of(ctx, contact_id).agent_id == agent
    desk.set_status(ctx, agent, AgentStatus.LUNCH)
    row = state_of(ctx, contact_id)
    assert row.state == ContactState.QUEUED.value and row.agent_id is None


def test_timestamps_come_back_timezone_aware(ctx: ServiceContext) -> None:
    add_queue(ctx)
    contact_id = start(ctx)
    row = state_of(ctx, contact_id)
    assert isinstance(row.created_at, datetime) and row.created_at.utcoffset() is not None


def test_standing_gives_place_and_estimate(ctx: ServiceContext, clock: ManualClock) -> None:
    add_queue(ctx, aht_seconds=300)
    ctx.auto_dispatch = False
    add_agent(ctx, "one", status=AgentStatus.BREAK)  # logged in: counts as serving
    add_agent(ctx, "two", status=AgentStatus.BREAK)
    add_agent(ctx, "english", languages=("en",), status=AgentStatus.BREAK)  # not for ru
    ids = []
    for name in ("a", "b", "c"):
        ids.append(start(ctx, name))
        clock.advance(1)
    place = ctx.standing.standing(ctx, ids[2], "mobile")
    # third in line; 2 agents x 3 chat slots = 6 slots; 300 s x 3 / 6 = 150 s
    assert (place.position, place.estimated_wait_seconds, place.serving_agents) == (3, 150.0, 2)
    late = start(ctx, "d")  # not in the cached view yet: loaded on demand
    assert ctx.standing.standing(ctx, late, "mobile").position == 4
    with ctx.uow() as uow:
        uow.contacts.get(ids[0]).customer_left(clock.now)
        uow.commit()
    clock.advance(3)  # past the view's 2 s lifetime
    assert ctx.standing.standing(ctx, ids[2], "mobile").position == 2
    assert ctx.standing.standing(ctx, ids[0], "mobile").position is None


def test_dispatch_offers_nothing_while_every_agent_is_full(ctx: ServiceContext,
                                                         clock: ManualClock) -> None:
    add_queue(ctx)
    add_agent(ctx, "full", capacity={Channel.CHAT: 1})
    first = start(ctx, "first")
    clock.advance(1)
    waiting = start(ctx, "waiting")
    assert state_of(ctx, first).state == "offered"
    assert routing.dispatch(ctx) == []
    assert state_of(ctx, waiting).state == "queued"


def test_transfer_to_an_operator_without_the_queue_skill(ctx: ServiceContext) -> None:
    from helpline.domain.agents import Role

    add_queue(ctx)
    agent = add_agent(ctx, "junior")
    boss = add_agent(ctx, "boss", role=Role.SUPERVISOR, skills={}, status=AgentStatus.BREAK)
    contact_id = start(ctx)
    desk.accept(ctx, agent, contact_id)
    desk.transfer(ctx, agent, contact_id, to_agent_id=boss)
    desk.set_status(ctx, boss, AgentStatus.AVAILABLE)
    row = state_of(ctx, contact_id)
    assert (row.state, row.agent_id) == ("offered", boss)


def test_a_retry_after_the_conversation_ended_returns_the_stored_message(
        ctx: ServiceContext) -> None:
    add_queue(ctx)
    agent = add_agent(ctx, "closer")
    contact_id = start(ctx)
    desk.accept(ctx, agent, contact_id)
    first = chat.post_message(ctx, contact_id=contact_id, sender="customer", body="спасибо",
                              client_msg_id="bye")
    desk.wrap_up(ctx, agent, contact_id, "resolved")
    desk.close(ctx, agent, contact_id, None)
    retry = chat.post_message(ctx, contact_id=contact_id, sender="customer", body="спасибо",
                              client_msg_id="bye")
    assert (retry.seq, retry.duplicate) == (first.seq, True)
    with pytest.raises(InvalidTransition):
        chat.post_message(ctx, contact_id=contact_id, sender="customer", body="ещё",
                          client_msg_id="new")
    assert [m.seq for m in chat.messages_after(ctx, contact_id, 0)] == [1]


def test_a_stale_look_falls_back_to_locking_every_free_agent(
        ctx: ServiceContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unlocked look says the longest-idle agent is free, but she already holds
    her only chat: the narrow lock re-reads her load, finds no room, and the pass
    falls back to every free agent instead of exceeding her capacity."""
    from helpline.store.repositories import AgentRepository

    add_queue(ctx)
    full = add_agent(ctx, "full", capacity={Channel.CHAT: 1})
    clock.advance(5)
    other = add_agent(ctx, "other")
    first = start(ctx, "first")
    assert state_of(ctx, first).agent_id == full
    ctx.auto_dispatch = False
    second = start(ctx, "second")

    real = AgentRepository.available_snapshots

    def stale_look(self: AgentRepository, ids: list[str] | None = None, *,
                   lock: bool = False) -> list[AgentSnapshot]:
        snapshots = real(self, ids, lock=lock)
        if lock:
            return snapshots
        return [dataclasses.replace(s, load={}) for s in snapshots]  # everyone looks idle

    monkeypatch.setattr(AgentRepository, "available_snapshots", stale_look)
    offers = routing.dispatch(ctx)
    assert [(o.contact_id, o.agent_id) for o in offers] == [(second, other)]
    with ctx.uow() as uow:
        held = uow.session.scalars(select(ContactRow.id).where(
            ContactRow.agent_id == full, ContactRow.state == "offered")).all()
    assert held == [first]


def test_offers_commit_without_waiting_for_the_wal_but_messages_do(
        ctx: ServiceContext, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: a routing pass sets ``synchronous_commit`` off for its own
    transaction (an offer lost in a crash is made again); a customer's message is
    committed durably. SQLite has no such setting and gets no such statement. Seen at
    the driver: every statement psycopg's cursors send (SQLAlchemy's and the unit of
    work's own pipeline), or SQLAlchemy's on SQLite."""
    import psycopg

    statements: list[str] = []
    real_execute = psycopg.Cursor.execute

    def recording(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return real_execute(self, query, *args, **kwargs)

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    add_queue(ctx)
    add_agent(ctx, "anna")
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    else:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        contact_id = start(ctx)
        async_commits = [s for s in statements if "synchronous_commit" in s]
        statements.clear()
        chat.post_message(ctx, contact_id=contact_id, sender="customer", body="Алло?",
                          client_msg_id="m-1")
        message_async = [s for s in statements if "synchronous_commit" in s]
    finally:
        if not postgres:
            event.remove(engine, "before_cursor_execute", seen)
    assert state_of(ctx, contact_id).state == "offered"
    if postgres:
        assert async_commits == ["SET LOCAL synchronous_commit TO off"]
    else:
        assert async_commits == []
    assert message_async == []
