"""Erlang A (M/M/N+M) against mpmath: the stationary distribution, Little's law for
abandonment, and the waiting caller's own chain (matrix exponential) for the SL."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.wfm.erlang import ErlangInputError, erlang_c_metrics
from helpline.wfm.erlang_a import erlang_a_metrics, erlang_a_staffing

from . import mp_reference as ref


@pytest.mark.parametrize(("agents", "calls", "patience", "target", "tail"), [
    (12, 100, 60, 20, 40),
    (9, 100, 120, 30, 45),  # fewer agents than erlangs: stable only thanks to abandonment
])
def test_matches_mpmath_with_service_level(agents: int, calls: float, patience: float,
                                           target: float, tail: int) -> None:
    expected = ref.erlang_a(agents, calls, 1800, 180, patience, target, tail=tail)
    got = erlang_a_metrics(agents, calls, 1800, 180, patience, target)
    assert expected.service_level is not None
    assert float(got.service_level) == pytest.approx(float(expected.service_level), abs=1e-9)
    assert float(got.wait_probability) == pytest.approx(float(expected.wait_probability),
                                                        abs=1e-9)
    assert float(got.abandon_rate) == pytest.approx(float(expected.abandon_rate), abs=1e-9)
    assert float(got.mean_wait_seconds) == pytest.approx(float(expected.mean_wait_seconds),
                                                         rel=1e-8)


@pytest.mark.parametrize(("agents", "calls", "aht", "patience", "tail"), [
    (151, 1000, 300, 300, 600),
    (2000, 12_000, 300, 200, 900),  # 2,000 erlangs
    (5000, 30_500, 300, 900, 2500),  # 5,083 erlangs: overloaded, long patience
])
def test_large_cases_match_mpmath(agents: int, calls: float, aht: float, patience: float,
                                  tail: int) -> None:
    expected = ref.erlang_a(agents, calls, 1800, aht, patience, 180, tail=tail,
                            with_sl=False)
    got = erlang_a_metrics(agents, calls, 1800, aht, patience, 180)
    for value in (got.service_level, got.abandon_rate, got.asa_seconds, got.wait_probability):
        assert np.isfinite(value)
    assert float(got.wait_probability) == pytest.approx(float(expected.wait_probability),
                                                        rel=1e-9)
    assert float(got.abandon_rate) == pytest.approx(float(expected.abandon_rate), rel=1e-8,
                                                    abs=1e-15)


def test_infinite_patience_limit_is_erlang_c() -> None:
    agents = np.arange(11, 20)
    a = erlang_a_metrics(agents, 100, 1800, 180, 1e9, 20)
    c = erlang_c_metrics(agents, 100, 1800, 180, 20)
    assert np.allclose(a.service_level, c.service_level, atol=1e-6)
    assert np.allclose(a.asa_seconds, c.asa_seconds, rtol=1e-5)
    assert np.allclose(a.wait_probability, c.wait_probability, atol=1e-6)
    assert np.all(a.abandon_rate < 1e-5)


def test_definitions_of_service_level() -> None:
    m = erlang_a_metrics(np.arange(1, 30), 100, 1800, 180, 120, 20)
    answered = 1.0 - m.abandon_rate
    assert np.allclose(m.service_level_answered * answered, m.service_level, atol=1e-12)
    assert np.all(m.service_level_answered >= m.service_level - 1e-12)
    # Little: abandoned/offered = theta * E[queue] / lambda = mean wait / patience
    assert np.allclose(m.abandon_rate, m.mean_wait_seconds / 120, rtol=1e-9, atol=1e-15)


def test_staffing_minimal_with_each_definition_and_abandon_cap() -> None:
    calls, patience = np.array([0.0, 40, 100, 400, 1000]), 180.0
    for definition in ("offered", "answered"):
        s = erlang_a_staffing(calls, 1800, 180, patience, 0.8, 20, sl_definition=definition,
                              max_abandon=0.03)
        assert s.agents[0] == 0
        sl = s.metrics.service_level if definition == "offered" \
            else s.metrics.service_level_answered
        assert np.all(sl[1:] >= 0.8 - 1e-12) and np.all(s.metrics.abandon_rate <= 0.03 + 1e-12)
        fewer = erlang_a_metrics(s.agents[1:] - 1, calls[1:], 1800, 180, patience, 20)
        fewer_sl = fewer.service_level if definition == "offered" \
            else fewer.service_level_answered
        assert np.all((fewer_sl < 0.8) | (fewer.abandon_rate > 0.03))


def test_abandon_cap_adds_agents() -> None:
    loose = erlang_a_staffing(1000, 1800, 300, 300, 0.8, 180)
    capped = erlang_a_staffing(1000, 1800, 300, 300, 0.8, 180, max_abandon=0.01)
    assert int(capped.agents) > int(loose.agents)
    assert float(capped.metrics.abandon_rate) <= 0.01
    assert float(erlang_a_metrics(int(capped.agents) - 1, 1000, 1800, 300, 300,
                                  180).abandon_rate) > 0.01


def test_staff_after_shrinkage_and_csv_staffing() -> None:
    # reference CSV: 1,000 calls, AHT 300 s, patience 300 s -> 151 agents for 90% in 180 s
    s = erlang_a_staffing(1000, 1800, 300, 300, 0.9, 180, shrinkage=0.3)
    assert (int(s.agents), int(s.staff)) == (151, 216)


def test_rejects_bad_input() -> None:
    with pytest.raises(ErlangInputError):
        erlang_a_metrics(10, 100, 1800, 180, 0, 20)
    with pytest.raises(ErlangInputError):
        erlang_a_staffing(100, 1800, 180, 60, 0.8, 20,
                          sl_definition="bogus")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(load=st.floats(0.1, 200.0), patience=st.floats(10.0, 3600.0),
       target=st.floats(0.0, 300.0), goal=st.floats(0.1, 0.95))
def test_properties(load: float, patience: float, target: float, goal: float) -> None:
    aht = 240.0
    calls = load * 900 / aht
    agents = np.arange(0, int(load * 1.5) + 10)
    m = erlang_a_metrics(agents, calls, 900, aht, patience, target)
    assert np.all(np.diff(m.service_level) >= -1e-10)  # SL grows with agents
    assert np.all(np.diff(m.abandon_rate) <= 1e-10)  # abandonment falls
    n = int(erlang_a_staffing(calls, 900, aht, patience, goal, target).agents)
    assert float(erlang_a_metrics(n, calls, 900, aht, patience, target).service_level) \
        >= goal - 1e-12
    assert n == 0 or float(erlang_a_metrics(n - 1, calls, 900, aht, patience,
                                            target).service_level) < goal - 1e-12
