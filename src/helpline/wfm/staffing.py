"""Staff requirements per interval from a forecast and a service target (issue 4 §3).

Calls are staffed by Erlang C, or Erlang A when the callers' mean patience is known;
chats by the concurrency model of :mod:`helpline.wfm.chat_staffing`. Shrinkage turns
the agents needed on the phones into staff to schedule. One call serves every interval
of one queue/skill at once (vectorised).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from helpline.wfm.chat_staffing import chat_staffing
from helpline.wfm.erlang import ErlangInputError, erlang_c_staffing
from helpline.wfm.erlang_a import erlang_a_staffing

Channel = Literal["call", "chat"]


@dataclass(frozen=True)
class Target:
    """What the staffing must reach, per interval."""

    service_level: float  #: e.g. 0.9
    seconds: float  #: answered within this many seconds
    shrinkage: float = 0.0  #: share of paid time not on contacts (breaks, training)
    max_occupancy: float = 1.0
    patience_seconds: float | None = None  #: calls: mean patience -> Erlang A
    max_abandon: float | None = None  #: calls with patience: abandonment cap
    chats_per_agent: int = 3  #: chats: concurrency
    handle_time_growth: float = 0.0  #: chats: slowdown per extra concurrent chat


@dataclass(frozen=True)
class Requirement:
    """Arrays over the intervals: agents on contacts, staff to schedule, what they reach."""

    agents: NDArray[np.int64]
    staff: NDArray[np.int64]
    service_level: NDArray[np.float64]
    model: str


def requirements(channel: Channel, volume: ArrayLike, aht_seconds: ArrayLike,
                 interval_seconds: float, target: Target) -> Requirement:
    """Agents and staff per interval for ``volume`` contacts per interval."""
    if channel == "chat":
        chats = chat_staffing(volume, interval_seconds, aht_seconds, target.chats_per_agent,
                              target.service_level, target.seconds,
                              handle_time_growth=target.handle_time_growth,
                              shrinkage=target.shrinkage)
        return Requirement(chats.agents, chats.staff, chats.metrics.service_level,
                           f"chat (k={target.chats_per_agent})")
    if channel != "call":
        raise ErlangInputError("channel must be 'call' or 'chat'", field="channel")
    if target.patience_seconds is not None:
        a = erlang_a_staffing(volume, interval_seconds, aht_seconds, target.patience_seconds,
                              target.service_level, target.seconds,
                              max_abandon=target.max_abandon,
                              max_occupancy=target.max_occupancy, shrinkage=target.shrinkage)
        return Requirement(a.agents, a.staff, a.metrics.service_level, "erlang-a")
    c = erlang_c_staffing(volume, interval_seconds, aht_seconds, target.service_level,
                          target.seconds, shrinkage=target.shrinkage,
                          max_occupancy=target.max_occupancy)
    return Requirement(c.agents, c.staff, c.service_level, "erlang-c")
