"""Agents: per-channel capacity (separate and shared), status changes, missed offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.agents import (
    Agent,
    AgentStatus,
    Role,
    check_capacity,
    check_skill_levels,
    has_room,
)
from helpline.domain.channels import DEFAULT_CAPACITY, Channel
from helpline.domain.errors import NaiveDatetime, ValidationFailed
from helpline.domain.events import EventType
from helpline.domain.routing import Offer, route

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=10)
CALL, CHAT, EMAIL = Channel.CALL, Channel.CHAT, Channel.EMAIL
DEFAULTS = {CALL: 1, CHAT: 3, EMAIL: 5}


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def make_domain_agent(status: AgentStatus = AgentStatus.AVAILABLE) -> Agent:
    return Agent(
        id="a1", name="Alice", role=Role.AGENT, status=status,
        status_since=T0 - seconds(3600), idle_since=T0 - seconds(3600),
        skills={"billing": 50}, languages=frozenset({"en"}),
    )


# --------------------------------------------------------------------------------------
# Defaults and validation
# --------------------------------------------------------------------------------------
class TestCapacityDefaults:
    def test_default_capacity_per_channel(self):
        assert dict(DEFAULT_CAPACITY) == {CALL: 1, CHAT: 3, EMAIL: 5}

    def test_agent_gets_default_capacity_not_shared(self):
        agent = make_domain_agent()
        assert agent.capacity == {CALL: 1, CHAT: 3, EMAIL: 5}
        assert agent.capacity_shared is False

    def test_agents_do_not_share_the_capacity_dict(self):
        one, two = make_domain_agent(), make_domain_agent()
        one.capacity[CHAT] = 10
        assert two.capacity[CHAT] == 3
        assert DEFAULT_CAPACITY[CHAT] == 3

    def test_check_capacity_merges_with_defaults(self):
        assert check_capacity({CHAT: 6}) == {CALL: 1, CHAT: 6, EMAIL: 5}
        assert check_capacity({}) == {CALL: 1, CHAT: 3, EMAIL: 5}

    def test_check_capacity_accepts_channel_names(self):
        assert check_capacity({"email": 2}) == {CALL: 1, CHAT: 3, EMAIL: 2}  # type: ignore[dict-item]

    @pytest.mark.parametrize("slots", [0, 50])
    def test_check_capacity_bounds_inclusive(self, slots):
        assert check_capacity({CALL: slots})[CALL] == slots

    @pytest.mark.parametrize("slots", [-1, 51, 2.5])
    def test_check_capacity_rejects_out_of_range(self, slots):
        with pytest.raises(ValidationFailed) as exc:
            check_capacity({CHAT: slots})
        assert exc.value.error_id == "validation_failed"

    def test_skill_levels_bounds(self):
        assert check_skill_levels({"billing": 0, "tech": 100}) == {"billing": 0, "tech": 100}
        for bad in ({"billing": -1}, {"billing": 101}, {"": 10}, {"billing": 5.5}):
            with pytest.raises(ValidationFailed):
                check_skill_levels(bad)

    def test_missing_skill_level_is_below_any_minimum(self):
        agent = make_domain_agent()
        assert agent.skill_level("billing") == 50
        assert agent.skill_level("tech") == -1  # below even min_level 0


# --------------------------------------------------------------------------------------
# has_room: separate budgets per channel
# --------------------------------------------------------------------------------------
class TestHasRoomSeparate:
    @pytest.mark.parametrize(("chats", "room"), [(0, True), (1, True), (2, True), (3, False)])
    def test_chat_slots(self, chats, room):
        assert has_room(DEFAULTS, {CHAT: chats}, CHAT, shared=False) is room

    @pytest.mark.parametrize(("emails", "room"), [(4, True), (5, False), (7, False)])
    def test_email_slots(self, emails, room):
        assert has_room(DEFAULTS, {EMAIL: emails}, EMAIL, shared=False) is room

    def test_one_call_fills_the_call_channel(self):
        assert has_room(DEFAULTS, {}, CALL, shared=False) is True
        assert has_room(DEFAULTS, {CALL: 1}, CALL, shared=False) is False

    def test_agent_on_a_call_can_still_take_chats_and_emails(self):
        assert has_room(DEFAULTS, {CALL: 1}, CHAT, shared=False) is True
        assert has_room(DEFAULTS, {CALL: 1}, EMAIL, shared=False) is True

    def test_full_chat_does_not_block_a_call(self):
        assert has_room(DEFAULTS, {CHAT: 3, EMAIL: 5}, CALL, shared=False) is True

    @pytest.mark.parametrize("shared", [False, True])
    def test_zero_capacity_means_no_room(self, shared):
        capacity = {CALL: 0, CHAT: 3, EMAIL: 5}
        assert has_room(capacity, {}, CALL, shared=shared) is False

    @pytest.mark.parametrize("shared", [False, True])
    def test_channel_missing_from_capacity_means_no_room(self, shared):
        assert has_room({CHAT: 3}, {}, EMAIL, shared=shared) is False

    def test_all_zero_capacity_means_no_room_anywhere(self):
        capacity = {CALL: 0, CHAT: 0, EMAIL: 0}
        for channel in Channel:
            assert has_room(capacity, {}, channel, shared=False) is False
            assert has_room(capacity, {}, channel, shared=True) is False


# --------------------------------------------------------------------------------------
# has_room: shared budget.  Costs with defaults: call 1/1, chat 1/3, email 1/5.
# --------------------------------------------------------------------------------------
class TestHasRoomShared:
    def test_empty_agent_has_room_for_anything(self):
        for channel in Channel:
            assert has_room(DEFAULTS, {}, channel, shared=True) is True

    def test_a_call_fills_the_agent(self):
        # 1/1 used: nothing else fits.
        for channel in Channel:
            assert has_room(DEFAULTS, {CALL: 1}, channel, shared=True) is False

    def test_three_chats_fill_the_agent(self):
        # 3 * 1/3 = 1: nothing else fits.
        for channel in Channel:
            assert has_room(DEFAULTS, {CHAT: 3}, channel, shared=True) is False

    def test_two_chats_leave_room_for_a_chat_but_not_a_call(self):
        # 2/3 used: + 1/3 chat = 1 fits; + 1 call = 5/3 does not.
        assert has_room(DEFAULTS, {CHAT: 2}, CHAT, shared=True) is True
        assert has_room(DEFAULTS, {CHAT: 2}, CALL, shared=True) is False

    def test_two_chats_and_a_call_do_not_fit_together(self):
        # Either order: 2/3 + 1 > 1.
        assert has_room(DEFAULTS, {CHAT: 2}, CALL, shared=True) is False
        assert has_room(DEFAULTS, {CALL: 1}, CHAT, shared=True) is False

    def test_one_chat_blocks_a_call(self):
        # 1/3 + 1 > 1
        assert has_room(DEFAULTS, {CHAT: 1}, CALL, shared=True) is False

    def test_mixed_chat_and_email(self):
        # 1 chat + 2 emails = 5/15 + 6/15 = 11/15; + email 3/15 = 14/15 fits.
        assert has_room(DEFAULTS, {CHAT: 1, EMAIL: 2}, EMAIL, shared=True) is True
        # 1 chat + 3 emails = 14/15; + email = 17/15 does not fit; + chat = 19/15 neither.
        assert has_room(DEFAULTS, {CHAT: 1, EMAIL: 3}, EMAIL, shared=True) is False
        assert has_room(DEFAULTS, {CHAT: 1, EMAIL: 3}, CHAT, shared=True) is False
        # 2 chats + 1 email = 10/15 + 3/15 = 13/15; + email = 16/15 does not fit.
        assert has_room(DEFAULTS, {CHAT: 2, EMAIL: 1}, EMAIL, shared=True) is False

    def test_exactly_full_is_allowed(self):
        # 4 emails = 4/5; + 1 email = 5/5 exactly: fits (no float rounding trouble).
        assert has_room(DEFAULTS, {EMAIL: 4}, EMAIL, shared=True) is True
        # chat 3 and email 3 only (call 0): 2 chats + 0 emails = 2/3; + chat = 1 fits.
        capacity = {CALL: 0, CHAT: 3, EMAIL: 3}
        assert has_room(capacity, {CHAT: 2}, CHAT, shared=True) is True
        # 1 chat + 1 email = 2/3; + email = 1 fits; 1 chat + 2 emails + email = 4/3 not.
        assert has_room(capacity, {CHAT: 1, EMAIL: 1}, EMAIL, shared=True) is True
        assert has_room(capacity, {CHAT: 1, EMAIL: 2}, EMAIL, shared=True) is False


# --------------------------------------------------------------------------------------
# Capacity inside route()
# --------------------------------------------------------------------------------------
class TestCapacityInRouting:
    def test_agent_on_a_call_still_gets_chats_by_default(
        self, make_contact, make_agent, make_queue, by_id
    ):
        agent = make_agent("a", load={CALL: 1})
        chats = [make_contact("c1", at=T0), make_contact("c2", at=T0 + seconds(1))]
        offers = route(chats, [agent], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "a", "q"), Offer("c2", "a", "q")]

    def test_agent_on_a_call_gets_no_second_call(
        self, make_contact, make_agent, make_queue, by_id
    ):
        agent = make_agent("a", load={CALL: 1})
        call = make_contact("c1", channel=CALL)
        assert route([call], [agent], by_id(make_queue()), NOW) == []

    def test_shared_agent_on_a_call_gets_no_chat(
        self, make_contact, make_agent, make_queue, by_id
    ):
        busy = make_agent("busy", idle_since=T0 - seconds(900), shared=True, load={CALL: 1})
        other = make_agent("other", idle_since=T0)
        offers = route([make_contact("c1")], [busy, other], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "other", "q")]

    def test_shared_agent_three_chats_then_full(
        self, make_contact, make_agent, make_queue, by_id
    ):
        agent = make_agent("a", shared=True)
        contacts = [make_contact(f"chat{i}", at=T0 + seconds(i)) for i in range(4)]
        contacts.append(make_contact("mail", at=T0 + seconds(10), channel=EMAIL))
        offers = route(contacts, [agent], by_id(make_queue()), NOW)
        # 3 chats = 1 full budget: the 4th chat and the email stay queued.
        assert [o.contact_id for o in offers] == ["chat0", "chat1", "chat2"]

    def test_shared_call_first_fills_the_agent(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contacts = [
            make_contact("call", at=T0, channel=CALL),
            make_contact("chat1", at=T0 + seconds(1)),
            make_contact("chat2", at=T0 + seconds(2)),
        ]
        shared = route(contacts, [make_agent("a", shared=True)], by_id(make_queue()), NOW)
        assert [o.contact_id for o in shared] == ["call"]
        separate = route(contacts, [make_agent("a")], by_id(make_queue()), NOW)
        assert [o.contact_id for o in separate] == ["call", "chat1", "chat2"]

    def test_shared_two_chats_block_a_later_call(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contacts = [
            make_contact("chat1", at=T0),
            make_contact("chat2", at=T0 + seconds(1)),
            make_contact("call", at=T0 + seconds(2), channel=CALL),
        ]
        offers = route(contacts, [make_agent("a", shared=True)], by_id(make_queue()), NOW)
        assert [o.contact_id for o in offers] == ["chat1", "chat2"]

    def test_zero_capacity_channel_never_offered(
        self, make_contact, make_agent, make_queue, by_id
    ):
        agent = make_agent("a", capacity={CALL: 0, CHAT: 3, EMAIL: 5})
        call = make_contact("c1", channel=CALL)
        assert route([call], [agent], by_id(make_queue()), NOW) == []


# --------------------------------------------------------------------------------------
# Status changes and missed offers
# --------------------------------------------------------------------------------------
class TestStatus:
    def test_set_status_records_event_with_from_and_to(self):
        agent = make_domain_agent(AgentStatus.AVAILABLE)
        agent.set_status(AgentStatus.BREAK, NOW, reason="coffee")
        assert agent.status == AgentStatus.BREAK
        assert agent.status_since == NOW
        (event,) = agent.events
        assert event.type == EventType.AGENT_STATUS_CHANGED
        assert event.at == NOW and event.at.tzinfo is not None
        assert event.agent_id == "a1"
        assert event.contact_id is None
        assert event.data == {"from": "available", "to": "break", "reason": "coffee"}

    def test_no_reason_key_without_reason(self):
        agent = make_domain_agent(AgentStatus.OFFLINE)
        agent.set_status(AgentStatus.AVAILABLE, NOW)
        assert agent.events[-1].data == {"from": "offline", "to": "available"}

    def test_same_status_is_a_no_op(self):
        agent = make_domain_agent(AgentStatus.BREAK)
        agent.set_status(AgentStatus.BREAK, NOW)
        assert agent.events == []
        assert agent.status_since == T0 - seconds(3600)

    def test_becoming_available_resets_idle_since(self):
        agent = make_domain_agent(AgentStatus.LUNCH)
        agent.set_status(AgentStatus.AVAILABLE, NOW)
        assert agent.idle_since == NOW

    def test_other_status_keeps_idle_since(self):
        agent = make_domain_agent(AgentStatus.AVAILABLE)
        agent.set_status(AgentStatus.TRAINING, NOW)
        assert agent.idle_since == T0 - seconds(3600)

    def test_naive_now_rejected(self):
        agent = make_domain_agent(AgentStatus.AVAILABLE)
        with pytest.raises(NaiveDatetime) as exc:
            agent.set_status(AgentStatus.BREAK, NOW.replace(tzinfo=None))
        assert exc.value.error_id == "naive_datetime"
        assert agent.status == AgentStatus.AVAILABLE
        assert agent.events == []


class TestMissedOffers:
    def test_not_ready_after_max_missed_in_a_row(self):
        agent = make_domain_agent()
        assert agent.record_missed_offer(NOW, max_missed=2) is False
        assert agent.status == AgentStatus.AVAILABLE
        assert agent.missed_offers == 1
        assert agent.record_missed_offer(NOW + seconds(30), max_missed=2) is True
        assert agent.status == AgentStatus.NOT_READY
        assert agent.status_since == NOW + seconds(30)
        (event,) = agent.events
        assert event.type == EventType.AGENT_STATUS_CHANGED
        assert event.at == NOW + seconds(30)
        assert event.agent_id == "a1"
        assert event.data == {"from": "available", "to": "not_ready", "reason": "missed_offers"}

    def test_max_missed_one_means_first_miss(self):
        agent = make_domain_agent()
        assert agent.record_missed_offer(NOW, max_missed=1) is True
        assert agent.status == AgentStatus.NOT_READY

    def test_accepting_breaks_the_streak(self):
        agent = make_domain_agent()
        agent.record_missed_offer(NOW, max_missed=2)
        agent.record_accepted()
        assert agent.missed_offers == 0
        # One more miss is only 1 in a row again.
        assert agent.record_missed_offer(NOW + seconds(60), max_missed=2) is False
        assert agent.status == AgentStatus.AVAILABLE

    def test_becoming_available_again_resets_the_counter(self):
        agent = make_domain_agent()
        agent.record_missed_offer(NOW, max_missed=2)
        agent.record_missed_offer(NOW + seconds(30), max_missed=2)
        assert agent.status == AgentStatus.NOT_READY
        agent.set_status(AgentStatus.AVAILABLE, NOW + seconds(120))
        assert agent.missed_offers == 0
        assert agent.idle_since == NOW + seconds(120)
        # Needs two fresh misses before being set not ready again.
        assert agent.record_missed_offer(NOW + seconds(150), max_missed=2) is False
        assert agent.status == AgentStatus.AVAILABLE
        assert [(e.data["from"], e.data["to"]) for e in agent.events] == [
            ("available", "not_ready"), ("not_ready", "available"),
        ]

    def test_zero_max_missed_never_sets_not_ready(self):
        agent = make_domain_agent()
        for i in range(5):
            assert agent.record_missed_offer(NOW + seconds(i), max_missed=0) is False
        assert agent.status == AgentStatus.AVAILABLE
        assert agent.missed_offers == 5
        assert agent.events == []
