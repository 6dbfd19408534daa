"""Erlang C (M/M/N, callers wait forever): waiting probability, service level, ASA,
occupancy, and the smallest staffing that meets a service-level target.

Everything is vectorised: pass one number or a numpy array of intervals (calls per
interval, AHT per interval, ...); arguments broadcast against each other and the
result has the broadcast shape. Erlang B is computed with the stable forward recursion
``B(n) = A·B(n-1) / (n + A·B(n-1))`` (always in [0, 1], no factorials, no overflow), so
thousands of agents are fine.

Definitions (traffic ``A = calls · aht_seconds / interval_seconds`` erlangs, ``N`` agents):

* wait probability ``C = N·B / (N - A·(1 - B))`` (1 when ``N <= A``: the queue grows);
* service level ``SL(T) = 1 - C·exp(-(N - A)·T / aht)``: share of calls answered within
  ``T`` seconds (every call is answered in Erlang C);
* ASA ``C·aht / (N - A)``: mean wait over all calls, including those answered at once;
* occupancy ``A / N`` (capped at 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from helpline.domain.errors import HelplineError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Service levels are compared as ``sl >= target - SL_TOLERANCE`` so that a target met
#: exactly is not missed by the last bit of floating point.
SL_TOLERANCE = 1e-12
#: Guard for ``ceil`` of ratios such as 14 / 0.7 = 20.000000000000004.
_CEIL_SLACK = 1e-9


class ErlangInputError(HelplineError):
    """Invalid input to the queueing math (negative volume, shrinkage >= 1, ...)."""

    error_id = "wfm_invalid_input"
    http_status = 422


# -- input checks --------------------------------------------------------------------------
def check_array(name: str, value: ArrayLike, *, minimum: float = 0.0,
                strict: bool = False, maximum: float | None = None,
                strict_max: bool = False) -> FloatArray:
    """``value`` as a float array; raises ErlangInputError when out of range or not finite."""
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ErlangInputError(f"{name} must be finite", field=name)
    low_bad = array <= minimum if strict else array < minimum
    if np.any(low_bad):
        sign = ">" if strict else ">="
        raise ErlangInputError(f"{name} must be {sign} {minimum}", field=name)
    if maximum is not None:
        high_bad = array >= maximum if strict_max else array > maximum
        if np.any(high_bad):
            sign = "<" if strict_max else "<="
            raise ErlangInputError(f"{name} must be {sign} {maximum}", field=name)
    return array


def check_agents(value: ArrayLike) -> IntArray:
    """Agent counts as a non-negative int array (floats must be whole numbers)."""
    raw = np.asarray(value)
    array = np.asarray(raw, dtype=np.int64)
    if np.any(array < 0) or not np.array_equal(array, raw):
        raise ErlangInputError("agents must be whole numbers >= 0", field="agents")
    return array


def traffic_erlangs(calls: ArrayLike, interval_seconds: ArrayLike,
                    aht_seconds: ArrayLike) -> FloatArray:
    """Offered load in erlangs: ``calls · aht_seconds / interval_seconds``."""
    c = check_array("calls", calls)
    s = check_array("interval_seconds", interval_seconds, strict=True)
    h = check_array("aht_seconds", aht_seconds, strict=True)
    return np.asarray(c * h / s, dtype=np.float64)


def staff_for(agents: ArrayLike, shrinkage: ArrayLike) -> IntArray:
    """Scheduled staff for ``agents`` on the phones: ``ceil(agents / (1 - shrinkage))``."""
    n = check_agents(agents)
    s = check_array("shrinkage", shrinkage, maximum=1.0, strict_max=True)
    staff = np.ceil(n / (1.0 - s) - _CEIL_SLACK)
    return np.asarray(np.maximum(staff, n), dtype=np.int64)


# -- Erlang B / C at given agents -----------------------------------------------------------
def erlang_b(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang B blocking probability for ``agents`` servers and ``traffic`` erlangs."""
    n, a = np.broadcast_arrays(check_agents(agents), check_array("traffic", traffic))
    flat_n = n.ravel()
    flat_a = a.ravel()
    out = np.ones(flat_n.shape, dtype=np.float64)
    b = np.ones(flat_n.shape, dtype=np.float64)
    top = int(flat_n.max(initial=0))
    for k in range(1, top + 1):
        ab = flat_a * b
        b = ab / (k + ab)
        hit = flat_n == k
        out[hit] = b[hit]
    return out.reshape(n.shape)


def _erlang_c_from_b(n: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    c = np.where(n > a, np.clip(c, 0.0, 1.0), 1.0)
    return np.where(a == 0.0, 0.0, c)


def wait_probability(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang C: probability that a call waits (1 when ``agents <= traffic``)."""
    n, a = np.broadcast_arrays(check_agents(agents).astype(np.float64),
                               check_array("traffic", traffic))
    return _erlang_c_from_b(n, a, erlang_b(n.astype(np.int64), a))


def _sl_from_c(c: FloatArray, n: FloatArray, a: FloatArray, aht: FloatArray,
               target: FloatArray) -> FloatArray:
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * target / aht)
    return np.where(n > a, np.clip(sl, 0.0, 1.0), np.where(a == 0.0, 1.0, 0.0))


def _asa_from_c(c: FloatArray, n: FloatArray, a: FloatArray, aht: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = c * aht / (n - a)
    return np.where(n > a, asa, np.where(a == 0.0, 0.0, np.inf))


def _occupancy(n: FloatArray, a: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.minimum(a / n, 1.0)
    return np.where(a == 0.0, 0.0, occ)


@dataclass(frozen=True)
class ErlangCMetrics:
    """Erlang C figures per interval (arrays of the broadcast input shape)."""

    agents: IntArray
    traffic_erlangs: FloatArray
    wait_probability: FloatArray
    service_level: FloatArray  #: answered within ``target_seconds`` / offered
    asa_seconds: FloatArray  #: mean wait over all calls
    occupancy: FloatArray


def erlang_c_metrics(agents: ArrayLike, calls: ArrayLike, interval_seconds: ArrayLike,
                     aht_seconds: ArrayLike, target_seconds: ArrayLike) -> ErlangCMetrics:
    """Erlang C metrics for ``agents`` answering ``calls`` per interval."""
    traffic = traffic_erlangs(calls, interval_seconds, aht_seconds)
    n_int, a, aht, target = np.broadcast_arrays(
        check_agents(agents), traffic, check_array("aht_seconds", aht_seconds, strict=True),
        check_array("target_seconds", target_seconds))
    n = n_int.astype(np.float64)
    c = _erlang_c_from_b(n, a, erlang_b(n_int, a))
    return ErlangCMetrics(
        agents=np.array(n_int, dtype=np.int64), traffic_erlangs=np.array(a),
        wait_probability=c, service_level=_sl_from_c(c, n, a, aht, target),
        asa_seconds=_asa_from_c(c, n, a, aht), occupancy=_occupancy(n, a))


def service_level(agents: ArrayLike, calls: ArrayLike, interval_seconds: ArrayLike,
                  aht_seconds: ArrayLike, target_seconds: ArrayLike) -> FloatArray:
    """Erlang C share of calls answered within ``target_seconds``."""
    return erlang_c_metrics(agents, calls, interval_seconds, aht_seconds,
                            target_seconds).service_level


# -- staffing ---------------------------------------------------------------------------------
def occupancy_floor(traffic: FloatArray, max_occupancy: ArrayLike) -> IntArray:
    """Fewest agents keeping occupancy ``traffic / agents`` at most ``max_occupancy``."""
    occ = check_array("max_occupancy", max_occupancy, strict=True, maximum=1.0)
    return np.asarray(np.ceil(traffic / occ - _CEIL_SLACK), dtype=np.int64)


def required_agents(calls: ArrayLike, interval_seconds: ArrayLike, aht_seconds: ArrayLike,
                    target_sl: ArrayLike, target_seconds: ArrayLike,
                    max_occupancy: ArrayLike = 1.0) -> IntArray:
    """Smallest agents per interval with Erlang C ``SL(target_seconds) >= target_sl``
    (and occupancy ``<= max_occupancy``). Zero calls need zero agents.

    One pass of the Erlang B recursion serves every interval at once: agent counts are
    tried upwards together and an interval leaves the batch when it is satisfied.
    """
    traffic = traffic_erlangs(calls, interval_seconds, aht_seconds)
    sl_goal = check_array("target_sl", target_sl, strict=True, maximum=1.0, strict_max=True)
    a, aht, goal, target, floor = np.broadcast_arrays(
        traffic, check_array("aht_seconds", aht_seconds, strict=True), sl_goal,
        check_array("target_seconds", target_seconds), occupancy_floor(traffic, max_occupancy))
    shape = a.shape
    a, aht, goal, target = (x.ravel().astype(np.float64) for x in (a, aht, goal, target))
    floor = floor.ravel()
    result = np.zeros(a.shape, dtype=np.int64)
    active = np.flatnonzero(a > 0.0)
    a, aht, goal, target, floor = a[active], aht[active], goal[active], target[active], \
        floor[active]
    goal = goal - SL_TOLERANCE
    b = np.ones(active.shape, dtype=np.float64)
    k = 0
    lowest = float(a.min(initial=0.0))
    while active.size:
        k += 1
        ab = a * b
        b = ab / (k + ab)
        if k <= lowest:  # no interval can be served yet: only the recursion
            continue
        stable = k > a
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            c = np.clip(k * b / (k - a * (1.0 - b)), 0.0, 1.0)
            sl = 1.0 - c * np.exp(-(k - a) * target / aht)
        done = stable & (sl >= goal) & (k >= floor)
        if done.any():
            result[active[done]] = k
            keep = ~done
            active, floor = active[keep], floor[keep]
            a, aht, goal, target, b = a[keep], aht[keep], goal[keep], target[keep], b[keep]
            lowest = float(a.min(initial=0.0))
    return result.reshape(shape)


@dataclass(frozen=True)
class ErlangCStaffing:
    """Erlang C staffing per interval: agents on the phones, staff after shrinkage, and
    the figures achieved with those agents."""

    agents: IntArray
    staff: IntArray
    traffic_erlangs: FloatArray
    service_level: FloatArray
    wait_probability: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray


def erlang_c_staffing(calls: ArrayLike, interval_seconds: ArrayLike, aht_seconds: ArrayLike,
                      target_sl: ArrayLike, target_seconds: ArrayLike,
                      shrinkage: ArrayLike = 0.0,
                      max_occupancy: ArrayLike = 1.0) -> ErlangCStaffing:
    """Required agents (Erlang C), staff ``ceil(agents / (1 - shrinkage))`` and the
    service level, ASA and occupancy they achieve."""
    agents = required_agents(calls, interval_seconds, aht_seconds, target_sl, target_seconds,
                             max_occupancy)
    metrics = erlang_c_metrics(agents, calls, interval_seconds, aht_seconds, target_seconds)
    return ErlangCStaffing(
        agents=metrics.agents, staff=staff_for(metrics.agents, shrinkage),
        traffic_erlangs=metrics.traffic_erlangs, service_level=metrics.service_level,
        wait_probability=metrics.wait_probability, asa_seconds=metrics.asa_seconds,
        occupancy=metrics.occupancy)


def smallest_agents(ok: Callable[[IntArray, IntArray], NDArray[np.bool_]],
                    needed: NDArray[np.bool_], start: IntArray) -> IntArray:
    """Vectorised search for the smallest agents where ``ok(agents, idx)`` holds, for the
    flat intervals ``idx`` where ``needed`` (others get 0). ``ok`` must be monotone in the
    agents (false, then true); ``start`` is a first guess (>= 1) that is doubled until it
    works, then bisection closes the gap: O(log agents) calls of ``ok`` on the batch."""
    lo = np.zeros(needed.shape, dtype=np.int64)  # largest count known to fail
    hi = np.maximum(np.asarray(start, dtype=np.int64), 1)
    todo = np.flatnonzero(needed)
    while todo.size:
        bad = ~ok(hi[todo], todo)
        lo[todo[bad]] = hi[todo[bad]]
        hi[todo[bad]] *= 2
        todo = todo[bad]
    todo = np.flatnonzero(needed & (hi - lo > 1))
    while todo.size:
        mid = (lo[todo] + hi[todo]) // 2
        good = ok(mid, todo)
        hi[todo[good]] = mid[good]
        lo[todo[~good]] = mid[~good]
        todo = todo[hi[todo] - lo[todo] > 1]
    return np.where(needed, hi, 0)


def as_scalar(value: Any) -> Any:
    """A 0-d numpy result as a plain Python number (for JSON and tables)."""
    array = np.asarray(value)
    if array.ndim:
        raise ValueError("expected a single value")
    item = array.item()
    return item if not isinstance(item, float) or math.isfinite(item) else None
