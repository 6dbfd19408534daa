"""Erlang C against an mpmath reference, plus staffing properties (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.wfm.erlang import (
    ErlangInputError,
    erlang_b,
    erlang_c_metrics,
    erlang_c_staffing,
    required_agents,
    service_level,
    staff_for,
)

from . import mp_reference as ref

CASES = [  # agents, calls, interval_s, aht_s, target_s
    (11, 100, 1800, 180, 20),
    (14, 100, 1800, 180, 20),
    (1, 1, 900, 60, 30),
    (53, 300, 1800, 300, 180),
    (170, 1000, 1800, 300, 180),
    (837, 5000, 1800, 300, 180),
    (31, 90, 900, 290, 0),
]


@pytest.mark.parametrize(("agents", "calls", "interval", "aht", "target"), CASES)
def test_matches_mpmath(agents: int, calls: float, interval: float, aht: float,
                        target: float) -> None:
    expected = ref.erlang_c(agents, calls, interval, aht, target)
    got = erlang_c_metrics(agents, calls, interval, aht, target)
    assert float(got.wait_probability) == pytest.approx(float(expected.wait_probability),
                                                        rel=1e-10, abs=1e-14)
    assert float(got.service_level) == pytest.approx(float(expected.service_level),
                                                     rel=1e-10, abs=1e-14)
    assert float(got.asa_seconds) == pytest.approx(float(expected.asa_seconds), rel=1e-10,
                                                   abs=1e-12)
    assert float(got.occupancy) == pytest.approx(calls * aht / interval / agents)


@pytest.mark.parametrize(("agents", "load"), [(5000, 4750.0), (5000, 4990.5), (4000, 3000.0),
                                              (6000, 5950.25)])
def test_thousands_of_agents_finite_and_exact(agents: int, load: float) -> None:
    calls = load * 1800 / 300
    expected = ref.erlang_c(agents, calls, 1800, 300, 20)
    got = erlang_c_metrics(agents, calls, 1800, 300, 20)
    for value in (got.wait_probability, got.service_level, got.asa_seconds):
        assert np.isfinite(value)
    assert float(got.wait_probability) == pytest.approx(float(expected.wait_probability),
                                                        rel=1e-9, abs=1e-15)
    assert float(got.service_level) == pytest.approx(float(expected.service_level), rel=1e-9)
    assert float(erlang_b(agents, load)) == pytest.approx(float(ref.erlang_b(agents, load)),
                                                          rel=1e-9, abs=1e-300)


def test_large_staffing_is_minimal_by_mpmath() -> None:
    calls, interval, aht, target = 30_000, 1800, 300, 20  # 5,000 erlangs
    agents = int(required_agents(calls, interval, aht, 0.9, target))
    assert ref.erlang_c(agents, calls, interval, aht, target).service_level >= 0.9
    assert ref.erlang_c(agents - 1, calls, interval, aht, target).service_level < 0.9


def test_vectorised_equals_one_by_one() -> None:
    rng = np.random.default_rng(7)
    calls = rng.integers(0, 3000, size=200).astype(float)
    aht = rng.uniform(60, 600, size=200)
    agents = required_agents(calls, 900, aht, 0.8, 20)
    one_by_one = [int(required_agents(c, 900, h, 0.8, 20)) for c, h in zip(calls, aht,
                                                                               strict=True)]
    assert agents.tolist() == one_by_one
    metrics = erlang_c_metrics(agents, calls, 900, aht, 20)
    assert metrics.service_level.shape == (200,)
    assert np.all(metrics.service_level[calls > 0] >= 0.8 - 1e-12)


def test_unstable_and_empty_intervals() -> None:
    m = erlang_c_metrics([0, 5, 10, 3], [100, 100, 100, 0], 1800, 180, 20)  # A = 10
    assert m.wait_probability.tolist()[:3] == [1.0, 1.0, 1.0]
    assert m.service_level.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert np.isinf(m.asa_seconds[:3]).all() and m.asa_seconds[3] == 0.0
    assert int(required_agents(0, 900, 300, 0.9, 180)) == 0


def test_shrinkage_ceiling_is_exact() -> None:
    # 14 / 0.7 is 20.000000000000004 in floating point: still 20 staff
    assert staff_for([14, 15, 0, 7], 0.3).tolist() == [20, 22, 0, 10]
    s = erlang_c_staffing(100, 1800, 180, 0.8, 20, shrinkage=0.3)
    assert (int(s.agents), int(s.staff)) == (14, 20)


def test_max_occupancy_caps_agents() -> None:
    # 90 / 20 s at 80%: 14 agents and occupancy 0.714; an 0.6 cap needs ceil(10 / 0.6) = 17
    assert int(required_agents(100, 1800, 180, 0.8, 20, max_occupancy=0.6)) == 17
    assert int(required_agents(100, 1800, 180, 0.8, 20, max_occupancy=0.8)) == 14
    # exactly at the cap: 10 erlangs / 0.5 = 20 agents, not 21
    assert int(required_agents(100, 1800, 180, 0.8, 20, max_occupancy=0.5)) == 20


@pytest.mark.parametrize("kwargs", [
    {"calls": -1}, {"aht_seconds": 0}, {"interval_seconds": -5}, {"target_sl": 1.0},
    {"target_sl": 0.0}, {"max_occupancy": 0.0}, {"max_occupancy": 1.2},
    {"calls": float("nan")}, {"target_seconds": -1},
])
def test_rejects_bad_input(kwargs: dict[str, float]) -> None:
    args = {"calls": 100.0, "interval_seconds": 1800.0, "aht_seconds": 180.0,
            "target_sl": 0.8, "target_seconds": 20.0, "max_occupancy": 1.0, **kwargs}
    with pytest.raises(ErlangInputError) as info:
        required_agents(**args)
    assert info.value.error_id == "wfm_invalid_input"


def test_rejects_bad_agents_and_shrinkage() -> None:
    with pytest.raises(ErlangInputError):
        erlang_c_metrics(2.5, 10, 900, 60, 20)
    with pytest.raises(ErlangInputError):
        staff_for(10, 1.0)


loads = st.floats(min_value=0.05, max_value=400.0)
ahts = st.floats(min_value=10.0, max_value=1200.0)
targets = st.floats(min_value=0.0, max_value=600.0)
goals = st.floats(min_value=0.05, max_value=0.99)


@settings(max_examples=150, deadline=None)
@given(load=loads, aht=ahts, target=targets, extra=st.integers(1, 60))
def test_service_level_grows_with_agents(load: float, aht: float, target: float,
                                         extra: int) -> None:
    calls = load * 900 / aht
    agents = np.arange(0, int(load) + extra + 1)
    sl = service_level(agents, calls, 900, aht, target)
    assert np.all(np.diff(sl) >= -1e-12)
    assert np.all((sl >= 0) & (sl <= 1))


@settings(max_examples=150, deadline=None)
@given(load=loads, aht=ahts, target=targets, goal=goals,
       occ=st.one_of(st.just(1.0), st.floats(min_value=0.5, max_value=1.0)))
def test_minimal_staffing_is_minimal(load: float, aht: float, target: float, goal: float,
                                     occ: float) -> None:
    calls = load * 900 / aht
    n = int(required_agents(calls, 900, aht, goal, target, max_occupancy=occ))
    at_n = erlang_c_metrics(n, calls, 900, aht, target)
    assert n > load
    assert float(at_n.service_level) >= goal - 1e-12
    assert float(at_n.occupancy) <= occ + 1e-9
    fewer = erlang_c_metrics(n - 1, calls, 900, aht, target)
    assert float(fewer.service_level) < goal - 1e-12 or float(fewer.occupancy) > occ + 1e-12 \
        or n - 1 <= load
