"""Chat staffing with concurrency: each agent handles up to ``chats_per_agent`` (k) chats.

Model (and why). A chat's handle time grows with the agent's concurrency, because the
agent's attention is shared: with ``m`` open chats each chat takes
``aht_seconds · (1 + handle_time_growth · (m - 1))`` (``aht_seconds`` = a chat handled
alone; ``growth = 0`` means chats do not slow each other down). An agent with ``m`` chats
therefore finishes chats at rate ``m / (aht · (1 + g·(m-1)))``: more than one chat at a
time, but less than ``m`` times one. Treating an agent as k independent slots
(M/M/N·k) ignores that slowdown and under-staffs; treating chats as calls over-staffs.

The system is a birth–death chain (a continuous-time Markov chain solved exactly) on
``j`` = chats present: arrivals at ``λ = chats / interval_seconds``; with ``j <= N·k``
the router gives a new chat to the least-loaded agent, so the ``j`` chats are spread as
evenly as possible (``j mod N`` agents hold ``⌈j/N⌉``, the rest ``⌊j/N⌋``), and the
departure rate is the sum of the agents' rates; beyond ``N·k`` chats wait in one FCFS
queue while every agent works at ``k`` (rate ``R = N·k·μ(k)``), a geometric tail. Hence
(with ``P(wait)`` = probability an arriving chat finds every slot taken):

* ``service_level = 1 - P(wait) · exp(-(R - λ) · T)`` (chats answered within T; no
  abandonment: chat customers wait in the widget);
* ``asa_seconds = P(wait) / (R - λ)`` (mean wait over all chats).

With ``growth = 0`` this is exactly Erlang C with ``N·k`` servers. With ``growth > 0`` the
even spread is an approximation (completions can leave agents unevenly loaded while no
chat waits); ``tests/unit/wfm/test_chat_staffing.py`` measures it against a seeded
discrete-event simulation of individual agents with least-loaded routing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from helpline.wfm.erlang import (
    SL_TOLERANCE,
    ErlangInputError,
    FloatArray,
    IntArray,
    check_agents,
    check_array,
    smallest_agents,
    staff_for,
)


@dataclass(frozen=True)
class ChatMetrics:
    """Chat figures per interval (arrays of the broadcast input shape)."""

    agents: IntArray
    wait_probability: FloatArray  #: an arriving chat finds every slot taken
    service_level: FloatArray  #: chats answered within T / all chats
    asa_seconds: FloatArray  #: mean wait over all chats
    mean_chats_per_agent: FloatArray  #: mean concurrency per agent
    slot_occupancy: FloatArray  #: busy slots / (agents · chats_per_agent)


def _agent_rate(m: FloatArray, aht: FloatArray, growth: FloatArray) -> FloatArray:
    """Chats finished per second by one agent holding ``m`` chats."""
    return np.asarray(m / (aht * (1.0 + growth * np.maximum(m - 1.0, 0.0))), dtype=np.float64)


def chat_metrics(agents: ArrayLike, chats: ArrayLike, interval_seconds: ArrayLike,
                 aht_seconds: ArrayLike, chats_per_agent: int, target_seconds: ArrayLike,
                 handle_time_growth: ArrayLike = 0.0) -> ChatMetrics:
    """Service level, ASA and concurrency of ``agents`` handling ``chats`` per interval,
    each agent holding up to ``chats_per_agent`` chats at once."""
    if not isinstance(chats_per_agent, int) or chats_per_agent < 1:
        raise ErlangInputError("chats_per_agent must be a whole number >= 1",
                               field="chats_per_agent")
    n, lam_c, interval, aht, target, growth = np.broadcast_arrays(
        check_agents(agents), check_array("chats", chats),
        check_array("interval_seconds", interval_seconds, strict=True),
        check_array("aht_seconds", aht_seconds, strict=True),
        check_array("target_seconds", target_seconds),
        check_array("handle_time_growth", handle_time_growth))
    shape = n.shape
    flat = (n.ravel(), (lam_c / interval).ravel(), aht.ravel(), target.ravel(), growth.ravel())
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        out = _chat(*flat, chats_per_agent)
    return ChatMetrics(out[0].reshape(shape), *(x.reshape(shape) for x in out[1:]))


def _chat(n: IntArray, lam: FloatArray, aht: FloatArray, target: FloatArray,
          growth: FloatArray, k: int
          ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    slots = n * k
    nf = n.astype(np.float64)
    safe_n = np.maximum(nf, 1.0)
    # log weights of states 0..slots-1 relative to state 0, summed with a running scale
    log_w = np.zeros(n.shape)
    m = np.zeros(n.shape)
    s_w = np.zeros(n.shape)  # sum over j < slots of w_j (scaled by exp(-m))
    s_busy = np.zeros(n.shape)  # sum over j < slots of j · w_j
    for j in range(1, int(slots.max(initial=0)) + 1):
        inside = j <= slots
        jf = float(j)
        low = np.floor(jf / safe_n)
        high_count = jf - low * safe_n  # agents holding low + 1 chats
        rate = (high_count * _agent_rate(low + 1.0, aht, growth)
                + (safe_n - high_count) * _agent_rate(low, aht, growth))
        prev = np.where(inside, np.exp(log_w - m), 0.0)  # add state j-1
        s_w += prev
        s_busy += (jf - 1.0) * prev
        log_w = np.where(inside, log_w + np.log(lam / rate), log_w)
        new_m = np.where(inside, np.maximum(m, log_w), m)
        rescale = np.exp(m - new_m)
        s_w *= rescale
        s_busy *= rescale
        m = new_m
    # state `slots` and the geometric queue behind it
    full_rate = nf * _agent_rate(np.full(n.shape, float(k)), aht, growth)
    rho = lam / full_rate
    stable = (rho < 1.0) & (n > 0)
    tail = np.where(stable, np.exp(log_w - m) / (1.0 - rho), np.inf)
    total = s_w + tail
    p_wait = np.where(stable, tail / total, 1.0)
    p_wait = np.where(lam == 0.0, 0.0, p_wait)
    gap = full_rate - lam
    sl = np.where(stable, 1.0 - p_wait * np.exp(-gap * target), 0.0)
    sl = np.where(lam == 0.0, 1.0, np.clip(sl, 0.0, 1.0))
    asa = np.where(stable, p_wait / gap, np.inf)
    asa = np.where(lam == 0.0, 0.0, asa)
    busy = np.where(stable, (s_busy + slots * tail) / total, slots.astype(np.float64))
    busy = np.where(lam == 0.0, 0.0, busy)
    per_agent = np.where(n > 0, busy / safe_n, 0.0)
    return (n, p_wait, sl, asa, per_agent, per_agent / k)


@dataclass(frozen=True)
class ChatStaffing:
    """Chat staffing per interval and what those agents achieve."""

    agents: IntArray
    staff: IntArray
    metrics: ChatMetrics


def chat_staffing(chats: ArrayLike, interval_seconds: ArrayLike, aht_seconds: ArrayLike,
                  chats_per_agent: int, target_sl: ArrayLike, target_seconds: ArrayLike,
                  *, handle_time_growth: ArrayLike = 0.0,
                  shrinkage: ArrayLike = 0.0) -> ChatStaffing:
    """Smallest agents per interval whose chat service level within ``target_seconds``
    reaches ``target_sl``; zero chats need zero agents."""
    goal = check_array("target_sl", target_sl, strict=True, maximum=1.0, strict_max=True)
    c, interval, aht, target, growth, goal_b = np.broadcast_arrays(
        check_array("chats", chats),
        check_array("interval_seconds", interval_seconds, strict=True),
        check_array("aht_seconds", aht_seconds, strict=True),
        check_array("target_seconds", target_seconds),
        check_array("handle_time_growth", handle_time_growth), goal)
    shape = c.shape
    args = [x.ravel() for x in (c, interval, aht, target, growth)]
    goal_f = goal_b.ravel() - SL_TOLERANCE

    def ok(agents: IntArray, idx: IntArray) -> NDArray[np.bool_]:
        fc, fi, fh, ft, fg = (x[idx] for x in args)
        res = chat_metrics(agents, fc, fi, fh, chats_per_agent, ft, fg)
        return np.asarray(res.service_level >= goal_f[idx])

    # k slots per agent at full concurrency: a lower bound on the agents needed
    load = args[0] * args[2] / args[1]
    start = np.ceil(load / chats_per_agent).astype(np.int64) + 1
    agents = smallest_agents(ok, args[0] > 0, start).reshape(shape)
    metrics = chat_metrics(agents, chats, interval_seconds, aht_seconds, chats_per_agent,
                           target_seconds, handle_time_growth)
    return ChatStaffing(agents=metrics.agents, staff=staff_for(metrics.agents, shrinkage),
                        metrics=metrics)
