"""Channels a contact can arrive on and their default per-agent capacity."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"


DEFAULT_CAPACITY: dict[Channel, int] = {Channel.CALL: 1, Channel.CHAT: 3, Channel.EMAIL: 5}

#: Service-level threshold per channel when a queue does not set one (seconds).
DEFAULT_SL_THRESHOLD_SECONDS: dict[Channel, int] = {
    Channel.CALL: 180,
    Channel.CHAT: 30,
    Channel.EMAIL: 4 * 3600,
}
