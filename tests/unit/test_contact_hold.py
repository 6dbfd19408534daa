"""Hold and resume on a contact: the flag, the events, the implicit resume on wrap-up,
transfer and the customer leaving, and every refused transition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.contacts import HOLD_REASON_MAX, Contact, ContactState
from helpline.domain.errors import (
    AlreadyHeld,
    HelplineError,
    InvalidTransition,
    NaiveDatetime,
    NotHeld,
    PermissionDenied,
    ValidationFailed,
)
from helpline.domain.events import EventType
from helpline.quality.audio.holds import holds_from_contact_events

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NAIVE = datetime(2026, 11, 22, 10, 5)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def queued(make_contact: Callable[..., Contact]) -> Contact:
    return make_contact("c1", at=T0)


def offered(make_contact: Callable[..., Contact]) -> Contact:
    contact = queued(make_contact)
    contact.offer("a1", at(10), 20)
    return contact


def active(make_contact: Callable[..., Contact]) -> Contact:
    contact = offered(make_contact)
    contact.accept("a1", at(15))
    return contact


def held(make_contact: Callable[..., Contact]) -> Contact:
    contact = active(make_contact)
    contact.hold("a1", at(60), reason="checking the tariff")
    return contact


def wrapping(make_contact: Callable[..., Contact]) -> Contact:
    contact = active(make_contact)
    contact.wrap_up("a1", at(300), code="resolved")
    return contact


def closed(make_contact: Callable[..., Contact]) -> Contact:
    contact = wrapping(make_contact)
    contact.close("a1", at(330))
    return contact


def abandoned(make_contact: Callable[..., Contact]) -> Contact:
    contact = queued(make_contact)
    contact.customer_left(at(40))
    return contact


BUILDERS: dict[str, Callable[[Callable[..., Contact]], Contact]] = {
    "queued": queued, "offered": offered, "active": active, "held": held,
    "wrap_up": wrapping, "closed": closed, "abandoned": abandoned,
}


class TestHoldAndResume:
    def test_hold_sets_the_flag_and_records_contact_held(self, make_contact):
        contact = active(make_contact)
        assert not contact.is_held and contact.held_since is None
        contact.hold("a1", at(60), reason="  checking \n the tariff ")
        assert contact.state == ContactState.ACTIVE  # hold is a flag, not a state
        assert contact.is_held and contact.held_since == at(60)
        event = contact.events[-1]
        assert (event.type, event.at, event.agent_id, event.queue_id) == (
            EventType.CONTACT_HELD, at(60), "a1", "q")
        assert event.data == {"reason": "checking the tariff"}  # whitespace folded

    def test_hold_without_reason(self, make_contact):
        contact = active(make_contact)
        contact.hold("a1", at(60))
        assert contact.events[-1].data == {"reason": None}
        contact.resume("a1", at(70))
        contact.hold("a1", at(80), reason="   ")  # blank is no reason
        assert contact.events[-1].data == {"reason": None}

    def test_resume_clears_the_flag_and_records_the_held_time(self, make_contact):
        contact = held(make_contact)
        contact.resume("a1", at(195.5))
        assert not contact.is_held and contact.held_since is None
        event = contact.events[-1]
        assert (event.type, event.at, event.agent_id) == (EventType.CONTACT_RESUMED,
                                                          at(195.5), "a1")
        assert event.data == {"implicit": False, "held_seconds": 135.5}

    def test_hold_again_after_resume(self, make_contact):
        contact = held(make_contact)
        contact.resume("a1", at(90))
        contact.hold("a1", at(120))
        contact.resume("a1", at(150))
        kinds = [e.type for e in contact.events if e.type in (EventType.CONTACT_HELD,
                                                             EventType.CONTACT_RESUMED)]
        assert kinds == [EventType.CONTACT_HELD, EventType.CONTACT_RESUMED] * 2

    def test_events_give_the_hold_intervals_for_qa(self, make_contact):
        contact = held(make_contact)  # held at 60 s
        contact.resume("a1", at(190))
        contact.hold("a1", at(200))
        contact.wrap_up("a1", at(230))  # ends the second hold implicitly
        report = holds_from_contact_events(contact.events, recording_start=at(15))
        assert [(h.start_s, h.end_s) for h in report.holds] == [(45.0, 175.0), (185.0, 215.0)]
        assert report.problems == () and report.source == "contact_events"


class TestImplicitResume:
    """Leaving ``active`` ends a hold first: the log's hold intervals are always closed."""

    def _resumed_then(self, contact: Contact, then: EventType, at_: datetime,
                      ended_by: str) -> None:
        assert not contact.is_held
        resumed = next(e for e in contact.events if e.type == EventType.CONTACT_RESUMED)
        after = contact.events[contact.events.index(resumed) + 1]
        assert (resumed.at, after.type, after.at) == (at_, then, at_)
        assert resumed.agent_id == "a1" and resumed.queue_id == "q"
        assert resumed.data == {"implicit": True, "ended_by": ended_by,
                                "held_seconds": (at_ - at(60)).total_seconds()}

    def test_wrap_up(self, make_contact):
        contact = held(make_contact)
        contact.wrap_up("a1", at(100), code="resolved")
        assert contact.state == ContactState.WRAP_UP
        self._resumed_then(contact, EventType.CONTACT_WRAPPED_UP, at(100), "wrap_up")
        contact.close("a1", at(110))  # nothing left to end
        assert contact.events[-1].type == EventType.CONTACT_CLOSED
        assert sum(e.type == EventType.CONTACT_RESUMED for e in contact.events) == 1

    def test_transfer_to_queue(self, make_contact):
        contact = held(make_contact)
        contact.transfer_to_queue("a1", "tech", at(100))
        assert contact.state == ContactState.QUEUED
        self._resumed_then(contact, EventType.CONTACT_TRANSFERRED, at(100), "transfer")

    def test_transfer_to_agent(self, make_contact):
        contact = held(make_contact)
        contact.transfer_to_agent("a1", "a2", at(100))
        self._resumed_then(contact, EventType.CONTACT_TRANSFERRED, at(100), "transfer")
        contact.offer("a2", at(101), 20)
        contact.accept("a2", at(102))
        assert not contact.is_held  # the new agent gets it off hold

    def test_customer_left(self, make_contact):
        contact = held(make_contact)
        contact.customer_left(at(100))
        assert contact.state == ContactState.WRAP_UP
        self._resumed_then(contact, EventType.CUSTOMER_LEFT, at(100), "customer_left")

    def test_close_of_a_contact_loaded_held_in_wrap_up(self, make_contact):
        """Cannot happen through the domain; data written by hand is still closed."""
        contact = wrapping(make_contact)
        contact.held_since = at(290)
        contact.close("a1", at(330))
        resumed, closed_ = contact.events[-2:]
        assert (resumed.type, resumed.data["ended_by"], closed_.type) == (
            EventType.CONTACT_RESUMED, "close", EventType.CONTACT_CLOSED)
        assert not contact.is_held

    def test_not_held_leaves_no_resume(self, make_contact):
        contact = active(make_contact)
        contact.wrap_up("a1", at(100))
        assert EventType.CONTACT_RESUMED not in [e.type for e in contact.events]

    def test_a_refused_transition_keeps_the_hold(self, make_contact):
        contact = held(make_contact)
        before = len(contact.events)
        with pytest.raises(ValidationFailed):
            contact.transfer_to_agent("a1", "a1", at(100))
        with pytest.raises(PermissionDenied):
            contact.wrap_up("a2", at(100))
        assert contact.is_held and contact.held_since == at(60)
        assert len(contact.events) == before


WRONG = [
    # (state, description, action, error class, error_id)
    ("queued", "hold", lambda c: c.hold("a1", at(60)), InvalidTransition, "invalid_transition"),
    ("offered", "hold", lambda c: c.hold("a1", at(12)), InvalidTransition, "invalid_transition"),
    ("wrap_up", "hold", lambda c: c.hold("a1", at(400)), InvalidTransition,
     "invalid_transition"),
    ("closed", "hold", lambda c: c.hold("a1", at(400)), InvalidTransition, "invalid_transition"),
    ("abandoned", "hold", lambda c: c.hold("a1", at(60)), InvalidTransition,
     "invalid_transition"),
    ("active", "hold by another agent", lambda c: c.hold("a2", at(60)), PermissionDenied,
     "permission_denied"),
    ("held", "hold again", lambda c: c.hold("a1", at(70)), AlreadyHeld, "contact_already_held"),
    ("held", "hold again by another agent", lambda c: c.hold("a2", at(70)), PermissionDenied,
     "permission_denied"),
    ("active", "hold with a long reason",
     lambda c: c.hold("a1", at(60), reason="x" * (HOLD_REASON_MAX + 1)), ValidationFailed,
     "validation_failed"),
    ("active", "resume when not held", lambda c: c.resume("a1", at(60)), NotHeld,
     "contact_not_held"),
    ("held", "resume by another agent", lambda c: c.resume("a2", at(70)), PermissionDenied,
     "permission_denied"),
    ("queued", "resume", lambda c: c.resume("a1", at(60)), InvalidTransition,
     "invalid_transition"),
    ("offered", "resume", lambda c: c.resume("a1", at(12)), InvalidTransition,
     "invalid_transition"),
    ("wrap_up", "resume", lambda c: c.resume("a1", at(400)), InvalidTransition,
     "invalid_transition"),
    ("closed", "resume", lambda c: c.resume("a1", at(400)), InvalidTransition,
     "invalid_transition"),
    ("held", "resume naive", lambda c: c.resume("a1", NAIVE), NaiveDatetime, "naive_datetime"),
    ("active", "hold naive", lambda c: c.hold("a1", NAIVE), NaiveDatetime, "naive_datetime"),
]


@pytest.mark.parametrize(("state", "action", "error", "error_id"),
                         [(s, a, e, i) for s, _, a, e, i in WRONG],
                         ids=[f"{s}-{d}" for s, d, *_ in WRONG])
def test_wrong_hold_transitions_raise_and_change_nothing(state, action, error, error_id,
                                                        make_contact):
    contact = BUILDERS[state](make_contact)
    before = (contact.state, contact.agent_id, contact.held_since, len(contact.events))
    with pytest.raises(error) as exc:
        action(contact)
    assert isinstance(exc.value, HelplineError) and exc.value.error_id == error_id
    assert (contact.state, contact.agent_id, contact.held_since, len(contact.events)) == before


def test_hold_errors_are_conflicts_and_say_which_contact(make_contact):
    assert issubclass(AlreadyHeld, InvalidTransition) and issubclass(NotHeld, InvalidTransition)
    assert AlreadyHeld.http_status == NotHeld.http_status == 409
    contact = held(make_contact)
    with pytest.raises(AlreadyHeld) as exc:
        contact.hold("a1", at(70))
    assert exc.value.details == {"contact_id": "c1", "held_since": at(60).isoformat()}
    with pytest.raises(InvalidTransition) as wrong_state:
        queued(make_contact).hold("a1", at(60))
    assert wrong_state.value.details["action"] == "hold"
