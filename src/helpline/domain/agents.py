"""Agents: roles, skills, languages, per-channel capacity and status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from helpline.domain.channels import DEFAULT_CAPACITY, Channel
from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed
from helpline.domain.events import Event, EventType


class Role(StrEnum):
    AGENT = "agent"
    SENIOR = "senior"
    SUPERVISOR = "supervisor"
    QA = "qa"
    ADMIN = "admin"


#: Roles that see every contact and the supervisor board.
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.QA, Role.ADMIN})


class AgentStatus(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    BREAK = "break"
    LUNCH = "lunch"
    TRAINING = "training"
    AFTER_CALL_WORK = "after_call_work"
    #: Set by the system after too many missed offers in a row.
    NOT_READY = "not_ready"


def check_skill_levels(skills: Mapping[str, int]) -> dict[str, int]:
    """Validate skill levels (0–100) and return a plain dict."""
    for name, level in skills.items():
        if (not name or isinstance(level, bool) or not isinstance(level, int)
                or not 0 <= level <= 100):
            raise ValidationFailed(
                f"skill {name!r} needs a level from 0 to 100", skill=name, level=level
            )
    return dict(skills)


def check_capacity(capacity: Mapping[Channel, int]) -> dict[Channel, int]:
    merged = dict(DEFAULT_CAPACITY)
    known = {c.value for c in Channel}
    for channel, slots in capacity.items():
        if str(channel) not in known:
            raise ValidationFailed(f"unknown channel {channel!r}", allowed=sorted(known))
        if isinstance(slots, bool) or not isinstance(slots, int) or not 0 <= slots <= 50:
            raise ValidationFailed(
                f"capacity for {channel} must be 0..50", channel=str(channel), slots=slots
            )
        merged[Channel(channel)] = slots
    return merged


@dataclass
class Agent:
    """An operator. ``idle_since`` is when the agent last became free of work
    (status set to available, or a contact offered to or released by them);
    the router serves the longest idle first."""

    id: str
    name: str
    role: Role
    status: AgentStatus
    status_since: datetime
    idle_since: datetime
    skills: dict[str, int] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    capacity: dict[Channel, int] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    #: When true, channels share one budget: a call (1 of 1) fills the agent,
    #: a chat takes 1/3 of it. When false each channel has its own slots.
    capacity_shared: bool = False
    missed_offers: int = 0
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    def skill_level(self, skill: str) -> int:
        return self.skills.get(skill, -1)

    def set_status(self, status: AgentStatus, now: datetime, reason: str | None = None) -> None:
        """Change status; records ``agent_status_changed``. Same status is a no-op."""
        check_aware(now, "now")
        if status == self.status:
            return
        previous = self.status
        self.status = status
        self.status_since = now
        if status == AgentStatus.AVAILABLE:
            self.idle_since = now
            self.missed_offers = 0
        data: dict[str, str] = {"from": previous.value, "to": status.value}
        if reason:
            data["reason"] = reason
        self.events.append(
            Event(EventType.AGENT_STATUS_CHANGED, now, agent_id=self.id, data=data)
        )

    def record_missed_offer(self, now: datetime, max_missed: int) -> bool:
        """Count an offer that timed out; after ``max_missed`` in a row the agent
        is set not ready. Returns True when that happened."""
        check_aware(now, "now")
        self.missed_offers += 1
        if (max_missed > 0 and self.missed_offers >= max_missed
                and self.status == AgentStatus.AVAILABLE):
            self.set_status(AgentStatus.NOT_READY, now, reason="missed_offers")
            return True
        return False

    def record_accepted(self) -> None:
        self.missed_offers = 0


def has_room(
    capacity: Mapping[Channel, int],
    load: Mapping[Channel, int],
    channel: Channel,
    shared: bool,
) -> bool:
    """True if one more contact on ``channel`` fits the agent's capacity."""
    slots = capacity.get(channel, 0)
    if slots <= 0:
        return False
    if not shared:
        return load.get(channel, 0) < slots
    # Shared budget: sum of load/slots over channels stays <= 1 after adding one.
    # Integer arithmetic on a common denominator avoids float rounding.
    denominator = 1
    for value in capacity.values():
        if value > 0:
            denominator *= value
    used = sum(
        count * (denominator // capacity[ch])
        for ch, count in load.items()
        if count and capacity.get(ch, 0) > 0
    )
    return used + denominator // slots <= denominator
