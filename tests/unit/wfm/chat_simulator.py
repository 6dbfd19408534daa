"""A seeded discrete-event simulation of chat agents, for checking the chat model.

Individual agents, not the aggregated chain: a new chat goes to the least-loaded agent
with a free slot (lowest index on ties), otherwise it waits in one FCFS queue; an agent
holding ``m`` chats finishes each of them at rate ``1 / (aht · (1 + growth · (m - 1)))``
(exponential handle times, so the next event is drawn Gillespie-style).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SimResult:
    chats: int
    wait_probability: float
    service_level: float
    asa_seconds: float
    mean_chats_per_agent: float


def simulate(agents: int, chats_per_agent: int, chats_per_second: float, aht_seconds: float,
             growth: float, target_seconds: float, *, arrivals: int, seed: int,
             warmup: int = 5000) -> SimResult:
    rng = np.random.default_rng(seed)
    load = [0] * agents
    queue: deque[float] = deque()
    now = 0.0
    waits: list[float] = []
    arrived = 0
    busy_area = 0.0
    start_time = 0.0

    def rate(m: int) -> float:
        return m / (aht_seconds * (1.0 + growth * max(m - 1, 0)))

    while arrived < arrivals + warmup:
        rates = [rate(m) for m in load]
        total = chats_per_second + sum(rates)
        step = rng.exponential(1.0 / total)
        if arrived >= warmup:
            busy_area += step * sum(load)
        now += step
        pick = rng.random() * total
        if pick < chats_per_second:
            arrived += 1
            if arrived == warmup:
                start_time = now
            free = min(range(agents), key=lambda i: (load[i], i))
            if load[free] < chats_per_agent:
                load[free] += 1
                if arrived > warmup:
                    waits.append(0.0)
            else:
                queue.append(now if arrived > warmup else -now)
            continue
        pick -= chats_per_second
        agent = 0
        while agent < agents - 1 and pick >= rates[agent]:
            pick -= rates[agent]
            agent += 1
        if queue:
            arrival = queue.popleft()
            if arrival >= 0:
                waits.append(now - arrival)
        else:
            load[agent] -= 1
    done = np.asarray(waits)
    return SimResult(
        chats=len(done), wait_probability=float(np.mean(done > 0)),
        service_level=float(np.mean(done <= target_seconds)),
        asa_seconds=float(np.mean(done)),
        mean_chats_per_agent=busy_area / (now - start_time) / agents)
