"""Edge validation in the domain: booleans are not numbers, unknown channels, queue limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpline.domain.agents import (
    Agent,
    AgentStatus,
    Role,
    check_capacity,
    check_skill_levels,
)
from helpline.domain.channels import Channel
from helpline.domain.contacts import Contact
from helpline.domain.errors import ValidationFailed
from helpline.domain.events import EventType
from helpline.domain.queues import Queue

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_booleans_are_not_levels_or_slots() -> None:
    with pytest.raises(ValidationFailed):
        check_skill_levels({"mobile": True})
    with pytest.raises(ValidationFailed):
        check_capacity({Channel.CHAT: True})


def test_unknown_channel_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed) as error:
        check_capacity({"fax": 1})  # type: ignore[dict-item]
    assert error.value.details["allowed"] == ["call", "chat", "email"]


def test_missed_offers_do_not_override_a_break() -> None:
    agent = Agent(id="a", name="A", role=Role.AGENT, status=AgentStatus.BREAK,
                  status_since=T0, idle_since=T0)
    assert agent.record_missed_offer(T0, max_missed=1) is False
    assert agent.status == AgentStatus.BREAK and agent.missed_offers == 1


@pytest.mark.parametrize("field", ["redo_after_seconds", "max_missed_offers"])
def test_queue_rejects_negative_limits(field: str) -> None:
    with pytest.raises(ValidationFailed):
        Queue(id="q", name="Q", skill="s", **{field: -1})  # type: ignore[arg-type]


def test_requeue_event_after_transfer_has_no_agent() -> None:
    contact = Contact.create(contact_id="c", channel=Channel.CHAT, queue_id="q",
                             customer_name="N", customer_phone="+7", now=T0)
    contact.offer("a", T0, 20)
    contact.accept("a", T0)
    contact.transfer_to_queue("a", "other", T0)
    entered = [e for e in contact.events if e.type == EventType.CONTACT_ENTERED_QUEUE]
    assert entered[-1].agent_id is None and entered[-1].queue_id == "other"
