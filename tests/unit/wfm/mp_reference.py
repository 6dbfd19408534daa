"""Arbitrary-precision references (mpmath), written from the textbook definitions.

They share no code with ``helpline.wfm``: Erlang B from the Poisson ratio, Erlang A from
its stationary distribution, and the Erlang A service level from the matrix exponential
of the waiting caller's own Markov chain (no closed form).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath as mp

mp.mp.dps = 40


def erlang_b(n: int, a: float | mp.mpf) -> mp.mpf:
    """(A^N/N!) / sum_{j<=N} A^j/j!, each term via exp(j log A - log j!)."""
    la = mp.log(mp.mpf(a))
    terms = [mp.exp(j * la - mp.loggamma(j + 1)) for j in range(n + 1)]
    return terms[-1] / mp.fsum(terms)


@dataclass(frozen=True)
class ErlangC:
    wait_probability: mp.mpf
    service_level: mp.mpf
    asa_seconds: mp.mpf


def erlang_c(n: int, calls: float, interval_s: float, aht_s: float, t_s: float) -> ErlangC:
    a = mp.mpf(calls) * aht_s / interval_s
    b = erlang_b(n, a)
    c = n * b / (n - a * (1 - b))
    return ErlangC(c, 1 - c * mp.exp(-(n - a) * t_s / aht_s), c * aht_s / (n - a))


@dataclass(frozen=True)
class ErlangA:
    wait_probability: mp.mpf
    abandon_rate: mp.mpf  # by Little's law: theta * E[queue] / lambda
    mean_wait_seconds: mp.mpf  # E[queue] / lambda
    service_level: mp.mpf | None  # answered within T / offered (None if not asked)


def erlang_a(n: int, calls: float, interval_s: float, aht_s: float, patience_s: float,
             t_s: float, *, tail: int, with_sl: bool = True) -> ErlangA:
    lam = mp.mpf(calls) / interval_s
    mu = 1 / mp.mpf(aht_s)
    theta = 1 / mp.mpf(patience_s)
    a = lam / mu
    weights = [mp.exp(j * mp.log(a) - mp.loggamma(j + 1)) for j in range(n + 1)]
    queue = [weights[-1]]  # states N + k, k = 0..tail
    for k in range(1, tail + 1):
        queue.append(queue[-1] * lam / (n * mu + k * theta))
    z = mp.fsum(weights[:-1]) + mp.fsum(queue)
    p_wait = mp.fsum(queue) / z
    mean_queue = mp.fsum(k * w for k, w in enumerate(queue)) / z
    sl = None
    if with_sl:
        # The tagged caller's chain: state i = callers ahead (0..tail); from i it moves to
        # i-1 (or to "served" from 0) at rate N mu + i theta, and hangs up at rate theta.
        size = tail + 3
        served, gone = tail + 1, tail + 2
        q = mp.zeros(size, size)
        for i in range(tail + 1):
            down = n * mu + i * theta
            q[i, served if i == 0 else i - 1] = down
            q[i, gone] = theta
            q[i, i] = -(down + theta)
        p = mp.expm(q * t_s)
        sl = mp.fsum(weights[:-1]) / z + mp.fsum(
            queue[k] / z * p[k, served] for k in range(tail + 1))
    return ErlangA(p_wait, theta * mean_queue / lam, mean_queue / lam, sl)
