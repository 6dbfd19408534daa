"""Erlang A (Palm's M/M/N+M; Garnett, Mandelbaum & Reiman 2002): callers hang up after an
exponential patience with mean ``patience_seconds``.

The state is the number of calls in the system, a birth–death chain: arrivals at rate
``λ = calls / interval_seconds``; with ``j <= N`` calls the departure rate is ``j·μ``
(``μ = 1 / aht_seconds``), with ``N + k`` it is ``N·μ + k·θ`` (``θ = 1 / patience``).
Arrivals see the stationary distribution (PASTA). A caller that finds ``k`` others
waiting moves up at rate ``N·μ + i·θ`` while hanging up at rate ``θ``, so

* it is answered with probability ``N·μ / (N·μ + (k+1)·θ)`` (the product telescopes);
* its answer comes within ``T`` with probability ``P(J >= k+1)`` times that, where ``J`` is
  negative binomial with shape ``N·μ/θ + 1`` and ``p = 1 - exp(-θ·T)`` (the sum of
  exponentials with rates ``θ·(c+i)`` is a linear birth process).

The tail of the chain is summed in log space until the rest is provably below 1e-18 of
the total, vectorised over intervals.

Service level, two definitions (both returned):

* ``service_level``: answered within ``T`` / **offered** (abandoned calls count as
  failures; the regulator's reading and the default for staffing);
* ``service_level_answered``: answered within ``T`` / answered (ignores abandoned calls;
  flatters an understaffed queue, so a staffing target on it should come with
  ``max_abandon``).

``asa_seconds`` is the mean wait of answered calls (zero waits included);
``mean_wait_seconds`` is the mean wait of all offered calls, abandoned ones until they
hang up (= E[queue] / λ, the figure pyworkforce's ErlangA calls ASA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from helpline.wfm.erlang import (
    SL_TOLERANCE,
    ErlangInputError,
    FloatArray,
    IntArray,
    check_agents,
    check_array,
    erlang_b,
    smallest_agents,
    staff_for,
    traffic_erlangs,
)

SlDefinition = Literal["offered", "answered"]
#: The tail is cut when the rest is below this fraction of the mass summed so far.
_TAIL_LOG_EPS = np.log(1e-18)
_MAX_TAIL_STATES = 5_000_000


@dataclass(frozen=True)
class ErlangAMetrics:
    """Erlang A figures per interval (arrays of the broadcast input shape)."""

    agents: IntArray
    traffic_erlangs: FloatArray
    wait_probability: FloatArray  #: an arriving call finds every agent busy
    abandon_rate: FloatArray  #: abandoned / offered
    service_level: FloatArray  #: answered within T / offered
    service_level_answered: FloatArray  #: answered within T / answered
    asa_seconds: FloatArray  #: mean wait of answered calls
    mean_wait_seconds: FloatArray  #: mean wait of all offered calls (E[queue] / λ)
    occupancy: FloatArray  #: served load / agents


def erlang_a_metrics(agents: ArrayLike, calls: ArrayLike, interval_seconds: ArrayLike,
                     aht_seconds: ArrayLike, patience_seconds: ArrayLike,
                     target_seconds: ArrayLike) -> ErlangAMetrics:
    """Erlang A metrics for ``agents`` answering ``calls`` per interval."""
    traffic = traffic_erlangs(calls, interval_seconds, aht_seconds)
    n, a, interval, aht, patience, target = np.broadcast_arrays(
        check_agents(agents), traffic,
        check_array("interval_seconds", interval_seconds, strict=True),
        check_array("aht_seconds", aht_seconds, strict=True),
        check_array("patience_seconds", patience_seconds, strict=True),
        check_array("target_seconds", target_seconds))
    shape = n.shape
    out = _erlang_a(n.ravel(), a.ravel(), interval.ravel(), aht.ravel(), patience.ravel(),
                    target.ravel())
    return ErlangAMetrics(out[0].reshape(shape), *(x.reshape(shape) for x in out[1:]))


def _erlang_a(n: IntArray, a: FloatArray, interval: FloatArray, aht: FloatArray,
              patience: FloatArray, target: FloatArray
              ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray,
                         FloatArray, FloatArray, FloatArray, FloatArray]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        return _erlang_a_unchecked(n, a, interval, aht, patience, target)


def _erlang_a_unchecked(n: IntArray, a: FloatArray, interval: FloatArray, aht: FloatArray,
                        patience: FloatArray, target: FloatArray
                        ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray,
                                   FloatArray, FloatArray, FloatArray, FloatArray]:
    """Erlang A on flat arrays of equal length (no input checks)."""
    lam = a / aht  # arrivals per second
    mu = 1.0 / aht
    theta = 1.0 / patience
    nf = n.astype(np.float64)
    n_mu = nf * mu
    b = erlang_b(n, a)  # P(N busy) in the loss system: the weights of states 0..N-1 and N
    # Tail weights w_k = P(N+k) / P(N) = prod_{i<=k} λ / (Nμ + iθ), k >= 0, summed in log
    # space with a running scale m: every sum S is stored as S · exp(-m).
    c_shape = n_mu / theta + 1.0
    log_p = np.log(-np.expm1(-theta * target))  # -inf when target == 0
    size = n.shape[0]
    log_w = np.zeros(size)  # k = 0
    m = np.zeros(size)
    s_w = np.zeros(size)  # sum w_k
    s_queue = np.zeros(size)  # sum k · w_k
    s_served = np.zeros(size)  # sum w_k · q_k
    s_sl = np.zeros(size)  # sum w_k · q_k · P(J >= k+1)
    s_wait = np.zeros(size)  # sum w_k · q_k · E[wait | served, k]
    log_nb = -c_shape * theta * target  # log P(J = 0)
    nb_cdf = np.zeros(size)  # P(J <= k-1)
    harmonic = np.zeros(size)  # sum_{i<=k} 1 / (θ (c + i))
    active = np.ones(size, dtype=bool)
    k = 0
    while True:
        kf = float(k)
        q = n_mu / (n_mu + (kf + 1.0) * theta)
        nb_cdf = nb_cdf + np.exp(log_nb)
        sl_here = np.where(target > 0, np.clip(1.0 - nb_cdf, 0.0, 1.0), 0.0)
        harmonic = harmonic + 1.0 / (theta * (c_shape + kf))
        new_m = np.maximum(m, log_w)
        rescale = np.exp(m - new_m)
        w = np.where(active, np.exp(log_w - new_m), 0.0)
        s_w = s_w * rescale + w
        s_queue = s_queue * rescale + kf * w
        s_served = s_served * rescale + w * q
        s_sl = s_sl * rescale + w * q * sl_here
        s_wait = s_wait * rescale + w * q * harmonic
        m = new_m
        # next state
        ratio = lam / (n_mu + (kf + 1.0) * theta)
        log_w = log_w + np.log(ratio)
        log_nb = log_nb + np.log((kf + c_shape) / (kf + 1.0)) + log_p
        # remaining tail <= w_{k+1} / (1 - ratio) once ratio < 1 (ratios only fall)
        log_rest = log_w - np.log1p(-np.minimum(ratio, 1.0))
        active &= ~((ratio < 1.0) & (log_rest - m - np.log(s_w) < _TAIL_LOG_EPS))
        if not active.any():
            break
        k += 1
        if k > _MAX_TAIL_STATES:
            raise ErlangInputError("Erlang A tail too long: patience too long for this load",
                                   field="patience_seconds")
    # Normalise: states 0..N weigh 1/B relative to state N (Erlang B), the tail k >= 1
    # adds sum w - 1, so P(N) = B / ((1 - B) + B · sum w), in log space.
    log_sum = np.log(s_w) + m
    log_b = np.log(b)
    log_pn = log_b - np.logaddexp(np.log1p(-b), log_b + log_sum)
    scale = np.exp(log_pn + m)  # multiply a scaled sum by this to get a probability
    p_wait = np.clip(scale * s_w, 0.0, 1.0)
    served_waiting = scale * s_served
    p_answered = np.clip(1.0 - p_wait + served_waiting, 0.0, 1.0)
    abandon = np.clip(p_wait - served_waiting, 0.0, 1.0)
    sl_offered = np.clip(1.0 - p_wait + scale * s_sl, 0.0, 1.0)
    sl_answered = np.where(p_answered > 0, np.clip(sl_offered / p_answered, 0.0, 1.0), 0.0)
    asa = np.where(p_answered > 0, scale * s_wait / p_answered, np.inf)
    occupancy = np.where(nf > 0, np.minimum(a * p_answered / nf, 1.0), 0.0)
    mean_wait = scale * s_queue / lam
    zero = a == 0.0
    return (n, a, np.where(zero, 0.0, p_wait), np.where(zero, 0.0, abandon),
            np.where(zero, 1.0, sl_offered), np.where(zero, 1.0, sl_answered),
            np.where(zero, 0.0, asa), np.where(zero, 0.0, mean_wait),
            np.where(zero, 0.0, occupancy))


@dataclass(frozen=True)
class ErlangAStaffing:
    """Erlang A staffing per interval and what those agents achieve."""

    agents: IntArray
    staff: IntArray
    metrics: ErlangAMetrics


def erlang_a_staffing(calls: ArrayLike, interval_seconds: ArrayLike, aht_seconds: ArrayLike,
                      patience_seconds: ArrayLike, target_sl: ArrayLike,
                      target_seconds: ArrayLike, *, sl_definition: SlDefinition = "offered",
                      max_abandon: ArrayLike | None = None, max_occupancy: ArrayLike = 1.0,
                      shrinkage: ArrayLike = 0.0) -> ErlangAStaffing:
    """Smallest agents per interval meeting the SL target (``sl_definition``), abandonment
    ``<= max_abandon`` (if given) and occupancy ``<= max_occupancy``; zero calls need
    zero agents. Occupancy here is the carried (answered) load per agent. Vectorised
    bisection: each criterion improves with every added agent."""
    if sl_definition not in ("offered", "answered"):
        raise ErlangInputError("sl_definition must be 'offered' or 'answered'",
                               field="sl_definition")
    traffic = traffic_erlangs(calls, interval_seconds, aht_seconds)
    goal = check_array("target_sl", target_sl, strict=True, maximum=1.0, strict_max=True)
    cap = (np.asarray(2.0) if max_abandon is None
           else check_array("max_abandon", max_abandon, strict=True, maximum=1.0))
    occ_cap = check_array("max_occupancy", max_occupancy, strict=True, maximum=1.0)
    a, interval, aht, patience, target, goal_b, cap_b, occ_b = np.broadcast_arrays(
        traffic, check_array("interval_seconds", interval_seconds, strict=True),
        check_array("aht_seconds", aht_seconds, strict=True),
        check_array("patience_seconds", patience_seconds, strict=True),
        check_array("target_seconds", target_seconds), goal, cap, occ_cap)
    shape = a.shape
    args = [x.ravel() for x in (a, interval, aht, patience, target)]
    goal_f, cap_f = goal_b.ravel() - SL_TOLERANCE, cap_b.ravel() + SL_TOLERANCE
    occ_f = occ_b.ravel() + SL_TOLERANCE

    def ok(agents: IntArray, idx: IntArray) -> NDArray[np.bool_]:
        fa, fi, fh, fp, ft = (x[idx] for x in args)
        res = _erlang_a(agents, fa, fi, fh, fp, ft)
        sl = res[4] if sl_definition == "offered" else res[5]
        return np.asarray((sl >= goal_f[idx]) & (res[3] <= cap_f[idx])
                          & (res[8] <= occ_f[idx]))

    start = np.ceil(args[0]).astype(np.int64) + 1
    agents = smallest_agents(ok, args[0] > 0, start).reshape(shape)
    metrics = erlang_a_metrics(agents, calls, interval_seconds, aht_seconds,
                               patience_seconds, target_seconds)
    return ErlangAStaffing(agents=metrics.agents, staff=staff_for(metrics.agents, shrinkage),
                           metrics=metrics)


