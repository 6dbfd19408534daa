"""Queues: who is eligible, service-level threshold, offer timeout, escalation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from helpline.domain.channels import DEFAULT_SL_THRESHOLD_SECONDS, Channel
from helpline.domain.errors import ValidationFailed


@dataclass(frozen=True)
class EscalationStep:
    """After ``after_seconds`` in the queue, widen eligibility; the contact keeps
    its place because ordering never looks at escalation."""

    after_seconds: int
    min_level: int | None = None
    extra_skills: tuple[str, ...] = ()
    any_language: bool = False


@dataclass(frozen=True)
class BusinessHours:
    """Open hours per weekday (0=Monday) in the queue's local offset."""

    opens: time
    closes: time
    weekdays: frozenset[int] = frozenset(range(7))

    def is_open(self, local_now: datetime) -> bool:
        if local_now.weekday() not in self.weekdays:
            return False
        moment = local_now.timetz().replace(tzinfo=None)
        if self.opens <= self.closes:
            return self.opens <= moment < self.closes
        return moment >= self.opens or moment < self.closes  # spans midnight


@dataclass(frozen=True)
class Queue:
    id: str
    name: str
    skill: str
    min_level: int = 1
    require_language: bool = True
    sl_threshold_seconds: dict[Channel, int] | None = None
    offer_timeout_seconds: int = 20
    max_missed_offers: int = 2
    #: Seconds an agent who declined or missed a contact is skipped for it.
    redo_after_seconds: int = 60
    escalation: tuple[EscalationStep, ...] = ()
    business_hours: BusinessHours | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_level <= 100:
            raise ValidationFailed("min_level must be 0..100", min_level=self.min_level)
        if self.offer_timeout_seconds <= 0:
            raise ValidationFailed("offer timeout must be positive")
        if self.redo_after_seconds < 0 or self.max_missed_offers < 0:
            raise ValidationFailed("redo_after_seconds and max_missed_offers must be >= 0")
        last = -1
        for step in self.escalation:
            if step.after_seconds <= last:
                raise ValidationFailed("escalation steps must have increasing after_seconds")
            last = step.after_seconds

    def threshold_seconds(self, channel: Channel) -> int:
        if self.sl_threshold_seconds and channel in self.sl_threshold_seconds:
            return self.sl_threshold_seconds[channel]
        return DEFAULT_SL_THRESHOLD_SECONDS[channel]

    def rule_after(self, waited_seconds: float) -> EligibilityRule:
        """The eligibility in force after waiting ``waited_seconds`` in this queue."""
        min_level = self.min_level
        skills: tuple[str, ...] = (self.skill,)
        any_language = not self.require_language
        for step in self.escalation:
            if waited_seconds < step.after_seconds:
                break
            if step.min_level is not None:
                min_level = step.min_level
            skills = skills + tuple(s for s in step.extra_skills if s not in skills)
            any_language = any_language or step.any_language
        return EligibilityRule(skills=skills, min_level=min_level, any_language=any_language)


@dataclass(frozen=True)
class EligibilityRule:
    skills: tuple[str, ...]
    min_level: int
    any_language: bool

    def admits(self, skills: Mapping[str, int], languages: frozenset[str], language: str) -> bool:
        if not any(skills.get(s, -1) >= self.min_level for s in self.skills):
            return False
        return self.any_language or not language or language in languages
