"""Router: waiting-line order, agent choice, positions, wait estimate, properties."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.agents import AgentStatus
from helpline.domain.channels import Channel
from helpline.domain.contacts import Contact, ContactState, priority_for_segment
from helpline.domain.errors import NaiveDatetime
from helpline.domain.queues import Queue
from helpline.domain.routing import (
    AgentSnapshot,
    Offer,
    estimate_wait_seconds,
    queue_positions,
    route,
)

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=10)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


# --------------------------------------------------------------------------------------
# Waiting-line order
# --------------------------------------------------------------------------------------
class TestContactOrder:
    def test_higher_priority_first_even_if_it_arrived_later(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # One agent with one call slot: only the first contact in line gets it.
        standard = make_contact("std", at=T0, channel=Channel.CALL, priority=0)
        vip = make_contact("vip", at=T0 + seconds(300), channel=Channel.CALL, priority=10)
        offers = route([standard, vip], [make_agent("a1")], by_id(make_queue()), NOW)
        assert offers == [Offer("vip", "a1", "q")]

    def test_equal_priority_earlier_enqueued_first(
        self, make_contact, make_agent, make_queue, by_id
    ):
        late = make_contact("c-late", at=T0 + seconds(60), channel=Channel.CALL)
        early = make_contact("c-early", at=T0, channel=Channel.CALL)
        offers = route([late, early], [make_agent("a1")], by_id(make_queue()), NOW)
        assert offers == [Offer("c-early", "a1", "q")]

    def test_equal_priority_and_time_ties_broken_by_contact_id(
        self, make_contact, make_agent, make_queue, by_id
    ):
        c2 = make_contact("c2", at=T0, channel=Channel.CALL)
        c1 = make_contact("c1", at=T0, channel=Channel.CALL)
        offers = route([c2, c1], [make_agent("a1")], by_id(make_queue()), NOW)
        # "c1" < "c2" lexicographically.
        assert offers == [Offer("c1", "a1", "q")]

    def test_offers_are_returned_in_service_order(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # Expected line: p5 (priority 5), then priority 0 by time: t0, t1; id breaks t1 tie.
        contacts = [
            make_contact("t1-b", at=T0 + seconds(60), channel=Channel.CALL),
            make_contact("t0", at=T0, channel=Channel.CALL),
            make_contact("p5", at=T0 + seconds(120), channel=Channel.CALL, priority=5),
            make_contact("t1-a", at=T0 + seconds(60), channel=Channel.CALL),
        ]
        agents = [make_agent(f"a{i}", idle_since=T0 - seconds(100 - i)) for i in range(4)]
        offers = route(contacts, agents, by_id(make_queue()), NOW)
        # Agents are handed out longest idle first: a0 (T0-100s), a1, a2, a3.
        assert offers == [
            Offer("p5", "a0", "q"),
            Offer("t0", "a1", "q"),
            Offer("t1-a", "a2", "q"),
            Offer("t1-b", "a3", "q"),
        ]

    def test_priority_beats_time_across_queues(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # The agent is eligible for both queues; the line is global for that agent.
        agent = make_agent("a1", skills={"billing": 50, "tech": 50})
        old = make_contact("old", at=T0, channel=Channel.CALL, queue_id="billing")
        premium = make_contact(
            "prem", at=T0 + seconds(500), channel=Channel.CALL, queue_id="tech", priority=10
        )
        queues = by_id(make_queue("billing"), make_queue("tech", skill="tech"))
        assert route([old, premium], [agent], queues, NOW) == [Offer("prem", "a1", "tech")]


class TestSegmentPriority:
    @pytest.mark.parametrize(
        ("segment", "expected"),
        [
            ("vip", 20),
            ("premium", 10),
            ("business", 5),
            ("standard", 0),
            ("PREMIUM", 10),  # case-insensitive
            (None, 0),  # no segment -> standard
            ("unknown-tariff", 0),
        ],
    )
    def test_priority_for_segment(self, segment, expected):
        assert priority_for_segment(segment) == expected

    def test_premium_outranks_standard(self):
        assert priority_for_segment("premium") > priority_for_segment("standard")

    def test_contact_gets_priority_from_segment_attribute(self, make_contact):
        assert make_contact("c1", segment="premium").priority == 10
        assert make_contact("c2", segment="standard").priority == 0
        assert make_contact("c3").priority == 0

    def test_explicit_priority_overrides_segment(self, make_contact):
        assert make_contact("c1", segment="premium", priority=3).priority == 3

    def test_premium_customer_served_before_earlier_standard_customer(
        self, make_contact, make_agent, make_queue, by_id
    ):
        standard = make_contact("std", at=T0, channel=Channel.CALL, segment="standard")
        premium = make_contact("prem", at=T0 + seconds(240), channel=Channel.CALL,
                               segment="premium")
        offers = route([standard, premium], [make_agent("a1")], by_id(make_queue()), NOW)
        assert offers == [Offer("prem", "a1", "q")]


# --------------------------------------------------------------------------------------
# Agent choice
# --------------------------------------------------------------------------------------
class TestAgentChoice:
    def test_longest_idle_agent_first(self, make_contact, make_agent, make_queue, by_id):
        recent = make_agent("a", idle_since=T0 - seconds(10))
        longest = make_agent("b", idle_since=T0 - seconds(30))
        offers = route([make_contact("c1")], [recent, longest], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "b", "q")]

    def test_equal_idle_ties_broken_by_agent_id(
        self, make_contact, make_agent, make_queue, by_id
    ):
        b = make_agent("b", idle_since=T0)
        a = make_agent("a", idle_since=T0)
        offers = route([make_contact("c1")], [b, a], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "a", "q")]

    def test_skill_below_queue_min_level_not_eligible(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # "low" has been idle longer but 29 < 30; "ok" has exactly 30 (>= is enough).
        low = make_agent("low", idle_since=T0 - seconds(600), skills={"billing": 29})
        ok = make_agent("ok", idle_since=T0 - seconds(10), skills={"billing": 30})
        offers = route([make_contact("c1")], [low, ok], by_id(make_queue(min_level=30)), NOW)
        assert offers == [Offer("c1", "ok", "q")]

    def test_agent_without_the_queue_skill_not_eligible(
        self, make_contact, make_agent, make_queue, by_id
    ):
        other = make_agent("a", skills={"tech": 100})
        assert route([make_contact("c1")], [other], by_id(make_queue()), NOW) == []

    def test_language_must_match(self, make_contact, make_agent, make_queue, by_id):
        english = make_agent("en-agent", idle_since=T0 - seconds(600), languages=("en",))
        german = make_agent("de-agent", idle_since=T0 - seconds(10), languages=("de", "en"))
        contact = make_contact("c1", language="de")
        offers = route([contact], [english, german], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "de-agent", "q")]

    def test_language_ignored_when_queue_does_not_require_it(
        self, make_contact, make_agent, make_queue, by_id
    ):
        english = make_agent("en-agent", idle_since=T0 - seconds(600), languages=("en",))
        contact = make_contact("c1", language="de")
        queues = by_id(make_queue(require_language=False))
        assert route([contact], [english], queues, NOW) == [Offer("c1", "en-agent", "q")]

    def test_contact_without_language_fits_any_agent(
        self, make_contact, make_agent, make_queue, by_id
    ):
        agent = make_agent("a", languages=("fi",))
        contact = make_contact("c1", language=None)
        assert route([contact], [agent], by_id(make_queue()), NOW) == [Offer("c1", "a", "q")]

    @pytest.mark.parametrize(
        "status", [s for s in AgentStatus if s != AgentStatus.AVAILABLE]
    )
    def test_only_available_agents_get_offers(
        self, status, make_contact, make_agent, make_queue, by_id
    ):
        agent = make_agent("a", status=status)
        assert route([make_contact("c1")], [agent], by_id(make_queue()), NOW) == []

    def test_unavailable_agent_skipped_in_favour_of_available_one(
        self, make_contact, make_agent, make_queue, by_id
    ):
        on_break = make_agent("a", status=AgentStatus.BREAK, idle_since=T0 - seconds(900))
        free = make_agent("b", idle_since=T0)
        offers = route([make_contact("c1")], [on_break, free], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "b", "q")]

    def test_agent_without_free_capacity_on_the_channel_is_skipped(
        self, make_contact, make_agent, make_queue, by_id
    ):
        full = make_agent("a", idle_since=T0 - seconds(900), load={Channel.CHAT: 3})
        free = make_agent("b", idle_since=T0)
        offers = route([make_contact("c1")], [full, free], by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "b", "q")]

    def test_two_chats_two_equal_agents_one_each(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # Both idle since T0, now is later: after "a" gets c1 its idle time becomes NOW,
        # so "b" (idle since T0 < NOW) is now the longest idle and gets c2.
        agents = [make_agent("a", idle_since=T0), make_agent("b", idle_since=T0)]
        contacts = [make_contact("c1", at=T0), make_contact("c2", at=T0 + seconds(1))]
        offers = route(contacts, agents, by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "a", "q"), Offer("c2", "b", "q")]

    def test_offered_agent_goes_to_back_of_idle_line(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # a idle since T0-30s, b since T0-10s: c1 -> a (a moves to NOW), c2 -> b (b moves
        # to NOW), c3: both at NOW -> tie by id -> a.  Chat capacity 3 leaves room.
        agents = [make_agent("b", idle_since=T0 - seconds(10)),
                  make_agent("a", idle_since=T0 - seconds(30))]
        contacts = [make_contact(f"c{i}", at=T0 + seconds(i)) for i in (1, 2, 3)]
        offers = route(contacts, agents, by_id(make_queue()), NOW)
        assert [(o.contact_id, o.agent_id) for o in offers] == [
            ("c1", "a"), ("c2", "b"), ("c3", "a"),
        ]

    @pytest.mark.parametrize("a_idle", [NOW, NOW - seconds(30)], ids=["both-now", "a-earlier"])
    def test_offered_agent_goes_behind_agent_that_became_available_now(
        self, a_idle, make_contact, make_agent, make_queue, by_id
    ):
        # b became available exactly at NOW (e.g. its status change triggered routing).
        # c1 -> a (a idle <= b idle, and "a" < "b"). a has just been given work, so it
        # must go behind b: c2 -> b.  Both have chat room for 3.
        agents = [make_agent("a", idle_since=a_idle), make_agent("b", idle_since=NOW)]
        contacts = [make_contact("c1", at=T0), make_contact("c2", at=T0 + seconds(1))]
        offers = route(contacts, agents, by_id(make_queue()), NOW)
        assert offers == [Offer("c1", "a", "q"), Offer("c2", "b", "q")]

    def test_idle_line_rotates_in_offer_order(self, make_contact, make_agent, make_queue,
                                               by_id):
        # All three became available at NOW. Line a, b, c (ties by id); each offer sends
        # the agent to the back: c1 -> a, c2 -> b, c3 -> c, then a is first again.
        agents = [make_agent(x, idle_since=NOW) for x in ("c", "a", "b")]
        contacts = [make_contact(f"chat{i}", at=T0 + seconds(i)) for i in range(1, 5)]
        offers = route(contacts, agents, by_id(make_queue()), NOW)
        assert [(o.contact_id, o.agent_id) for o in offers] == [
            ("chat1", "a"), ("chat2", "b"), ("chat3", "c"), ("chat4", "a"),
        ]

    def test_capacity_consumed_within_one_route_call(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # Chat capacity 3, already 1 chat: only 2 of the 5 waiting chats fit.
        agent = make_agent("a", load={Channel.CHAT: 1})
        contacts = [make_contact(f"c{i}", at=T0 + seconds(i)) for i in range(5)]
        offers = route(contacts, [agent], by_id(make_queue()), NOW)
        assert [o.contact_id for o in offers] == ["c0", "c1"]

    def test_non_queued_contacts_are_not_offered(
        self, make_contact, make_agent, make_queue, by_id
    ):
        offered = make_contact("offered")
        offered.offer("x", T0, 20)
        active = make_contact("active")
        active.offer("x", T0, 20)
        active.accept("x", T0)
        left = make_contact("left")
        left.customer_left(T0)
        queued = make_contact("queued", at=T0 + seconds(5))
        agents = [make_agent("a")]
        offers = route([offered, active, left, queued], agents, by_id(make_queue()), NOW)
        assert offers == [Offer("queued", "a", "q")]

    def test_contact_in_unknown_queue_is_ignored(self, make_contact, make_agent, make_queue,
                                                 by_id):
        stray = make_contact("stray", queue_id="deleted")
        assert route([stray], [make_agent("a")], by_id(make_queue()), NOW) == []

    def test_no_agents_no_offers(self, make_contact, make_queue, by_id):
        assert route([make_contact("c1")], [], by_id(make_queue()), NOW) == []

    def test_route_does_not_mutate_contacts(self, make_contact, make_agent, make_queue, by_id):
        contact = make_contact("c1")
        route([contact], [make_agent("a")], by_id(make_queue()), NOW)
        assert contact.state == ContactState.QUEUED
        assert contact.agent_id is None

    def test_naive_now_rejected(self, make_contact, make_agent, make_queue, by_id):
        with pytest.raises(NaiveDatetime) as exc:
            route([make_contact("c1")], [make_agent("a")], by_id(make_queue()),
                  NOW.replace(tzinfo=None))
        assert exc.value.error_id == "naive_datetime"


# --------------------------------------------------------------------------------------
# Positions and wait estimate
# --------------------------------------------------------------------------------------
class TestQueuePositions:
    def test_positions_are_per_queue_and_follow_line_order(self, make_contact):
        contacts = [
            make_contact("b-late", at=T0 + seconds(60), queue_id="billing"),
            make_contact("b-early", at=T0, queue_id="billing"),
            make_contact("b-vip", at=T0 + seconds(120), queue_id="billing", priority=20),
            make_contact("t-only", at=T0 + seconds(500), queue_id="tech"),
        ]
        assert queue_positions(contacts) == {
            "b-vip": 1, "b-early": 2, "b-late": 3, "t-only": 1,
        }

    def test_only_queued_contacts_have_a_position(self, make_contact):
        first = make_contact("first", at=T0)
        first.offer("a", T0, 20)
        second = make_contact("second", at=T0 + seconds(1))
        # "first" is offered, so "second" is now at the head of the line.
        assert queue_positions([first, second]) == {"second": 1}


class TestEstimateWait:
    @pytest.mark.parametrize(
        ("position", "slots", "aht", "expected"),
        [
            (1, 1, 300.0, 300.0),  # 300 * 1 / 1
            (3, 2, 120.0, 180.0),  # 120 * 3 / 2
            (4, 4, 90.0, 90.0),  # 90 * 4 / 4
            (5, 2, 60.0, 150.0),  # 60 * 5 / 2
            (0, 3, 100.0, 0.0),  # not waiting any more
        ],
    )
    def test_hand_computed_examples(self, position, slots, aht, expected):
        assert estimate_wait_seconds(position, slots, aht) == pytest.approx(expected)

    @pytest.mark.parametrize("slots", [0, -1])
    def test_none_when_nobody_can_serve(self, slots):
        assert estimate_wait_seconds(2, slots, 120.0) is None

    def test_grows_with_position_and_shrinks_with_slots(self):
        assert estimate_wait_seconds(2, 1, 60.0) < estimate_wait_seconds(3, 1, 60.0)
        assert estimate_wait_seconds(3, 3, 60.0) < estimate_wait_seconds(3, 1, 60.0)


# --------------------------------------------------------------------------------------
# Property test
# --------------------------------------------------------------------------------------
PROP_NOW = T0 + timedelta(minutes=15)
PROP_QUEUES = {
    "q1": Queue(id="q1", name="Q1", skill="billing", min_level=30, redo_after_seconds=60),
    "q2": Queue(id="q2", name="Q2", skill="tech", min_level=1, require_language=False),
}
AGENT_IDS = [f"a{i}" for i in range(6)]

# Values are drawn from small sets so that ties (same time, same idle moment), skill and
# capacity boundaries, and skip windows (59 s vs 60 s) come up often.
contact_spec = st.tuples(
    st.sampled_from(list(Channel)),
    st.sampled_from(["q1", "q1", "q2", "gone"]),
    st.sampled_from([0, 0, 1, 2]),  # priority
    st.integers(0, 5).map(lambda n: n * 60),  # enqueue offset (s)
    st.sampled_from(["en", "en", "de", ""]),
    st.sampled_from([ContactState.QUEUED] * 4 + [ContactState.OFFERED, ContactState.ACTIVE]),
    st.one_of(st.none(), st.none(), st.none(), st.sampled_from(AGENT_IDS)),  # reserved for
    st.one_of(  # (agent, seconds ago) of a decline/miss
        st.none(), st.tuples(st.sampled_from(AGENT_IDS), st.sampled_from([0, 59, 60, 300]))
    ),
)
agent_spec = st.tuples(
    st.sampled_from([AgentStatus.AVAILABLE] * 3 + list(AgentStatus)),
    st.integers(0, 3).map(lambda n: n * 30),  # idle offset (s)
    st.fixed_dictionaries(
        {"billing": st.sampled_from([0, 29, 30, 60, 60]), "tech": st.sampled_from([0, 1, 60])}
    ),
    st.sampled_from([{"en", "de"}, {"en", "de"}, {"en"}, {"de"}, set()]).map(frozenset),
    st.fixed_dictionaries({ch: st.integers(0, 3) for ch in Channel}),
    st.booleans(),  # shared
    st.fixed_dictionaries({ch: st.sampled_from([0, 0, 0, 1, 2]) for ch in Channel}),  # load
)


def _contact_from(i: int, spec: tuple) -> Contact:
    channel, queue_id, priority, offset, language, state, target, skip = spec
    enqueued = T0 + seconds(offset)
    contact = Contact(
        id=f"c{i:02d}", channel=channel, queue_id=queue_id, customer_name="x",
        customer_phone="0", created_at=enqueued, enqueued_at=enqueued,
        queue_entered_at=enqueued, priority=priority,
        attributes={"language": language} if language else {}, state=state,
        target_agent_id=target,
    )
    if skip is not None:
        agent_id, ago = skip
        contact.skipped_agents[agent_id] = (PROP_NOW - seconds(ago)).isoformat()
    return contact


def _agent_from(i: int, spec: tuple) -> AgentSnapshot:
    status, idle_offset, skills, languages, capacity, shared, load = spec
    return AgentSnapshot(
        id=AGENT_IDS[i], status=status, idle_since=T0 + seconds(idle_offset), skills=skills,
        languages=languages, capacity=capacity, capacity_shared=shared, load=load,
    )


def _independently_eligible(agent: AgentSnapshot, contact: Contact) -> bool:
    """The rules of the brief, re-stated without calling the router."""
    if contact.target_agent_id is not None:
        return agent.id == contact.target_agent_id
    queue = PROP_QUEUES[contact.queue_id]
    stamp = contact.skipped_agents.get(agent.id)
    if stamp is not None and PROP_NOW - datetime.fromisoformat(stamp) < seconds(60):
        return False
    if agent.skills.get(queue.skill, -1) < queue.min_level:
        return False
    language = contact.attributes.get("language", "")
    return not queue.require_language or not language or language in agent.languages


@settings(max_examples=300, deadline=None)
@given(
    contact_specs=st.lists(contact_spec, min_size=1, max_size=16),
    agent_specs=st.lists(agent_spec, min_size=1, max_size=len(AGENT_IDS)),
    data=st.data(),
)
def test_route_properties(contact_specs, agent_specs, data):
    contacts = [_contact_from(i, spec) for i, spec in enumerate(contact_specs)]
    agents = [_agent_from(i, spec) for i, spec in enumerate(agent_specs)]
    offers = route(contacts, agents, PROP_QUEUES, PROP_NOW)

    contacts_by_id = {c.id: c for c in contacts}
    agents_by_id = {a.id: a for a in agents}

    # Never offers a contact twice.
    offered_ids = [o.contact_id for o in offers]
    assert len(offered_ids) == len(set(offered_ids))

    given_per_agent: dict[str, Counter[Channel]] = {a.id: Counter() for a in agents}
    for offer in offers:
        contact = contacts_by_id[offer.contact_id]
        agent = agents_by_id[offer.agent_id]
        assert contact.state == ContactState.QUEUED
        assert offer.queue_id == contact.queue_id
        assert contact.queue_id in PROP_QUEUES
        # Never offers to a non-available agent.
        assert agent.status == AgentStatus.AVAILABLE
        assert _independently_eligible(agent, contact)
        given_per_agent[agent.id][contact.channel] += 1

    # Never exceeds capacity (initial load + offers).
    for agent in agents:
        given = given_per_agent[agent.id]
        if not given:
            continue
        totals = {ch: agent.load.get(ch, 0) + given[ch] for ch in Channel}
        for ch in Channel:
            if given[ch]:
                assert agent.capacity[ch] > 0
        if agent.capacity_shared:
            used = sum(
                (Fraction(totals[ch], agent.capacity[ch]) for ch in Channel
                 if agent.capacity[ch] > 0),
                Fraction(0),
            )
            assert used <= 1
        else:
            for ch in Channel:
                if given[ch]:
                    assert totals[ch] <= agent.capacity[ch]

    # Deterministic: same offers whatever the input order.
    shuffled_contacts = data.draw(st.permutations(contacts))
    shuffled_agents = data.draw(st.permutations(agents))
    assert route(shuffled_contacts, shuffled_agents, PROP_QUEUES, PROP_NOW) == offers
