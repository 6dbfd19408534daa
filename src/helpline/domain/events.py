"""Event log entries: every state change of a contact or an agent, past tense."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    CONTACT_ENTERED_QUEUE = "contact_entered_queue"
    CONTACT_OFFERED = "contact_offered"
    OFFER_DECLINED = "offer_declined"
    OFFER_TIMED_OUT = "offer_timed_out"
    CONTACT_ACCEPTED = "contact_accepted"
    MESSAGE_SENT = "message_sent"
    CONTACT_HELD = "contact_held"
    CONTACT_RESUMED = "contact_resumed"
    CONTACT_TRANSFERRED = "contact_transferred"
    CONTACT_WRAPPED_UP = "contact_wrapped_up"
    CONTACT_CLOSED = "contact_closed"
    CONTACT_ABANDONED = "contact_abandoned"
    CUSTOMER_LEFT = "customer_left"
    CONTACT_RATED = "contact_rated"
    AGENT_STATUS_CHANGED = "agent_status_changed"


@dataclass(frozen=True)
class Event:
    """One appended fact. ``at`` is timezone-aware."""

    type: EventType
    at: datetime
    contact_id: str | None = None
    agent_id: str | None = None
    queue_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
