"""Contact state machine: transitions, errors, event log, keeping the place in line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.agents import AgentStatus
from helpline.domain.channels import Channel
from helpline.domain.contacts import Contact, ContactState
from helpline.domain.errors import (
    HelplineError,
    InvalidTransition,
    NaiveDatetime,
    OfferExpired,
    PermissionDenied,
    ValidationFailed,
)
from helpline.domain.events import EventType
from helpline.domain.routing import Offer, queue_positions, route

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NAIVE = datetime(2026, 11, 22, 10, 5)  # no tzinfo


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


# -- small state builders (agent "a1" handles the contact) -------------------------------
def queued(make_contact: Callable[..., Contact], cid: str = "c1") -> Contact:
    return make_contact(cid, at=T0)


def offered(make_contact, cid: str = "c1") -> Contact:
    contact = queued(make_contact, cid)
    contact.offer("a1", T0 + seconds(10), 20)
    return contact


def active(make_contact, cid: str = "c1") -> Contact:
    contact = offered(make_contact, cid)
    contact.accept("a1", T0 + seconds(15))
    return contact


def wrapping(make_contact, cid: str = "c1") -> Contact:
    contact = active(make_contact, cid)
    contact.wrap_up("a1", T0 + seconds(300), code="solved")
    return contact


def closed(make_contact, cid: str = "c1") -> Contact:
    contact = wrapping(make_contact, cid)
    contact.close("a1", T0 + seconds(330))
    return contact


def abandoned(make_contact, cid: str = "c1") -> Contact:
    contact = queued(make_contact, cid)
    contact.customer_left(T0 + seconds(40))
    return contact


BUILDERS = {
    "queued": queued,
    "offered": offered,
    "active": active,
    "wrap_up": wrapping,
    "closed": closed,
    "abandoned": abandoned,
}


def assert_event(event, type_: EventType, at: datetime, *, contact_id: str = "c1",
                 agent_id: str | None = "a1", queue_id: str = "q") -> None:
    assert event.type == type_
    assert event.at == at
    assert event.at.tzinfo is not None and event.at.utcoffset() is not None
    assert event.contact_id == contact_id
    assert event.agent_id == agent_id
    assert event.queue_id == queue_id


# --------------------------------------------------------------------------------------
# Happy path and event log
# --------------------------------------------------------------------------------------
class TestLifecycle:
    def test_create_enqueues_and_records_entered_queue(self, make_contact):
        contact = make_contact("c1", at=T0, segment="premium")
        assert contact.state == ContactState.QUEUED
        assert contact.created_at == contact.enqueued_at == contact.queue_entered_at == T0
        assert len(contact.events) == 1
        event = contact.events[0]
        assert_event(event, EventType.CONTACT_ENTERED_QUEUE, T0, agent_id=None)
        assert event.data["priority"] == 10  # premium
        assert event.data["channel"] == "chat"
        assert event.data["attributes"] == {"language": "en", "segment": "premium"}

    def test_full_lifecycle_records_each_transition(self, make_contact):
        contact = make_contact("c1", at=T0)
        contact.offer("a1", T0 + seconds(10), 20)
        assert contact.state == ContactState.OFFERED
        assert contact.agent_id == "a1"
        assert contact.offered_at == T0 + seconds(10)
        assert contact.offer_expires_at == T0 + seconds(30)  # 10 s + 20 s timeout

        contact.accept("a1", T0 + seconds(15))
        assert contact.state == ContactState.ACTIVE
        assert contact.answered_at == T0 + seconds(15)

        contact.wrap_up("a1", T0 + seconds(300), code="solved")
        assert contact.state == ContactState.WRAP_UP
        assert contact.wrapped_up_at == T0 + seconds(300)

        contact.close("a1", T0 + seconds(330))
        assert contact.state == ContactState.CLOSED
        assert contact.ended_at == T0 + seconds(330)
        assert contact.wrapup_code == "solved"

        entered, offer, accept, wrap, close = contact.events
        assert_event(entered, EventType.CONTACT_ENTERED_QUEUE, T0, agent_id=None)
        assert_event(offer, EventType.CONTACT_OFFERED, T0 + seconds(10))
        assert offer.data == {"timeout_seconds": 20, "waited_seconds": 10.0}
        assert_event(accept, EventType.CONTACT_ACCEPTED, T0 + seconds(15))
        assert accept.data == {"waited_seconds": 15.0}
        assert_event(wrap, EventType.CONTACT_WRAPPED_UP, T0 + seconds(300))
        assert wrap.data == {"code": "solved"}
        assert_event(close, EventType.CONTACT_CLOSED, T0 + seconds(330))
        assert close.data == {"code": "solved"}

    def test_close_may_supply_the_code(self, make_contact):
        contact = active(make_contact)
        contact.wrap_up("a1", T0 + seconds(300))
        contact.close("a1", T0 + seconds(310), code="billing-question")
        assert contact.state == ContactState.CLOSED
        assert contact.wrapup_code == "billing-question"

    def test_decline_event(self, make_contact):
        contact = offered(make_contact)
        contact.decline("a1", T0 + seconds(12))
        assert_event(contact.events[-1], EventType.OFFER_DECLINED, T0 + seconds(12))

    def test_time_out_event(self, make_contact):
        contact = offered(make_contact)
        contact.time_out_offer(T0 + seconds(30))
        assert_event(contact.events[-1], EventType.OFFER_TIMED_OUT, T0 + seconds(30))

    def test_transfer_events(self, make_contact):
        contact = active(make_contact)
        contact.transfer_to_queue("a1", "tech", T0 + seconds(60))
        transferred, entered = contact.events[-2:]
        # The transfer is logged against the old queue, the re-entry against the new one.
        assert_event(transferred, EventType.CONTACT_TRANSFERRED, T0 + seconds(60))
        assert transferred.data == {"to_queue_id": "tech"}
        assert entered.type == EventType.CONTACT_ENTERED_QUEUE
        assert entered.at == T0 + seconds(60)
        assert entered.queue_id == "tech"
        assert entered.contact_id == "c1"
        assert not entered.agent_id  # nobody holds it once it is back in a queue
        assert entered.data["transfer"] is True
        assert entered.data["changed_queue"] is True

    def test_transfer_to_agent_event(self, make_contact):
        contact = active(make_contact)
        contact.transfer_to_agent("a1", "a2", T0 + seconds(60))
        transferred, entered = contact.events[-2:]
        assert_event(transferred, EventType.CONTACT_TRANSFERRED, T0 + seconds(60))
        assert transferred.data == {"to_agent_id": "a2"}
        assert entered.type == EventType.CONTACT_ENTERED_QUEUE
        assert entered.queue_id == "q"
        assert entered.data["changed_queue"] is False

    def test_rate_event(self, make_contact):
        contact = closed(make_contact)
        contact.rate(4, T0 + seconds(400))
        assert contact.rating == 4
        assert_event(contact.events[-1], EventType.CONTACT_RATED, T0 + seconds(400))
        assert contact.events[-1].data == {"rating": 4}


# --------------------------------------------------------------------------------------
# Wrong transitions
# --------------------------------------------------------------------------------------
WRONG_TRANSITIONS = [
    # (state, description, action, expected error class, expected error_id)
    ("queued", "accept", lambda c: c.accept("a1", T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("queued", "decline", lambda c: c.decline("a1", T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("queued", "time out", lambda c: c.time_out_offer(T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("queued", "wrap up", lambda c: c.wrap_up("a1", T0 + seconds(60), "x"), InvalidTransition,
     "invalid_transition"),
    ("queued", "transfer", lambda c: c.transfer_to_queue("a1", "q2", T0 + seconds(60)),
     InvalidTransition, "invalid_transition"),
    ("offered", "offer again", lambda c: c.offer("a2", T0 + seconds(60), 20),
     InvalidTransition, "invalid_transition"),
    ("offered", "wrap up", lambda c: c.wrap_up("a1", T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("offered", "close", lambda c: c.close("a1", T0 + seconds(60), "x"), InvalidTransition,
     "invalid_transition"),
    ("offered", "accept by other", lambda c: c.accept("a2", T0 + seconds(12)),
     PermissionDenied, "permission_denied"),
    ("offered", "decline by other", lambda c: c.decline("a2", T0 + seconds(12)),
     PermissionDenied, "permission_denied"),
    ("active", "offer", lambda c: c.offer("a2", T0 + seconds(60), 20), InvalidTransition,
     "invalid_transition"),
    ("active", "accept again", lambda c: c.accept("a1", T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("active", "close without wrap-up", lambda c: c.close("a1", T0 + seconds(60), "x"),
     InvalidTransition, "invalid_transition"),
    ("active", "decline", lambda c: c.decline("a1", T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("active", "wrap up by other", lambda c: c.wrap_up("a2", T0 + seconds(60), "x"),
     PermissionDenied, "permission_denied"),
    ("active", "transfer by other", lambda c: c.transfer_to_queue("a2", "q2", T0),
     PermissionDenied, "permission_denied"),
    ("active", "transfer to agent by other", lambda c: c.transfer_to_agent("a2", "a3", T0),
     PermissionDenied, "permission_denied"),
    ("active", "transfer to yourself", lambda c: c.transfer_to_agent("a1", "a1", T0),
     ValidationFailed, "validation_failed"),
    ("wrap_up", "wrap up again", lambda c: c.wrap_up("a1", T0 + seconds(400), "x"),
     InvalidTransition, "invalid_transition"),
    ("wrap_up", "close by other", lambda c: c.close("a2", T0 + seconds(400), "x"),
     PermissionDenied, "permission_denied"),
    ("wrap_up", "customer leaves", lambda c: c.customer_left(T0 + seconds(400)),
     InvalidTransition, "invalid_transition"),
    ("closed", "wrap up", lambda c: c.wrap_up("a1", T0 + seconds(400), "x"),
     InvalidTransition, "invalid_transition"),
    ("closed", "close again", lambda c: c.close("a1", T0 + seconds(400), "x"),
     InvalidTransition, "invalid_transition"),
    ("closed", "offer", lambda c: c.offer("a1", T0 + seconds(400), 20), InvalidTransition,
     "invalid_transition"),
    ("closed", "customer leaves", lambda c: c.customer_left(T0 + seconds(400)),
     InvalidTransition, "invalid_transition"),
    ("abandoned", "offer", lambda c: c.offer("a1", T0 + seconds(60), 20), InvalidTransition,
     "invalid_transition"),
    ("abandoned", "accept", lambda c: c.accept("a1", T0 + seconds(60)), InvalidTransition,
     "invalid_transition"),
    ("abandoned", "customer leaves again", lambda c: c.customer_left(T0 + seconds(60)),
     InvalidTransition, "invalid_transition"),
]


class TestWrongTransitions:
    @pytest.mark.parametrize(
        ("state", "action", "error", "error_id"),
        [(s, a, e, i) for s, _, a, e, i in WRONG_TRANSITIONS],
        ids=[f"{s}-{d}" for s, d, *_ in WRONG_TRANSITIONS],
    )
    def test_raises_with_stable_error_id_and_leaves_contact_unchanged(
        self, state, action, error, error_id, make_contact
    ):
        contact = BUILDERS[state](make_contact)
        before_state, before_agent = contact.state, contact.agent_id
        before_events = len(contact.events)
        with pytest.raises(error) as exc:
            action(contact)
        assert isinstance(exc.value, HelplineError)
        assert exc.value.error_id == error_id
        assert contact.state == before_state
        assert contact.agent_id == before_agent
        assert len(contact.events) == before_events

    def test_close_without_any_wrapup_code_fails_validation(self, make_contact):
        contact = active(make_contact)
        contact.wrap_up("a1", T0 + seconds(300))  # no code given
        with pytest.raises(ValidationFailed) as exc:
            contact.close("a1", T0 + seconds(310))
        assert exc.value.error_id == "validation_failed"
        assert contact.state == ContactState.WRAP_UP

    def test_error_ids_and_http_statuses_are_stable(self):
        assert (InvalidTransition.error_id, InvalidTransition.http_status) == (
            "invalid_transition", 409)
        assert (PermissionDenied.error_id, PermissionDenied.http_status) == (
            "permission_denied", 403)
        assert (ValidationFailed.error_id, ValidationFailed.http_status) == (
            "validation_failed", 422)
        assert NaiveDatetime.error_id == "naive_datetime"
        assert issubclass(NaiveDatetime, ValidationFailed)

    def test_error_keeps_message_and_details(self, make_contact):
        contact = queued(make_contact)
        with pytest.raises(InvalidTransition) as exc:
            contact.accept("a1", T0)
        assert exc.value.details["contact_id"] == "c1"
        assert exc.value.details["state"] == "queued"
        assert "queued" in exc.value.message


class TestNaiveDatetimes:
    def test_create_rejects_naive(self, make_contact):
        with pytest.raises(NaiveDatetime) as exc:
            make_contact("c1", at=NAIVE)
        assert exc.value.error_id == "naive_datetime"

    def test_offer_rejects_naive(self, make_contact):
        contact = queued(make_contact)
        with pytest.raises(NaiveDatetime) as exc:
            contact.offer("a1", NAIVE, 20)
        assert exc.value.error_id == "naive_datetime"
        assert contact.state == ContactState.QUEUED

    @pytest.mark.parametrize(
        ("state", "action"),
        [
            ("offered", lambda c: c.decline("a1", NAIVE)),
            ("offered", lambda c: c.time_out_offer(NAIVE)),
            ("offered", lambda c: c.accept("a1", NAIVE)),
            ("active", lambda c: c.wrap_up("a1", NAIVE, "x")),
            ("wrap_up", lambda c: c.close("a1", NAIVE)),
            ("active", lambda c: c.transfer_to_queue("a1", "q2", NAIVE)),
            ("active", lambda c: c.transfer_to_agent("a1", "a2", NAIVE)),
            ("queued", lambda c: c.customer_left(NAIVE)),
            ("active", lambda c: c.customer_left(NAIVE)),
            ("closed", lambda c: c.rate(5, NAIVE)),
        ],
        ids=["decline", "time_out_offer", "accept", "wrap_up", "close", "transfer_to_queue",
             "transfer_to_agent", "customer_left-queued", "customer_left-active", "rate"],
    )
    def test_every_transition_rejects_naive(self, state, action, make_contact):
        contact = BUILDERS[state](make_contact)
        before_state, before_events = contact.state, len(contact.events)
        with pytest.raises(NaiveDatetime) as exc:
            action(contact)
        assert exc.value.error_id == "naive_datetime"
        assert contact.state == before_state
        assert len(contact.events) == before_events


# --------------------------------------------------------------------------------------
# Decline / time-out keep the place
# --------------------------------------------------------------------------------------
class TestDeclineAndTimeout:
    def test_decline_returns_to_queue_with_same_enqueued_at(self, make_contact):
        contact = offered(make_contact)
        contact.decline("a1", T0 + seconds(12))
        assert contact.state == ContactState.QUEUED
        assert contact.enqueued_at == T0
        assert contact.queue_entered_at == T0
        assert contact.agent_id is None
        assert contact.offered_at is None
        assert contact.offer_expires_at is None

    def test_declined_contact_keeps_its_place(self, make_contact, make_agent, make_queue,
                                              by_id):
        first = make_contact("first", at=T0, channel=Channel.CALL)
        second = make_contact("second", at=T0 + seconds(30), channel=Channel.CALL)
        first.offer("a1", T0 + seconds(40), 20)
        # While offered, "second" heads the line.
        assert queue_positions([first, second]) == {"second": 1}
        first.decline("a1", T0 + seconds(45))
        assert queue_positions([first, second]) == {"first": 1, "second": 2}
        # One call-capacity agent who did not decline: the declined contact goes first.
        agent = make_agent("a2")
        offers = route([second, first], [agent], by_id(make_queue()), T0 + seconds(50))
        assert offers == [Offer("first", "a2", "q")]

    def test_declining_agent_skipped_for_redo_after_seconds(
        self, make_contact, make_agent, make_queue, by_id
    ):
        queues = by_id(make_queue(redo_after_seconds=60))
        contact = offered(make_contact)
        declined_at = T0 + seconds(12)
        contact.decline("a1", declined_at)
        agent = make_agent("a1")
        # 59 s after the decline a1 is still skipped; at 60 s it is eligible again.
        assert route([contact], [agent], queues, declined_at + seconds(59)) == []
        assert route([contact], [agent], queues, declined_at + seconds(60)) == [
            Offer("c1", "a1", "q")
        ]

    def test_other_agents_may_take_a_declined_contact_at_once(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contact = offered(make_contact)
        contact.decline("a1", T0 + seconds(12))
        # a1 has been idle longer, but is skipped: a2 gets it.
        agents = [make_agent("a1", idle_since=T0 - seconds(900)),
                  make_agent("a2", idle_since=T0)]
        offers = route([contact], agents, by_id(make_queue()), T0 + seconds(13))
        assert offers == [Offer("c1", "a2", "q")]

    def test_time_out_before_expiry_is_invalid(self, make_contact):
        contact = offered(make_contact)  # offered at T0+10 s for 20 s: expires T0+30 s
        with pytest.raises(InvalidTransition) as exc:
            contact.time_out_offer(T0 + seconds(29))
        assert exc.value.error_id == "invalid_transition"
        assert contact.state == ContactState.OFFERED
        assert contact.agent_id == "a1"

    def test_time_out_at_expiry_returns_contact_and_reports_agent(self, make_contact):
        contact = offered(make_contact)
        missed_by = contact.time_out_offer(T0 + seconds(30))
        assert missed_by == "a1"
        assert contact.state == ContactState.QUEUED
        assert contact.enqueued_at == T0
        assert contact.agent_id is None

    def test_timed_out_contact_keeps_place_and_skips_the_agent(
        self, make_contact, make_agent, make_queue, by_id
    ):
        queues = by_id(make_queue(redo_after_seconds=60))
        first = offered(make_contact, "first")  # enqueued T0
        newer = make_contact("newer", at=T0 + seconds(20))
        first.time_out_offer(T0 + seconds(30))
        assert queue_positions([newer, first]) == {"first": 1, "newer": 2}
        # Only a1 (who missed it) is around: "first" is skipped for a1, "newer" is not.
        agents = [make_agent("a1")]
        assert route([newer, first], agents, queues, T0 + seconds(31)) == [
            Offer("newer", "a1", "q")
        ]
        # 60 s after the miss, a1 may have it again and it comes first again.
        assert [o.contact_id for o in route([newer, first], agents, queues,
                                            T0 + seconds(90))] == ["first", "newer"]

    def test_accept_at_or_after_expiry_is_refused(self, make_contact):
        contact = offered(make_contact)  # offered at T0+10 s for 20 s: expires T0+30 s
        with pytest.raises(OfferExpired) as exc:
            contact.accept("a1", T0 + seconds(30))
        assert exc.value.error_id == "offer_expired"
        assert isinstance(exc.value, InvalidTransition)
        assert exc.value.http_status == 409
        assert contact.state == ContactState.OFFERED
        assert contact.answered_at is None
        # The expired offer can still be timed out, returning the contact to its place.
        assert contact.time_out_offer(T0 + seconds(31)) == "a1"
        assert contact.state == ContactState.QUEUED

    def test_accept_just_before_expiry(self, make_contact):
        contact = offered(make_contact)
        contact.accept("a1", T0 + seconds(29))
        assert contact.state == ContactState.ACTIVE
        assert contact.answered_at == T0 + seconds(29)

    def test_accept_after_requeue_keeps_first_answer_time(self, make_contact):
        contact = active(make_contact)  # answered at T0+15 s
        contact.transfer_to_queue("a1", "q", T0 + seconds(60))
        contact.offer("a2", T0 + seconds(70), 20)
        contact.accept("a2", T0 + seconds(75))
        assert contact.answered_at == T0 + seconds(15)
        assert contact.agent_id == "a2"


# --------------------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------------------
class TestTransfer:
    def test_transfer_to_queue_keeps_enqueued_at_and_resets_queue_entered_at(
        self, make_contact
    ):
        contact = active(make_contact)  # enqueued T0 in "q"
        contact.transfer_to_queue("a1", "tech", T0 + seconds(600))
        assert contact.state == ContactState.QUEUED
        assert contact.queue_id == "tech"
        assert contact.enqueued_at == T0
        assert contact.queue_entered_at == T0 + seconds(600)
        assert contact.agent_id is None
        # Escalation clock restarts in the new queue: 30 s after the transfer.
        assert contact.waited_seconds(T0 + seconds(630)) == 30.0

    def test_transferred_contact_ahead_of_later_arrivals(
        self, make_contact, make_agent, make_queue, by_id
    ):
        transferred = make_contact("moved", at=T0, queue_id="billing", channel=Channel.CALL)
        transferred.offer("a1", T0 + seconds(5), 20)
        transferred.accept("a1", T0 + seconds(8))
        older = make_contact("older", at=T0 - seconds(60), queue_id="tech",
                             channel=Channel.CALL)
        later = make_contact("later", at=T0 + seconds(300), queue_id="tech",
                             channel=Channel.CALL)
        transferred.transfer_to_queue("a1", "tech", T0 + seconds(600))
        # Original enqueue times: older T0-60 s, moved T0, later T0+300 s.
        assert queue_positions([later, transferred, older]) == {
            "older": 1, "moved": 2, "later": 3,
        }
        queues = by_id(make_queue("billing"), make_queue("tech", skill="tech"))
        tech_agents = [make_agent("t1", skills={"tech": 50}, idle_since=T0 - seconds(60)),
                       make_agent("t2", skills={"tech": 50}, idle_since=T0 - seconds(30))]
        offers = route([later, transferred, older], tech_agents, queues, T0 + seconds(601))
        # Two call slots in total: "older" and "moved" get them, "later" waits.
        assert offers == [Offer("older", "t1", "tech"), Offer("moved", "t2", "tech")]

    def test_transfer_clears_skipped_agents(self, make_contact, make_agent, make_queue,
                                            by_id):
        contact = offered(make_contact)
        contact.decline("a1", T0 + seconds(12))
        contact.offer("a2", T0 + seconds(13), 20)
        contact.accept("a2", T0 + seconds(14))
        contact.transfer_to_queue("a2", "q", T0 + seconds(20))
        # a1 declined only 9 s earlier, but the transfer is a fresh start in the queue.
        offers = route([contact], [make_agent("a1")], by_id(make_queue()), T0 + seconds(21))
        assert offers == [Offer("c1", "a1", "q")]

    def test_transfer_to_agent_reserves_for_that_agent_only(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contact = active(make_contact)
        contact.transfer_to_agent("a1", "target", T0 + seconds(60))
        assert contact.state == ContactState.QUEUED
        assert contact.target_agent_id == "target"
        assert contact.enqueued_at == T0
        queues = by_id(make_queue())
        # Others have been idle far longer, the target the least: it still goes to target.
        agents = [make_agent("other1", idle_since=T0 - seconds(900)),
                  make_agent("other2", idle_since=T0 - seconds(800)),
                  make_agent("target", idle_since=T0 + seconds(59))]
        assert route([contact], agents, queues, T0 + seconds(61)) == [
            Offer("c1", "target", "q")
        ]

    def test_reserved_contact_waits_when_target_not_available(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contact = active(make_contact)
        contact.transfer_to_agent("a1", "target", T0 + seconds(60))
        agents = [make_agent("other"), make_agent("target", status=AgentStatus.BREAK)]
        assert route([contact], agents, by_id(make_queue()), T0 + seconds(61)) == []

    def test_reserved_contact_cannot_be_offered_to_someone_else(self, make_contact):
        contact = active(make_contact)
        contact.transfer_to_agent("a1", "target", T0 + seconds(60))
        with pytest.raises(InvalidTransition) as exc:
            contact.offer("other", T0 + seconds(61), 20)
        assert exc.value.error_id == "invalid_transition"
        assert contact.state == ContactState.QUEUED
        contact.offer("target", T0 + seconds(61), 20)
        assert contact.state == ContactState.OFFERED

    def test_accepting_clears_the_reservation(self, make_contact):
        contact = active(make_contact)
        contact.transfer_to_agent("a1", "target", T0 + seconds(60))
        contact.offer("target", T0 + seconds(61), 20)
        contact.accept("target", T0 + seconds(62))
        assert contact.target_agent_id is None
        assert contact.agent_id == "target"

    def test_declined_transfer_goes_back_to_everyone_in_its_place(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contact = make_contact("c1", at=T0, channel=Channel.CALL)
        contact.offer("a1", T0 + seconds(5), 20)
        contact.accept("a1", T0 + seconds(6))
        later = make_contact("later", at=T0 + seconds(30), channel=Channel.CALL)
        contact.transfer_to_agent("a1", "target", T0 + seconds(60))
        contact.offer("target", T0 + seconds(61), 20)
        contact.decline("target", T0 + seconds(62))
        assert contact.state == ContactState.QUEUED
        assert contact.target_agent_id is None
        assert contact.enqueued_at == T0
        queues = by_id(make_queue(redo_after_seconds=60))
        # One second later the target is skipped for c1 (declined < 60 s ago) and takes
        # "later"; "other" (one call slot) gets c1, which is still ahead of "later".
        agents = [make_agent("target", idle_since=T0 - seconds(900)),
                  make_agent("other", idle_since=T0)]
        offers = route([later, contact], agents, queues, T0 + seconds(63))
        assert offers == [Offer("c1", "other", "q"), Offer("later", "target", "q")]

    def test_missed_transfer_goes_back_to_everyone(
        self, make_contact, make_agent, make_queue, by_id
    ):
        contact = active(make_contact)
        contact.transfer_to_agent("a1", "target", T0 + seconds(60))
        contact.offer("target", T0 + seconds(61), 20)  # expires at T0+81 s
        assert contact.time_out_offer(T0 + seconds(81)) == "target"
        assert contact.target_agent_id is None
        offers = route([contact], [make_agent("other")], by_id(make_queue()),
                       T0 + seconds(82))
        assert offers == [Offer("c1", "other", "q")]


# --------------------------------------------------------------------------------------
# Customer leaves, rating
# --------------------------------------------------------------------------------------
class TestCustomerLeft:
    def test_queued_contact_is_abandoned(self, make_contact):
        contact = queued(make_contact)
        contact.customer_left(T0 + seconds(40))
        assert contact.state == ContactState.ABANDONED
        assert contact.ended_at == T0 + seconds(40)
        event = contact.events[-1]
        assert_event(event, EventType.CONTACT_ABANDONED, T0 + seconds(40), agent_id=None)
        assert event.data == {"waited_seconds": 40.0}

    def test_offered_contact_is_abandoned_and_released(self, make_contact):
        contact = offered(make_contact)  # offered to a1 at T0+10 s
        contact.customer_left(T0 + seconds(25))
        assert contact.state == ContactState.ABANDONED
        assert contact.agent_id is None
        assert contact.offer_expires_at is None
        # The event still says whose offer was abandoned.
        assert_event(contact.events[-1], EventType.CONTACT_ABANDONED, T0 + seconds(25))
        assert queue_positions([contact]) == {}

    def test_active_contact_goes_to_wrap_up(self, make_contact):
        contact = active(make_contact)
        contact.customer_left(T0 + seconds(200))
        assert contact.state == ContactState.WRAP_UP
        assert contact.wrapped_up_at == T0 + seconds(200)
        assert contact.agent_id == "a1"
        assert_event(contact.events[-1], EventType.CUSTOMER_LEFT, T0 + seconds(200))
        # The agent still closes it with a code.
        contact.close("a1", T0 + seconds(230), code="customer-hung-up")
        assert contact.state == ContactState.CLOSED


class TestRating:
    @pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
    def test_valid_scores_after_answer(self, score, make_contact):
        contact = closed(make_contact)
        contact.rate(score, T0 + seconds(400))
        assert contact.rating == score

    @pytest.mark.parametrize("state", ["active", "wrap_up", "closed"])
    def test_can_rate_once_answered(self, state, make_contact):
        contact = BUILDERS[state](make_contact)
        contact.rate(5, T0 + seconds(400))
        assert contact.rating == 5

    @pytest.mark.parametrize("score", [0, 6, -1, 10])
    def test_out_of_range_scores_rejected(self, score, make_contact):
        contact = closed(make_contact)
        with pytest.raises(ValidationFailed) as exc:
            contact.rate(score, T0 + seconds(400))
        assert exc.value.error_id == "validation_failed"
        assert contact.rating is None

    def test_non_integer_score_rejected(self, make_contact):
        contact = closed(make_contact)
        with pytest.raises(ValidationFailed):
            contact.rate(4.5, T0 + seconds(400))  # type: ignore[arg-type]

    @pytest.mark.parametrize("state", ["queued", "offered", "abandoned"])
    def test_cannot_rate_before_answer(self, state, make_contact):
        contact = BUILDERS[state](make_contact)
        with pytest.raises(InvalidTransition) as exc:
            contact.rate(5, T0 + seconds(400))
        assert exc.value.error_id == "invalid_transition"
        assert contact.rating is None

    def test_abandoned_while_offered_cannot_be_rated(self, make_contact):
        contact = offered(make_contact)
        contact.customer_left(T0 + seconds(20))
        with pytest.raises(InvalidTransition):
            contact.rate(3, T0 + seconds(30))


class TestAttributes:
    def test_language_comes_from_attributes(self, make_contact):
        assert make_contact("c1", language="de").language == "de"
        assert make_contact("c2", language=None).language == ""

    @pytest.mark.parametrize("key", ["priority", "channel", "now", "agent_id"])
    def test_any_attribute_key_is_accepted_and_kept(self, key, make_contact):
        contact = make_contact("c1", attributes={key: "web-form"})
        assert contact.attributes[key] == "web-form"
        event = contact.events[0]
        # Customer data cannot leak into the event's own fields.
        assert event.agent_id is None
        assert event.data["priority"] == 0
        assert event.data["channel"] == "chat"
        assert event.data["attributes"] == {"language": "en", key: "web-form"}
