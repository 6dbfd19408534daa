"""Contacts and their state machine.

queued -> offered -> active -> wrap_up -> closed; queued/offered -> abandoned.
A declined or timed-out offer returns the contact to queued with its original
``enqueued_at``, which also survives escalation and transfers back to a queue.

Hold is not a state of its own but a flag of an ``active`` contact: ``held_since`` is
the time the assigned agent put it on hold (``contact_held``), ``None`` once resumed
(``contact_resumed``). Everything that takes a contact out of ``active`` — wrap-up,
transfer, the customer leaving — ends the hold first by appending ``contact_resumed``
with ``{"implicit": true, "ended_by": ...}`` at the same instant, so every hold interval
in the event log is closed. A held contact keeps its slot of the agent's capacity and its
conversation (messages do not end a hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from helpline.domain.channels import Channel
from helpline.domain.clock import check_aware
from helpline.domain.errors import (
    AlreadyHeld,
    InvalidTransition,
    NotHeld,
    OfferExpired,
    PermissionDenied,
    ValidationFailed,
)
from helpline.domain.events import Event, EventType


class ContactState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    WRAP_UP = "wrap_up"
    CLOSED = "closed"
    ABANDONED = "abandoned"


#: States in which a contact occupies a slot of its agent's capacity.
HOLDS_CAPACITY = frozenset({ContactState.OFFERED, ContactState.ACTIVE, ContactState.WRAP_UP})
OPEN_STATES = frozenset(
    {ContactState.QUEUED, ContactState.OFFERED, ContactState.ACTIVE, ContactState.WRAP_UP}
)

#: Priority given to a customer segment when the contact is created.
SEGMENT_PRIORITY: dict[str, int] = {"vip": 20, "premium": 10, "business": 5, "standard": 0}

#: Longest free-text reason an agent may give for a hold.
HOLD_REASON_MAX = 200


def priority_for_segment(segment: str | None) -> int:
    """Premium tariffs are served first: a higher number wins."""
    return SEGMENT_PRIORITY.get((segment or "standard").lower(), 0)


@dataclass
class Contact:
    id: str
    channel: Channel
    queue_id: str
    customer_name: str
    customer_phone: str
    created_at: datetime
    enqueued_at: datetime
    queue_entered_at: datetime
    priority: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    state: ContactState = ContactState.QUEUED
    agent_id: str | None = None
    target_agent_id: str | None = None
    offered_at: datetime | None = None
    offer_expires_at: datetime | None = None
    answered_at: datetime | None = None
    wrapped_up_at: datetime | None = None
    ended_at: datetime | None = None
    wrapup_code: str | None = None
    #: agent id -> ISO time of their decline/miss; the router skips them for a while.
    skipped_agents: dict[str, str] = field(default_factory=dict)
    offline_message: bool = False
    rating: int | None = None
    #: When the assigned agent put the (active) contact on hold; None when not held.
    held_since: datetime | None = None
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    # -- construction ------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        contact_id: str,
        channel: Channel,
        queue_id: str,
        customer_name: str,
        customer_phone: str,
        now: datetime,
        attributes: dict[str, str] | None = None,
        priority: int | None = None,
        offline_message: bool = False,
    ) -> Contact:
        check_aware(now, "now")
        attrs = dict(attributes or {})
        contact = cls(
            id=contact_id,
            channel=channel,
            queue_id=queue_id,
            customer_name=customer_name,
            customer_phone=customer_phone,
            created_at=now,
            enqueued_at=now,
            queue_entered_at=now,
            priority=(
                priority if priority is not None else priority_for_segment(attrs.get("segment"))
            ),
            attributes=attrs,
            offline_message=offline_message,
        )
        contact._record(EventType.CONTACT_ENTERED_QUEUE, now, priority=contact.priority,
                        channel=channel.value, offline_message=offline_message,
                        attributes=dict(attrs))
        return contact

    # -- helpers -----------------------------------------------------------------------
    @property
    def language(self) -> str:
        return self.attributes.get("language", "")

    def _record(self, type_: EventType, now: datetime, agent_id: str | None = None,
                **data: Any) -> None:
        self.events.append(Event(type_, now, contact_id=self.id,
                                 agent_id=agent_id if agent_id is not None else self.agent_id,
                                 queue_id=self.queue_id, data=data))

    def _require(self, action: str, *states: ContactState) -> None:
        if self.state not in states:
            raise InvalidTransition(
                f"cannot {action} a contact that is {self.state.value}",
                contact_id=self.id, state=self.state.value, action=action,
            )

    def _require_agent(self, agent_id: str, action: str) -> None:
        if self.agent_id != agent_id:
            raise PermissionDenied(
                f"contact is not assigned to this agent; cannot {action}",
                contact_id=self.id,
            )

    @property
    def is_held(self) -> bool:
        return self.held_since is not None

    def _end_hold(self, now: datetime, ended_by: str) -> None:
        """Close an open hold before the contact leaves ``active`` (no-op when not held)."""
        if self.held_since is None:
            return
        self._record(EventType.CONTACT_RESUMED, now, implicit=True, ended_by=ended_by,
                     held_seconds=self._held_seconds(now))
        self.held_since = None

    def _held_seconds(self, now: datetime) -> float:
        assert self.held_since is not None
        return round(max(0.0, (now - self.held_since).total_seconds()), 3)

    def waited_seconds(self, now: datetime) -> float:
        """Seconds in the current queue (drives escalation steps)."""
        return (now - self.queue_entered_at).total_seconds()

    def is_skipped_for(self, agent_id: str, now: datetime, redo_after_seconds: int) -> bool:
        stamp = self.skipped_agents.get(agent_id)
        if stamp is None:
            return False
        return now - datetime.fromisoformat(stamp) < timedelta(seconds=redo_after_seconds)

    # -- transitions -------------------------------------------------------------------
    def offer(self, agent_id: str, now: datetime, timeout_seconds: int) -> None:
        check_aware(now, "now")
        self._require("offer", ContactState.QUEUED)
        if self.target_agent_id is not None and self.target_agent_id != agent_id:
            raise InvalidTransition("contact is reserved for another agent", contact_id=self.id)
        self.state = ContactState.OFFERED
        self.agent_id = agent_id
        self.offered_at = now
        self.offer_expires_at = now + timedelta(seconds=timeout_seconds)
        self._record(EventType.CONTACT_OFFERED, now, timeout_seconds=timeout_seconds,
                     waited_seconds=round((now - self.enqueued_at).total_seconds(), 3))

    def _return_to_queue(self, now: datetime) -> str:
        agent_id = self.agent_id
        assert agent_id is not None
        self.skipped_agents[agent_id] = now.isoformat()
        self.target_agent_id = None  # a declined/missed transfer goes back to everyone
        self.state = ContactState.QUEUED
        self.agent_id = None
        self.offered_at = None
        self.offer_expires_at = None
        return agent_id

    def decline(self, agent_id: str, now: datetime) -> None:
        check_aware(now, "now")
        self._require("decline", ContactState.OFFERED)
        self._require_agent(agent_id, "decline")
        self._record(EventType.OFFER_DECLINED, now)
        self._return_to_queue(now)

    def time_out_offer(self, now: datetime) -> str:
        """Return the contact to its place; gives back the agent who missed it."""
        check_aware(now, "now")
        self._require("time out", ContactState.OFFERED)
        assert self.offer_expires_at is not None
        if now < self.offer_expires_at:
            raise InvalidTransition("offer has not expired yet", contact_id=self.id)
        self._record(EventType.OFFER_TIMED_OUT, now)
        return self._return_to_queue(now)

    def accept(self, agent_id: str, now: datetime) -> None:
        check_aware(now, "now")
        self._require("accept", ContactState.OFFERED)
        self._require_agent(agent_id, "accept")
        if self.offer_expires_at is not None and now >= self.offer_expires_at:
            raise OfferExpired("the offer has expired", contact_id=self.id)
        self.state = ContactState.ACTIVE
        self.target_agent_id = None
        if self.answered_at is None:
            self.answered_at = now
        self._record(EventType.CONTACT_ACCEPTED, now,
                     waited_seconds=round((now - self.enqueued_at).total_seconds(), 3))

    def transfer_to_queue(self, agent_id: str, queue_id: str, now: datetime) -> None:
        """Back to a queue (same or another) keeping the original enqueue time."""
        check_aware(now, "now")
        self._require("transfer", ContactState.ACTIVE)
        self._require_agent(agent_id, "transfer")
        self._end_hold(now, "transfer")
        self._record(EventType.CONTACT_TRANSFERRED, now, to_queue_id=queue_id)
        self._requeue(queue_id, now)

    def transfer_to_agent(self, agent_id: str, target_agent_id: str, now: datetime) -> None:
        """Reserve the contact for one operator; it keeps its place in its queue."""
        self._require("transfer", ContactState.ACTIVE)
        self._require_agent(agent_id, "transfer")
        check_aware(now, "now")
        if target_agent_id == agent_id:
            raise ValidationFailed("cannot transfer a contact to yourself")
        self._end_hold(now, "transfer")
        self._record(EventType.CONTACT_TRANSFERRED, now, to_agent_id=target_agent_id)
        self._requeue(self.queue_id, now)
        self.target_agent_id = target_agent_id

    def _requeue(self, queue_id: str, now: datetime) -> None:
        self.state = ContactState.QUEUED
        self.agent_id = None
        self.target_agent_id = None
        self.offered_at = None
        self.offer_expires_at = None
        self.skipped_agents = {}
        changed = queue_id != self.queue_id
        self.queue_id = queue_id
        self.queue_entered_at = now
        self._record(EventType.CONTACT_ENTERED_QUEUE, now, transfer=True,
                     changed_queue=changed, priority=self.priority)

    def wrap_up(self, agent_id: str, now: datetime, code: str | None = None) -> None:
        check_aware(now, "now")
        self._require("wrap up", ContactState.ACTIVE)
        self._require_agent(agent_id, "wrap up")
        self._end_hold(now, "wrap_up")
        self.state = ContactState.WRAP_UP
        self.wrapped_up_at = now
        if code:
            self.wrapup_code = code
        self._record(EventType.CONTACT_WRAPPED_UP, now, code=code)

    def close(self, agent_id: str, now: datetime, code: str | None = None) -> None:
        check_aware(now, "now")
        self._require("close", ContactState.WRAP_UP)
        self._require_agent(agent_id, "close")
        if code:
            self.wrapup_code = code
        if not self.wrapup_code:
            raise ValidationFailed("a wrap-up reason code is required to close", contact_id=self.id)
        self._end_hold(now, "close")  # never held in wrap_up; kept for data loaded as is
        self.state = ContactState.CLOSED
        self.ended_at = now
        self._record(EventType.CONTACT_CLOSED, now, code=self.wrapup_code)

    def customer_left(self, now: datetime) -> None:
        """The customer ended the conversation: abandon if nobody answered yet,
        otherwise move the agent to wrap-up."""
        check_aware(now, "now")
        if self.state in (ContactState.QUEUED, ContactState.OFFERED):
            self._record(EventType.CONTACT_ABANDONED, now,
                         waited_seconds=round((now - self.enqueued_at).total_seconds(), 3))
            self.state = ContactState.ABANDONED
            self.ended_at = now
            self.agent_id = None
            self.offer_expires_at = None
        elif self.state == ContactState.ACTIVE:
            self._end_hold(now, "customer_left")
            self._record(EventType.CUSTOMER_LEFT, now)
            self.state = ContactState.WRAP_UP
            self.wrapped_up_at = now
        else:
            self._require("leave", ContactState.QUEUED, ContactState.OFFERED, ContactState.ACTIVE)

    def hold(self, agent_id: str, now: datetime, reason: str | None = None) -> None:
        """The assigned agent puts an active contact on hold (``contact_held``)."""
        check_aware(now, "now")
        self._require("hold", ContactState.ACTIVE)
        self._require_agent(agent_id, "hold")
        if reason is not None:
            if not isinstance(reason, str):
                raise ValidationFailed("hold reason must be text", field="reason")
            reason = " ".join(reason.split()) or None
            if reason is not None and len(reason) > HOLD_REASON_MAX:
                raise ValidationFailed(f"hold reason: at most {HOLD_REASON_MAX} characters",
                                       field="reason")
        if self.held_since is not None:
            raise AlreadyHeld("the contact is already on hold", contact_id=self.id,
                              held_since=self.held_since.isoformat())
        self.held_since = now
        self._record(EventType.CONTACT_HELD, now, reason=reason)

    def resume(self, agent_id: str, now: datetime) -> None:
        """The assigned agent takes the contact off hold (``contact_resumed``)."""
        check_aware(now, "now")
        self._require("resume", ContactState.ACTIVE)
        self._require_agent(agent_id, "resume")
        if self.held_since is None:
            raise NotHeld("the contact is not on hold", contact_id=self.id)
        self._record(EventType.CONTACT_RESUMED, now, implicit=False,
                     held_seconds=self._held_seconds(now))
        self.held_since = None

    def rate(self, score: int, now: datetime) -> None:
        check_aware(now, "now")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationFailed("rating must be 1..5", rating=score)
        if self.state in (ContactState.QUEUED, ContactState.OFFERED):
            raise InvalidTransition("cannot rate a conversation before it was answered")
        if self.answered_at is None:
            raise InvalidTransition("cannot rate an unanswered conversation")
        self.rating = score
        self._record(EventType.CONTACT_RATED, now, rating=score)
