"""Findings from hand-made speech segments (no audio): every rule passing and failing."""

from __future__ import annotations

import pytest

from helpline.quality.audio.errors import InvalidParameter
from helpline.quality.audio.findings import (
    Thresholds,
    dead_air_findings,
    find_latencies,
    find_overtalk,
    find_silences,
    hold_findings,
    latency_findings,
    overtalk_findings,
    ratio_findings,
    talk_metrics,
)
from helpline.quality.audio.holds import Hold, HoldReport
from helpline.quality.audio.vad import Segment


def segs(*pairs: tuple[float, float]) -> tuple[Segment, ...]:
    return tuple(Segment(a, b) for a, b in pairs)


AGENT = segs((0.0, 4.0), (6.0, 9.0), (30.0, 33.0), (34.5, 36.0))
CUSTOMER = segs((4.5, 5.5), (8.0, 12.0), (35.0, 38.0))


def test_silences_per_channel_and_both() -> None:
    found = find_silences({"agent": AGENT, "customer": CUSTOMER}, 40.0, [], 2.0)
    both = [(s.start_s, s.end_s) for s in found if s.channel == "both"]
    assert both == [(12.0, 30.0), (38.0, 40.0)]
    agent = [(s.start_s, s.end_s) for s in found if s.channel == "agent"]
    assert agent == [(4.0, 6.0), (9.0, 30.0)]  # 4.0-6.0 is exactly 2 s: a pause
    customer = [(s.start_s, s.end_s) for s in found if s.channel == "customer"]
    assert customer == [(5.5, 8.0), (12.0, 35.0)]


def test_a_gap_of_exactly_the_threshold_is_a_pause() -> None:
    found = find_silences({"agent": segs((0.0, 1.0), (3.0, 4.0))}, 4.0, [], 2.0)
    assert [(s.channel, s.start_s, s.end_s) for s in found] == [
        ("both", 1.0, 3.0), ("agent", 1.0, 3.0)]


def test_dead_air_outside_hold_only() -> None:
    t = Thresholds()
    silences = find_silences({"agent": AGENT, "customer": CUSTOMER}, 40.0, [], 2.0)
    fail = dead_air_findings(silences, [], 40.0, t)
    assert [(f.rule, f.passed, f.start, f.end) for f in fail] == [
        ("dead_air", False, 12.0, 30.0)]
    held = [Hold(14.0, 28.0)]  # leaves 2 s + 2 s outside the hold
    silences = find_silences({"agent": AGENT, "customer": CUSTOMER}, 40.0, held, 2.0)
    ok = dead_air_findings(silences, held, 40.0, t)
    assert [(f.rule, f.passed) for f in ok] == [("dead_air", True)]
    assert next(s for s in silences if s.channel == "both").on_hold_s == 14.0
    partly = [Hold(25.0, 28.0)]  # 13 s before the hold: still dead air
    silences = find_silences({"agent": AGENT, "customer": CUSTOMER}, 40.0, partly, 2.0)
    late = dead_air_findings(silences, partly, 40.0, t)
    assert [(f.passed, f.start, f.end) for f in late] == [(False, 12.0, 25.0)]


@pytest.mark.parametrize(("role", "passed"), [("agent", False), ("senior", True)])
def test_hold_return_limit_by_role(role: str, passed: bool) -> None:
    report = HoldReport((Hold(10.0, 140.0),))  # 2:10
    (finding,) = hold_findings(report, role, Thresholds())
    assert finding.passed is passed and finding.measured == 130.0
    assert "2:10" in finding.evidence


def test_open_ended_hold_is_said_so() -> None:
    (finding,) = hold_findings(HoldReport((Hold(10.0, 60.0, open_ended=True),)), "agent",
                               Thresholds())
    assert finding.passed and "no unhold" in finding.evidence


def test_overtalk_interrupter_and_duration() -> None:
    t = Thresholds(overtalk_min_s=0.5)
    episodes = find_overtalk(AGENT, CUSTOMER, t)
    # the customer's 8.0 starts inside the agent's 6-9 and 35.0 inside 34.5-36 (1.0 s each)
    assert [(o.start_s, o.end_s, o.interrupter, o.interrupted) for o in episodes] == [
        (8.0, 9.0, "customer", "agent"), (35.0, 36.0, "customer", "agent")]
    agent_first = find_overtalk(segs((10.0, 14.0)), segs((8.0, 12.0)), t)
    assert [(o.interrupter, o.duration_s) for o in agent_first] == [("agent", 2.0)]
    together = find_overtalk(segs((10.0, 14.0)), segs((10.1, 12.0)), t)
    assert together[0].interrupter == "both"
    short = find_overtalk(segs((10.0, 14.0)), segs((13.7, 16.0)), t)  # 0.3 s backchannel
    assert short == ()
    findings = overtalk_findings(agent_first, 20.0, t)
    assert [(f.rule, f.passed, f.start, f.end) for f in findings] == [
        ("no_interruption", False, 10.0, 12.0)]
    assert overtalk_findings(episodes, 40.0, t)[0].passed


def test_response_latency() -> None:
    latencies = find_latencies(AGENT, CUSTOMER, [])
    # customer stops 5.5 -> agent 6.0; 12.0 -> 30.0; the agent's 34.5 follows the agent's
    # own 33.0 (the agent spoke last): not a response
    assert [(x.customer_end_s, x.agent_start_s) for x in latencies] == [(5.5, 6.0),
                                                                       (12.0, 30.0)]
    assert find_latencies(AGENT, CUSTOMER, [Hold(15.0, 25.0)])[-1].agent_start_s == 6.0
    findings = latency_findings(latencies, 40.0, Thresholds(response_latency_s=5.0))
    assert [(f.passed, f.measured) for f in findings] == [(False, 18.0)]
    ok = latency_findings(latencies[:1], 40.0, Thresholds())
    assert ok[0].passed and ok[0].measured == 0.5


def test_talk_listen_ratio() -> None:
    overtalk = find_overtalk(AGENT, CUSTOMER, Thresholds())
    metrics = talk_metrics(AGENT, CUSTOMER, overtalk, find_latencies(AGENT, CUSTOMER, []))
    assert metrics["agent_talk_s"] == 11.5 and metrics["customer_talk_s"] == 8.0
    assert metrics["talk_listen_ratio"] == round(11.5 / 8.0, 4)
    assert ratio_findings(metrics, 40.0, Thresholds()) == []
    (finding,) = ratio_findings(metrics, 40.0, Thresholds(max_talk_listen_ratio=1.2))
    assert not finding.passed and finding.measured == round(11.5 / 8.0, 4)


def test_thresholds_are_checked() -> None:
    with pytest.raises(InvalidParameter, match="dead_air_s"):
        Thresholds(dead_air_s=0)
